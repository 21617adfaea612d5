// Package pki is a throwaway certificate authority for tests. It issues,
// on the fly and in memory, a CA (RSA-2048, ECDSA P-256 or Ed25519), a
// gateway certificate (SAN DNS + IP, EKU serverAuth) and client
// certificates (SAN email or DNS, EKU clientAuth), plus intermediate CAs
// for chain tests and arbitrary leaves (Issue) for negative ones: wrong
// EKU, no SAN, expired. Everything is available as Go values
// (*x509.Certificate, crypto.Signer) for in-memory engine tests and as
// PEM files for strongSwan and our own daemons.
//
// Keys are generated fresh per call; nothing here is for production.
package pki
