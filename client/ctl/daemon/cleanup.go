package daemon

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"flexvpn/platform/dnsconfig"
)

// RulePriority is the priority of platform/router's policy rules.
const RulePriority = 5300

// Runner runs a command and returns its combined output; the production
// runner is os/exec, tests record.
type Runner func(args ...string) ([]byte, error)

// Cleanup undoes what a crashed daemon left behind: the resolv.conf it
// wrote, and the policy rules and routing tables of every slot. It is
// idempotent and safe when nothing is left; it runs at daemon start and
// as `flexvpn cleanup` (the unit's ExecStopPost).
type Cleanup struct {
	ResolvConf, Backup string
	Run                Runner
}

// Do restores DNS first (a resolver pointing at a dead proxy breaks every
// name lookup on the host), then routing. It carries on after a failure
// and reports them all.
func (c Cleanup) Do() error {
	var errs []error
	if c.ResolvConf != "" {
		errs = append(errs, dnsconfig.Restore(c.ResolvConf, c.Backup))
	}
	if c.Run != nil {
		for _, fam := range []string{"-4", "-6"} {
			errs = append(errs, c.routing(fam))
		}
	}
	return errors.Join(errs...)
}

// routing deletes our rules of one family and flushes every slot table.
func (c Cleanup) routing(fam string) error {
	prio := strconv.Itoa(RulePriority)
	out, err := c.Run("ip", fam, "rule", "show", "priority", prio)
	if err != nil {
		return fmt.Errorf("listing rules: %w", err)
	}
	var errs []error
	tables := map[int]bool{}
	for _, t := range ruleTables(string(out)) {
		if t < TableBase || t >= TableBase+MaxSlots {
			continue // not one of ours
		}
		tables[t] = true
		if _, err := c.Run("ip", fam, "rule", "del", "priority", prio, "lookup", strconv.Itoa(t)); err != nil {
			errs = append(errs, err)
		}
	}
	for s := range MaxSlots {
		tables[TableBase+s] = true
	}
	for _, t := range slices.Sorted(maps.Keys(tables)) {
		errs = append(errs, c.flush(fam, t))
	}
	return errors.Join(errs...)
}

// flush empties a table; a table that does not exist is already clean.
func (c Cleanup) flush(fam string, table int) error {
	out, err := c.Run("ip", fam, "route", "flush", "table", strconv.Itoa(table))
	if err != nil && !strings.Contains(string(out), "does not exist") {
		return fmt.Errorf("flushing table %d: %w: %s", table, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ruleTables reads the tables of `ip rule show` lines like
// "5300:	from all lookup 5301".
func ruleTables(out string) []int {
	var tables []int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "lookup" || f[i] == "table" {
				if t, err := strconv.Atoi(f[i+1]); err == nil {
					tables = append(tables, t)
				}
			}
		}
	}
	return tables
}
