package daemon

import (
	"crypto/sha256"
	"maps"
	"os"

	"flexvpn/client/profile"
)

// fileDigest fingerprints the files a profile names: a tunnel reads its
// CA, certificate and key when it starts, so a reload must notice a
// renewed certificate or a replaced CA bundle even when the profile text,
// and so the paths, stayed the same. (The secrets are part of the
// Profile already.)
type fileDigest map[string][sha256.Size]byte

// digestFiles hashes the files p names. A file that cannot be read gets
// the hash of its error, so that it becoming readable again counts as a
// change too.
func digestFiles(p *profile.Profile) fileDigest {
	d := fileDigest{}
	for _, path := range []string{p.Gateway.CA, p.Auth.Cert, p.Auth.Key, p.Auth.SecretsFile} {
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			b = []byte("unreadable: " + err.Error())
		}
		d[path] = sha256.Sum256(b)
	}
	return d
}

// digestAll fingerprints the files of every loaded profile.
func digestAll(loaded map[string]*profile.Profile) map[string]fileDigest {
	out := make(map[string]fileDigest, len(loaded))
	for name, p := range loaded {
		out[name] = digestFiles(p)
	}
	return out
}

func (d fileDigest) equal(o fileDigest) bool { return maps.Equal(d, o) }
