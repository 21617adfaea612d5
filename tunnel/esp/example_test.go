package esp_test

import (
	"fmt"

	"flexvpn/tunnel/esp"
)

// A datapath reserves the package maxima around every packet buffer once,
// seals in place, and opens in place on the other side.
func Example() {
	key := make([]byte, 16+4) // AES-128 key || 4-byte salt, from IKE's KEYMAT
	cfg := esp.Config{SPI: 0xc0ffee01, Encr: 20 /* ENCR_AES_GCM_16 */, EncrKey: key}
	out, _ := esp.NewOutbound(cfg)
	in, _ := esp.NewInbound(cfg)

	inner := []byte("an IPv4 packet read from the TUN device")
	buf := make([]byte, esp.MaxHeadroom+len(inner), esp.MaxHeadroom+len(inner)+esp.MaxTailroom)
	copy(buf[esp.MaxHeadroom:], inner)

	s, e, err := out.Seal(buf, esp.MaxHeadroom, len(buf), esp.NextHeaderIPv4)
	if err != nil {
		panic(err)
	}
	pkt := buf[s:e] // 8 header + 8 IV + 39 inner + 3 pad + 2 trailer + 16 ICV

	spi, _ := esp.PeekSPI(pkt) // look the SA up by SPI
	payload, nh, err := in.Open(pkt)
	fmt.Printf("spi %#x, %d bytes on the wire, next header %d, err %v\n", spi, len(pkt), nh, err)
	fmt.Printf("%s\n", payload)
	fmt.Println(in.Stats().Packets, "packet opened")
	// Output:
	// spi 0xc0ffee01, 76 bytes on the wire, next header 4, err <nil>
	// an IPv4 packet read from the TUN device
	// 1 packet opened
}
