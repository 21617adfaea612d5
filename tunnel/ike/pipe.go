package ike

import (
	"errors"
	"net/netip"
	"sync"
)

// Pipe is an in-memory network for tests: Endpoints attach by address and
// datagrams are delivered on a goroutine per pipe, in order unless Reorder
// is set. It can drop every Nth datagram and swap adjacent ones, which is
// how the tests prove retransmission and reassembly converge.
type Pipe struct {
	mu      sync.Mutex
	peers   map[netip.Addr]*Endpoint
	queue   chan pipeMsg
	dropNth int
	reorder bool
	count   int
	held    *pipeMsg
	filter  func(pkt []byte, from, to netip.AddrPort) bool
	done    chan struct{}
	once    sync.Once
}

type pipeMsg struct {
	pkt      []byte
	from, to netip.AddrPort
}

// NewPipe returns a running pipe; Close stops it.
func NewPipe() *Pipe {
	p := &Pipe{
		peers: map[netip.Addr]*Endpoint{},
		queue: make(chan pipeMsg, 1024),
		done:  make(chan struct{}),
	}
	go p.run()
	return p
}

// Attach makes e reachable at addr (any port).
func (p *Pipe) Attach(addr netip.Addr, e *Endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.peers[addr] = e
}

// DropEvery drops every nth datagram sent (0 disables).
func (p *Pipe) DropEvery(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropNth = n
}

// Reorder delivers datagrams in swapped pairs when on.
func (p *Pipe) Reorder(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reorder = on
}

// Filter installs f; a datagram for which f returns false is dropped.
// Tests use it to cut one side off (dead peer) or count messages.
func (p *Pipe) Filter(f func(pkt []byte, from, to netip.AddrPort) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.filter = f
}

// Close stops delivery.
func (p *Pipe) Close() { p.once.Do(func() { close(p.done) }) }

// Transport returns the Transport an Endpoint at addr sends with.
func (p *Pipe) Transport() Transport { return pipeTransport{p} }

type pipeTransport struct{ p *Pipe }

var errPipeFull = errors.New("ike: pipe full")

// SendIKE copies pkt so the sender may reuse its buffer.
func (t pipeTransport) SendIKE(pkt []byte, local, remote netip.AddrPort) error {
	m := pipeMsg{pkt: append([]byte(nil), pkt...), from: local, to: remote}
	if !t.p.admit(m) {
		return nil // lost on the wire, as UDP would
	}
	select {
	case t.p.queue <- m:
		return nil
	case <-t.p.done:
		return ErrClosed
	default:
		return errPipeFull
	}
}

// admit applies the filter (outside the lock: tests block in it) and
// the drop counter.
func (p *Pipe) admit(m pipeMsg) bool {
	p.mu.Lock()
	filter := p.filter
	p.mu.Unlock()
	if filter != nil && !filter(m.pkt, m.from, m.to) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	return p.dropNth <= 0 || p.count%p.dropNth != 0
}

func (p *Pipe) run() {
	for {
		select {
		case m := <-p.queue:
			p.deliverMaybeReordered(m)
		case <-p.done:
			return
		}
	}
}

// deliverMaybeReordered holds one datagram back while reordering is on and
// releases it after the next one, or at once when nothing else is queued.
func (p *Pipe) deliverMaybeReordered(m pipeMsg) {
	p.mu.Lock()
	reorder := p.reorder
	held := p.held
	p.held = nil
	if reorder && held == nil && len(p.queue) > 0 {
		p.held = &m
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.deliver(m)
	if held != nil {
		p.deliver(*held)
	}
}

func (p *Pipe) deliver(m pipeMsg) {
	p.mu.Lock()
	e := p.peers[m.to.Addr()]
	p.mu.Unlock()
	if e != nil {
		e.HandleDatagram(m.pkt, m.to, m.from)
	}
}
