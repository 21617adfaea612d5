package netns

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestIKESAInitRequestDissects checks the crafted request with an
// independent parser: tshark must dissect SA, KE and Nonce cleanly.
func TestIKESAInitRequestDissects(t *testing.T) {
	t.Parallel()
	RequireTshark(t)
	msg, err := ikeSAInitRequest()
	if err != nil {
		t.Fatal(err)
	}
	d := IKEDatagram{Message: msg}
	ps, err := d.OuterPayloads()
	if err != nil || PayloadNames(payloadTypesOf(ps)) != "SA KE No" {
		t.Fatalf("payloads %v, %v", ps, err)
	}
	pcap := writePcap(t, []udpFrame{{500, msg}})
	CheckNoMalformed(t, pcap)
	n, err := CountFrames(pcap, "isakmp.prop.transforms == 4 && isakmp.key_exchange.dh_group == 31")
	if err != nil || n != 1 {
		t.Errorf("tshark does not see 4 transforms and group 31: %d, %v", n, err)
	}
}

// TestStrongSwanCookie: with cookie_threshold = 1 and one half-open SA,
// strongSwan answers the next IKE_SA_INIT with a COOKIE, and the client
// retries with it first.
func TestStrongSwanCookie(t *testing.T) {
	t.Parallel()
	st := newSwanTopo(t, "cookie")
	spam := st.topo.AddHost("spam", netip.MustParseAddr("192.0.2.66"))
	capture := st.topo.Inet().Capture("br0", "udp port 500 and not host 192.0.2.66")
	cfg := GatewaySpec{Addr: st.gw.Addr, ID: "gw.flexvpn.test", PSK: "k", Pool: netip.MustParsePrefix("203.0.113.0/25")}.Config()
	cfg.Settings = append(cfg.Settings, "cookie_threshold = 1")
	gw := StartStrongSwan(t, st.gw, cfg)
	if err := HalfOpenIKESA(spam, st.gw.Addr); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 5*time.Second, func() error {
		if sas, err := gw.ListSAs(); err != nil || len(sas) == 0 {
			return ErrNoSA
		}
		return nil
	})
	cli := StartStrongSwan(t, st.cli, ClientSpec{Gateway: st.gw.Addr, GatewayID: "gw.flexvpn.test",
		ID: "cli.flexvpn.test", PSK: "k", VirtualIP: true}.Config())
	if err := cli.Initiate(ChildName); err != nil {
		t.Fatal(err)
	}
	ds, err := IKEDatagrams(capture.Stop())
	if err != nil || len(ds) < 4 {
		t.Fatalf("%d IKE_SA_INIT datagrams, %v", len(ds), err)
	}
	resp, _ := ds[1].OuterPayloads()
	retry, _ := ds[2].OuterPayloads()
	if !slices.Equal(NotifyTypes(resp), []uint16{16390}) || NotifyTypes(retry)[0] != 16390 {
		t.Errorf("want N(COOKIE) then a retry starting with it; got %v and %v", NotifyTypes(resp), NotifyTypes(retry))
	}
}

func payloadTypesOf(ps []Payload) []uint8 {
	out := make([]uint8, len(ps))
	for i, p := range ps {
		out[i] = p.Type
	}
	return out
}
