package netns

import (
	"os"
	"testing"
)

// The parsers below read tool output (swanctl, charon logs, tshark),
// which a misbehaving peer can influence through identities and
// payloads; they must reject, never panic.

func FuzzParseListSAs(f *testing.F) {
	if b, err := os.ReadFile("testdata/list_sas_pretty.txt"); err == nil {
		f.Add(string(b))
	}
	f.Add("a {\n b = [\n")
	f.Fuzz(func(t *testing.T, s string) {
		sas, err := ParseListSAs(s)
		if err != nil && sas != nil {
			t.Fatal("SAs returned with an error")
		}
	})
}

func FuzzParseIKEKeys(f *testing.F) {
	f.Add(keyLog)
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range ParseIKEKeys(s) {
			if len(k.EI) > len(s) {
				t.Fatal("key longer than the log")
			}
		}
	})
}

func FuzzParseIKEField(f *testing.F) {
	f.Add("7||2001:db8::1|4500||2001:db8::2|4500|00000000" + ikeHeaderHex + "|33,2,34")
	f.Fuzz(func(t *testing.T, line string) {
		d, err := parseIKEField(line)
		if err == nil && len(d.Message) < 28 {
			t.Fatalf("accepted a %d-byte message", len(d.Message))
		}
		if err == nil {
			_ = d.Exchange()
			_ = d.MessageID()
		}
	})
}
