// Package dnsproxy is the split-DNS forwarder the client runs while a tunnel
// is up. Queries for the domains the gateway pushed (INTERNAL_DNS_DOMAIN,
// UNITY_SPLITDNS_NAME) go to the tunnel's DNS servers; everything else goes
// to the resolvers the system had before the tunnel. On a router the proxy
// serves the inside interfaces the same way.
//
// The proxy is a miekg/dns Handler over a suffix route table: the most
// specific matching suffix wins and "." is the fallback. A truncated UDP
// answer is retried over TCP; when no upstream answers the client gets
// SERVFAIL rather than a timeout.
package dnsproxy
