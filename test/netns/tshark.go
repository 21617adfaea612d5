package netns

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tsharkTimeout bounds one tshark run over a test-sized pcap.
const tsharkTimeout = 60 * time.Second

// expertError is Wireshark's PI_ERROR severity.
const expertError = 0x00800000

// natTPort is the IKE/ESP-in-UDP port; datagrams to or from it carry a
// four-byte non-ESP marker in front of IKE messages (RFC 3948).
const natTPort = 4500

// tshark runs tshark on pcap with args and returns stdout.
func tshark(pcap string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tsharkTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "tshark", append([]string{"-n", "-r", pcap}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tshark %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// CheckNoMalformed fails the test if tshark flags any frame in pcap as
// malformed, or reports an expert error in an IKE (isakmp) frame.
// Wireshark dissects UDP 500 and 4500 (non-ESP marker, ESP-in-UDP,
// keepalives) by itself; for other ports pass decode-as options, e.g.
// "-d", "udp.port==14500,udpencap". It returns the number of IKE frames
// checked so callers can insist that there were some.
func CheckNoMalformed(t testing.TB, pcap string, tsharkArgs ...string) int {
	t.Helper()
	args := append(append([]string{}, tsharkArgs...), "-Y", "isakmp || _ws.malformed",
		"-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "frame.protocols",
		"-e", "_ws.expert.severity", "-e", "_ws.col.Info", "-e", "_ws.expert.message")
	out, err := tshark(pcap, args...)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	ike, bad := classifyFrames(out)
	if len(bad) > 0 {
		t.Errorf("netns: tshark flags %d frames in %s (frame|protocols|severity|info|expert):\n%s",
			len(bad), pcap, strings.Join(bad, "\n"))
	}
	return ike
}

// classifyFrames counts IKE frames in CheckNoMalformed's tshark output
// and returns the lines of flagged ones.
func classifyFrames(out string) (ike int, bad []string) {
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 5 {
			continue
		}
		isIKE := strings.HasSuffix(f[1], ":isakmp") || strings.Contains(f[1], ":isakmp:")
		if isIKE {
			ike++
		}
		malformed := strings.Contains(f[3], "Malformed") || strings.Contains(f[4], "Malformed")
		if malformed || (isIKE && hasExpertError(f[2])) {
			bad = append(bad, line)
		}
	}
	return ike, bad
}

// hasExpertError reports whether a comma-separated list of expert
// severities (decimal) contains one at error level or above.
func hasExpertError(sev string) bool {
	for _, s := range strings.Split(sev, ",") {
		if v, err := strconv.ParseUint(s, 0, 32); err == nil && v >= expertError {
			return true
		}
	}
	return false
}

// CountFrames returns how many frames of pcap match a display filter,
// with extra tshark options such as TsharkDecryptArgs.
func CountFrames(pcap, filter string, tsharkArgs ...string) (int, error) {
	args := append(append([]string{}, tsharkArgs...), "-Y", filter, "-T", "fields", "-e", "frame.number")
	out, err := tshark(pcap, args...)
	if err != nil {
		return 0, err
	}
	return len(strings.Fields(out)), nil
}

// IKEDatagram is one IKE message seen in a capture.
type IKEDatagram struct {
	Frame    int
	Src, Dst netip.AddrPort
	// Message is the IKE message: header and payloads, non-ESP marker
	// stripped (reassembled if the datagram was IP-fragmented).
	Message []byte
	// PayloadTypes are the IKEv2 payload types (>= 33) tshark dissected,
	// in order; 46 SK or 53 SKF stays opaque without keys. Proposal and
	// transform substructures are not listed.
	PayloadTypes []uint8
}

// Exchange is the header's exchange type (34 IKE_SA_INIT, 35 IKE_AUTH,
// 36 CREATE_CHILD_SA, 37 INFORMATIONAL).
func (d IKEDatagram) Exchange() uint8 { return d.Message[18] }

// Response reports the header's R flag.
func (d IKEDatagram) Response() bool { return d.Message[19]&0x20 != 0 }

// Initiator reports the header's I flag (sent by the original initiator).
func (d IKEDatagram) Initiator() bool { return d.Message[19]&0x08 != 0 }

// MessageID is the header's message ID.
func (d IKEDatagram) MessageID() uint32 { return binary.BigEndian.Uint32(d.Message[20:24]) }

// IKEPackets returns the IKE messages in pcap in capture order, non-ESP
// marker stripped.
func IKEPackets(pcap string, tsharkArgs ...string) ([][]byte, error) {
	ds, err := IKEDatagrams(pcap, tsharkArgs...)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ds))
	for i, d := range ds {
		out[i] = d.Message
	}
	return out, nil
}

// IKEDatagrams is IKEPackets with addresses and frame numbers.
func IKEDatagrams(pcap string, tsharkArgs ...string) ([]IKEDatagram, error) {
	args := append(append([]string{}, tsharkArgs...), "-Y", "isakmp", "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport",
		"-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport", "-e", "udp.payload", "-e", "isakmp.typepayload")
	out, err := tshark(pcap, args...)
	if err != nil {
		return nil, err
	}
	var ds []IKEDatagram
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		d, err := parseIKEField(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pcap, err)
		}
		ds = append(ds, d)
	}
	return ds, sc.Err()
}

// parseIKEField parses "frame|src4|src6|sport|dst4|dst6|dport|hexpayload|types";
// one of the v4/v6 columns is empty, types is comma-separated.
func parseIKEField(line string) (IKEDatagram, error) {
	c := strings.Split(line, "|")
	if len(c) != 9 {
		return IKEDatagram{}, fmt.Errorf("unexpected tshark line %q", line)
	}
	types, err := parseTypes(c[8])
	if err != nil {
		return IKEDatagram{}, fmt.Errorf("payload types in %q: %w", line, err)
	}
	f := []string{c[0], first(c[1] + c[2]), c[3], first(c[4] + c[5]), c[6], c[7]}
	frame, err := strconv.Atoi(f[0])
	if err != nil {
		return IKEDatagram{}, fmt.Errorf("frame number %q: %w", f[0], err)
	}
	src, err1 := netip.ParseAddrPort(joinHostPort(f[1], f[2]))
	dst, err2 := netip.ParseAddrPort(joinHostPort(f[3], f[4]))
	payload, err3 := hex.DecodeString(f[5])
	if err1 != nil || err2 != nil || err3 != nil {
		return IKEDatagram{}, fmt.Errorf("frame %d: bad fields in %q", frame, line)
	}
	if src.Port() == natTPort || dst.Port() == natTPort {
		if len(payload) < 4 || binary.BigEndian.Uint32(payload) != 0 {
			return IKEDatagram{}, fmt.Errorf("frame %d: IKE on port %d without non-ESP marker", frame, natTPort)
		}
		payload = payload[4:]
	}
	if len(payload) < 28 {
		return IKEDatagram{}, fmt.Errorf("frame %d: %d bytes is shorter than an IKE header", frame, len(payload))
	}
	return IKEDatagram{Frame: frame, Src: src, Dst: dst, Message: payload, PayloadTypes: types}, nil
}

func parseTypes(s string) ([]uint8, error) {
	var out []uint8
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		v, err := strconv.ParseUint(f, 10, 8)
		if err != nil {
			return nil, err
		}
		// tshark lists proposals (2) and transforms (3) as payloads.
		if v >= 33 {
			out = append(out, uint8(v))
		}
	}
	return out, nil
}

// first returns the first of tshark's comma-separated occurrences (an
// ICMP error quoting an IP header yields two addresses).
func first(s string) string {
	v, _, _ := strings.Cut(s, ",")
	return v
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}
