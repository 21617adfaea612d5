package eap

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func mustHash(t *testing.T, pw string) []byte {
	t.Helper()
	h, err := HashPassword(pw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPasswordHash(t *testing.T) {
	h := mustHash(t, "s3cret")
	if !strings.HasPrefix(string(h), "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected format %s", h)
	}
	if ok, err := VerifyPassword(h, "s3cret"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword(h, "s3cret "); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	if bytes.Equal(h, mustHash(t, "s3cret")) {
		t.Fatal("two hashes of one password share a salt")
	}
	// Same salt from a fixed reader: deterministic.
	a, _ := HashPassword("x", bytes.NewReader(make([]byte, 16)))
	b, _ := HashPassword("x", bytes.NewReader(make([]byte, 16)))
	if !bytes.Equal(a, b) {
		t.Fatal("hash not deterministic for a fixed salt")
	}
	if _, err := HashPassword("x", bytes.NewReader(nil)); err == nil {
		t.Fatal("salt read failure ignored")
	}
}

func TestVerifyPasswordBcrypt(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "pw"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword(h, "pw2"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	slow := []byte(strings.Replace(string(h), "$04$", "$20$", 1))
	if ok, err := VerifyPassword(slow, "pw"); ok || !errors.Is(err, ErrConfig) {
		t.Fatalf("cost 20 accepted: %v %v", ok, err)
	}
}

func TestVerifyPasswordRejectsBadHashes(t *testing.T) {
	good := string(mustHash(t, "pw"))
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"bad bcrypt":     "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":    strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(good, "m=19456", "m=99999999", 1),
		"zero passes":    strings.Replace(good, "t=2", "t=0", 1),
		"too many lanes": strings.Replace(good, "p=1", "p=300", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
	} {
		if ok, err := VerifyPassword([]byte(h), "pw"); ok || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v %v", name, ok, err)
		}
	}
}
