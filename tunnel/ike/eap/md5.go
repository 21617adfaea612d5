package eap

import (
	"crypto/md5"
	"crypto/subtle"
	"fmt"
)

// EAP-MD5-Challenge (RFC 3748 section 5.4) reuses the CHAP format of
// RFC 1994 section 4.1: Value-Size, Value, Name. The response value is
// MD5(Identifier || secret || challenge), the Identifier being that of the
// EAP packet.
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Value-Size   |  Value ...    |  Name ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

const md5ValueLen = md5.Size

// md5Value is the CHAP value of RFC 1994 section 4.1.
func md5Value(id uint8, secret, challenge []byte) [md5.Size]byte {
	h := md5.New()
	h.Write([]byte{id})
	h.Write(secret)
	h.Write(challenge)
	var out [md5.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// md5Msg is a decoded MD5-Challenge request or response.
type md5Msg struct {
	Value []byte
	Name  []byte
}

func parseMD5(data []byte) (md5Msg, error) {
	if len(data) < 1 {
		return md5Msg{}, fmt.Errorf("%w: empty MD5-Challenge", ErrMalformed)
	}
	n := int(data[0])
	if n == 0 || 1+n > len(data) {
		return md5Msg{}, fmt.Errorf("%w: MD5-Challenge value size %d of %d bytes", ErrMalformed, n, len(data)-1)
	}
	return md5Msg{Value: data[1 : 1+n], Name: data[1+n:]}, nil
}

func buildMD5(value []byte, name string) []byte {
	out := make([]byte, 0, 1+len(value)+len(name))
	out = append(out, byte(len(value)))
	out = append(out, value...)
	return append(out, name...)
}

// verifyMD5 checks a peer's MD5-Challenge response in constant time.
func verifyMD5(id uint8, secret, challenge, got []byte) bool {
	want := md5Value(id, secret, challenge)
	return subtle.ConstantTimeCompare(got, want[:]) == 1
}
