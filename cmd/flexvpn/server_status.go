package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"flexvpn/server"
	"flexvpn/tunnel/datapath"
)

func runServerStatus(args []string) error {
	a := newAdminFlags("status", "[--json]")
	asJSON := a.fs.Bool("json", false, "print JSON")
	if _, err := a.parse(args); err != nil {
		return err
	}
	resp, err := a.call(server.AdminRequest{Op: server.OpStatus})
	if err != nil {
		return err
	}
	if resp.Status == nil {
		return fmt.Errorf("the server sent no status (an older flexvpn server?)")
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(resp.Status)
	}
	printServerStatus(os.Stdout, resp.Status)
	return nil
}

// printServerStatus writes the gateway's status as the admin reads it.
func printServerStatus(w io.Writer, st *server.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var listen []string
	for _, a := range st.Listen {
		listen = append(listen, a.String())
	}
	fmt.Fprintf(tw, "listening\t%s\n", strings.Join(listen, ", "))
	sessions := fmt.Sprint(st.Sessions)
	if st.MaxSessions > 0 {
		sessions += fmt.Sprintf(" of %d", st.MaxSessions)
	}
	fmt.Fprintf(tw, "sessions\t%s\n", sessions)
	dp := st.DataPlane
	fmt.Fprintf(tw, "traffic\tin %d packets (%d bytes), out %d packets (%d bytes)\n", dp.PacketsIn, dp.BytesIn, dp.PacketsOut, dp.BytesOut)
	fmt.Fprintf(tw, "dropped\t%s\n", orNone(dropList(dp.Drops)))
	fmt.Fprintf(tw, "IKE ignored\t%d undecodable datagrams\n", st.UndecodableIKE)
	if st.LoadReports != nil {
		var peers []string
		for _, p := range st.PeerLoads {
			s := fmt.Sprintf("%s %d", p.Gateway, p.Sessions)
			if p.Capacity > 0 {
				s += fmt.Sprintf("/%d", p.Capacity)
			}
			peers = append(peers, s)
		}
		fmt.Fprintf(tw, "peer loads\t%s\n", orNone(peers))
		fmt.Fprintf(tw, "load reports\taccepted %d; rejected: %s\n", st.LoadReports.Accepted, orNone(counts(st.LoadReports.Rejected)))
	}
	tw.Flush()
}

// dropList names the non-zero drop counters.
func dropList(d datapath.Drops) []string {
	named := map[string]uint64{
		"malformed": d.Malformed, "unknown SPI": d.UnknownSPI, "replay": d.Replay, "auth": d.Auth,
		"policy": d.Policy, "no outbound SA": d.NoOutboundSA, "seal": d.Seal, "send": d.Send,
		"TUN write": d.TUNWrite, "dummy": d.Dummy, "no IKE handler": d.NoIKEHandler,
	}
	return counts(named)
}

// counts renders "name n" for each non-zero count, sorted by name.
func counts(m map[string]uint64) []string {
	var out []string
	for name, n := range m {
		if n > 0 {
			out = append(out, fmt.Sprintf("%s %d", name, n))
		}
	}
	sort.Strings(out)
	return out
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
