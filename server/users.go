package server

import (
	"crypto/subtle"
	"encoding/binary"
	"unicode/utf16"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/md4" // MS-CHAPv2's NT hash is MD4 by definition (RFC 2759 8.3)
)

// User is a local user for EAP authentication and user authorization.
// Secrets are stored in the weakest form each EAP method allows: MS-CHAPv2
// needs only the NT hash, GTC checks a bcrypt hash, and only EAP-MD5 (a
// challenge over the cleartext) needs the password itself.
type User struct {
	Name        string
	NTHash      []byte // 16 bytes, MD4 of the UTF-16LE password; nil disables MS-CHAPv2
	GTCHash     string // bcrypt hash ("$2a$..." / "$2b$..."); empty disables GTC
	MD5Password []byte // cleartext; nil disables EAP-MD5
	Group       string // explicit group; empty = derived by the group mangler
	Attributes  Attributes
}

// CheckGTC reports whether password matches the user's GTC hash.
func (u *User) CheckGTC(password []byte) bool {
	return u.GTCHash != "" && bcrypt.CompareHashAndPassword([]byte(u.GTCHash), password) == nil
}

// CheckNTHash compares an NT hash in constant time.
func (u *User) CheckNTHash(h []byte) bool {
	return len(u.NTHash) == 16 && subtle.ConstantTimeCompare(u.NTHash, h) == 1
}

// NTHash computes the NT password hash MS-CHAPv2 uses (RFC 2759 8.3):
// MD4 over the password in UTF-16 little-endian. The `nt_hash` user key
// holds it in hex, so the server never stores the password.
func NTHash(password string) [16]byte {
	units := utf16.Encode([]rune(password))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	h := md4.New()
	h.Write(b)
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Group is a named set of group authorization attributes.
type Group struct {
	Name       string
	Attributes Attributes
}
