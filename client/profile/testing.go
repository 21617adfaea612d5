package profile

// ParseForTest parses a profile from src without touching the file
// system: file references and the secrets file are not checked. For tests
// of packages that consume profiles.
func ParseForTest(src string) (*Profile, error) {
	return parse("test.toml", []byte(src), false)
}
