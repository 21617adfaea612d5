package eap

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// GTC sends the password itself (inside the IKE SA's encryption), so the
// server can store a slow one-way hash instead of the password. We use
// argon2id in the PHC string format
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt b64>$<hash b64>
//
// so parameters can be raised later without invalidating stored hashes.

// Default argon2id parameters (OWASP's 19 MiB, 2 passes, 1 lane): cheap
// enough for a small gateway, slow enough to make offline guessing costly.
const (
	argonMemoryKiB = 19 * 1024
	argonPasses    = 2
	argonLanes     = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
	// Bounds on parameters read from a stored hash, so a corrupt or hostile
	// user file cannot make verification exhaust memory or CPU.
	argonMaxMemoryKiB = 256 * 1024
	argonMaxPasses    = 16
	argonMaxLanes     = 16
	bcryptMaxCost     = 14
)

var b64 = base64.RawStdEncoding

// HashPassword returns an argon2id PHC string for User.PasswordHash. A nil
// rng means crypto/rand.
func HashPassword(password string, rng io.Reader) ([]byte, error) {
	if rng == nil {
		rng = rand.Reader
	}
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(rng, salt); err != nil {
		return nil, fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonPasses, argonMemoryKiB, argonLanes, argonKeyLen)
	s := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemoryKiB, argonPasses, argonLanes, b64.EncodeToString(salt), b64.EncodeToString(key))
	return []byte(s), nil
}

// VerifyPassword reports whether password matches a stored hash: an
// argon2id PHC string from HashPassword, or a bcrypt hash ("$2a$", "$2b$",
// "$2y$"), which existing user files and the server's configuration use.
// The error is non-nil only when the stored hash cannot be parsed.
func VerifyPassword(hash []byte, password string) (bool, error) {
	if bytes.HasPrefix(hash, []byte("$2")) {
		return verifyBcrypt(hash, password)
	}
	p, err := parseArgon2id(string(hash))
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), p.salt, p.passes, p.memory, p.lanes, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// verifyBcrypt checks a bcrypt hash, refusing costs above bcryptMaxCost so
// a hostile user file cannot stall the server for seconds per attempt.
func verifyBcrypt(hash []byte, password string) (bool, error) {
	cost, err := bcrypt.Cost(hash)
	if err != nil {
		return false, fmt.Errorf("%w: password hash: %w", ErrConfig, err)
	}
	if cost > bcryptMaxCost {
		return false, fmt.Errorf("%w: password hash: bcrypt cost %d above %d", ErrConfig, cost, bcryptMaxCost)
	}
	err = bcrypt.CompareHashAndPassword(hash, []byte(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("%w: password hash: %w", ErrConfig, err)
}

type argonParams struct {
	memory, passes uint32
	lanes          uint8
	salt, key      []byte
}

func parseArgon2id(s string) (argonParams, error) {
	bad := func(why string) (argonParams, error) {
		return argonParams{}, fmt.Errorf("%w: password hash: %s", ErrConfig, why)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return bad("unsupported version " + f[2])
	}
	var p argonParams
	var lanes uint32
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.memory, &p.passes, &lanes); err != nil {
		return bad("parameters " + f[3])
	}
	if p.memory < 8 || p.memory > argonMaxMemoryKiB || p.passes < 1 || p.passes > argonMaxPasses ||
		lanes < 1 || lanes > argonMaxLanes {
		return bad("parameters out of range " + f[3])
	}
	p.lanes = uint8(lanes)
	var err1, err2 error
	p.salt, err1 = b64.DecodeString(f[4])
	p.key, err2 = b64.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(p.salt) < 8 || len(p.key) < 16 || len(p.key) > 64 {
		return bad("salt or hash encoding")
	}
	return p, nil
}
