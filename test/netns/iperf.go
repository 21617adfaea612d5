package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// iperfConnectTimeout bounds the wait for the server to listen.
const iperfConnectTimeout = 10 * time.Second

// IperfResult is the summary of one iperf3 TCP run.
type IperfResult struct {
	// ReceivedBitsPerSecond is what the server received: the goodput.
	ReceivedBitsPerSecond float64
	SentBytes             int64
	Retransmits           int
}

// Mbps is the received rate in Mbit/s.
func (r IperfResult) Mbps() float64 { return r.ReceivedBitsPerSecond / 1e6 }

// iperfJSON is the part of `iperf3 -J` output we read.
type iperfJSON struct {
	Error string `json:"error"`
	End   struct {
		SumSent struct {
			Bytes       int64 `json:"bytes"`
			Retransmits int   `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
}

// Iperf3 runs a one-shot iperf3 server in server and a TCP client in
// client towards addr for d (whole seconds, at least one), with extra
// client arguments such as "-R" or "-P", "4". It returns the summary.
func Iperf3(server, client *Host, addr netip.Addr, d time.Duration, extra ...string) (IperfResult, error) {
	srv := server.Start("iperf3", "-s", "-1", "-B", addr.String())
	defer srv.Stop()
	secs := max(1, int(d/time.Second))
	args := append([]string{"iperf3", "-c", addr.String(), "-t", strconv.Itoa(secs), "-J"}, extra...)
	// The server needs a moment to listen: retry while the client cannot
	// connect (iperf3 may exit 0 then, with the error only in its JSON).
	deadline := time.Now().Add(iperfConnectTimeout)
	for {
		out, err := client.Exec(args...)
		res, perr := parseIperf(out)
		if err == nil && perr == nil {
			return res, nil
		}
		refused := strings.Contains(out, "unable to connect")
		if !refused || srv.Err() != nil || time.Now().After(deadline) {
			return IperfResult{}, fmt.Errorf("iperf3 to %s: %w", addr, errors.Join(err, perr, srv.Err()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func parseIperf(out string) (IperfResult, error) {
	var j iperfJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		return IperfResult{}, fmt.Errorf("iperf3 output: %w", err)
	}
	if j.Error != "" {
		return IperfResult{}, fmt.Errorf("iperf3: %s", j.Error)
	}
	return IperfResult{ReceivedBitsPerSecond: j.End.SumReceived.BitsPerSecond,
		SentBytes: j.End.SumSent.Bytes, Retransmits: j.End.SumSent.Retransmits}, nil
}
