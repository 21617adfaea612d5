package daemon

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"flexvpn/platform/dnsconfig"
)

// fakeIP is a tiny model of the kernel's rules and tables, enough to
// check that Cleanup removes ours, leaves others, and is idempotent.
type fakeIP struct {
	rules  map[string][]int // family → tables of priority-5300 rules
	tables map[string]bool  // "-4 5301" → has routes
	log    []string
}

func (f *fakeIP) run(args ...string) ([]byte, error) {
	line := strings.Join(args, " ")
	f.log = append(f.log, line)
	fam := args[1]
	switch {
	case strings.Contains(line, "rule show"):
		var b strings.Builder
		for _, t := range f.rules[fam] {
			fmt.Fprintf(&b, "5300:\tfrom all lookup %d\n", t)
		}
		return []byte(b.String()), nil
	case strings.Contains(line, "rule del"):
		var t int
		fmt.Sscanf(args[len(args)-1], "%d", &t)
		i := slices.Index(f.rules[fam], t)
		if i < 0 {
			return []byte("RTNETLINK answers: No such file or directory"), errors.New("exit status 2")
		}
		f.rules[fam] = slices.Delete(f.rules[fam], i, i+1)
		return nil, nil
	case strings.Contains(line, "route flush"):
		key := fam + " " + args[len(args)-1]
		if !f.tables[key] {
			return []byte("Error: ipv4: FIB table does not exist.\nFlush terminated"), errors.New("exit status 2")
		}
		delete(f.tables, key)
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected command %s", line)
}

func TestCleanupIdempotent(t *testing.T) {
	dir := t.TempDir()
	conf, backup := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "run", "resolv.conf.orig")
	orig := "nameserver 192.0.2.53\n"
	os.WriteFile(conf, []byte(orig), 0o644)
	// A "crashed daemon": resolv.conf rewritten, rules and routes left.
	rc := dnsconfig.NewResolvConf(conf, backup)
	if err := rc.Set(dnsconfig.Config{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.54")}}); err != nil {
		t.Fatal(err)
	}
	ip := &fakeIP{
		rules:  map[string][]int{"-4": {5300, 5301, 9999}, "-6": {5300}},
		tables: map[string]bool{"-4 5300": true, "-4 5301": true, "-6 5300": true, "-4 9999": true},
	}
	c := Cleanup{ResolvConf: conf, Backup: backup, Run: ip.run}
	for i := range 2 {
		if err := c.Do(); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if b, _ := os.ReadFile(conf); string(b) != orig {
			t.Fatalf("run %d: resolv.conf %q", i+1, b)
		}
		if !slices.Equal(ip.rules["-4"], []int{9999}) || len(ip.rules["-6"]) != 0 {
			t.Fatalf("run %d: rules left %v (only the foreign 9999 may stay)", i+1, ip.rules)
		}
		if len(ip.tables) != 1 || !ip.tables["-4 9999"] {
			t.Fatalf("run %d: tables left %v", i+1, ip.tables)
		}
	}
}

func TestCleanupReportsRealFailures(t *testing.T) {
	fail := func(args ...string) ([]byte, error) {
		if strings.Contains(strings.Join(args, " "), "flush") {
			return []byte("RTNETLINK answers: Operation not permitted"), errors.New("exit status 2")
		}
		return nil, nil
	}
	err := Cleanup{Run: fail}.Do()
	if err == nil || !strings.Contains(err.Error(), "Operation not permitted") {
		t.Fatalf("err = %v", err)
	}
}
