package tomlpos

import "testing"

func TestLine(t *testing.T) {
	src := `# profile
name = "corp"   # a comment with = sign

[auth]
method = "eap"
secret = "a#b" # hash inside a string

[[peer]]
host = "192.0.2.1"

[[peer]]
seq  = 20
host = "gw2.example"

[dns . "split"]
domains = ["corp.example"]
`
	x := New([]byte(src))
	cases := []struct {
		path []any
		want int
	}{
		{[]any{"name"}, 2},
		{[]any{"auth", "method"}, 5},
		{[]any{"auth", "secret"}, 6},
		{[]any{"auth", "missing"}, 4}, // falls back to the table header
		{[]any{"peer", 0, "host"}, 9},
		{[]any{"peer", 1, "host"}, 13},
		{[]any{"peer", 1, "track"}, 11},
		{[]any{"dns", "split", "domains"}, 16},
		{[]any{"nothing"}, 0},
	}
	for _, c := range cases {
		if got := x.Line(c.path...); got != c.want {
			t.Errorf("Line(%v) = %d, want %d", c.path, got, c.want)
		}
	}
}

func FuzzNew(f *testing.F) {
	f.Add([]byte("[a]\nb = 1\n[[c]]\nd='#'\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		x := New(src)
		x.Line("a", 0, "b")
	})
}
