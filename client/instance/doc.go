// Package instance makes one flexvpn client process at a time the owner
// of the host's tunnel state: the policy rules and routing tables of
// platform/router, the resolv.conf it rewrites and its backup, the
// split-DNS proxy address and the fvN interface names. `flexvpn daemon`
// and `flexvpn connect` both use all of these, so running them side by
// side made the daemon's start-up cleanup flush the routes of a running
// connect.
//
// The owner holds an exclusive lock on a file under /run/flexvpn that
// names it (kind, profile, pid). The kernel drops the lock when the
// process dies, however it dies, so a lock that can be taken proves that
// whatever state is left belongs to a dead instance and may be cleaned
// up; a lock that cannot be taken names the running instance in the
// error. The file is removed on release, so a clean exit leaves nothing
// behind in /run.
package instance
