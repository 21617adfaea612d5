package ike

import (
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// Limits that keep a peer from making us hold arbitrary amounts of memory.
const (
	maxFragments     = 128
	maxReassembled   = 64 << 10
	maxReassemblyIDs = 4
)

// reassembly collects the fragments of messages (RFC 7383 2.6): any order,
// duplicates dropped, numbers above the total dropped. A retransmission
// with a larger total (the sender lowered its fragment size) restarts the
// message; a smaller total than the one in progress is ignored.
type reassembly struct {
	msgs map[fragKey]*fragMsg
}

type fragKey struct {
	id       uint32
	response bool
}

type fragMsg struct {
	total uint16
	first wire.PayloadType
	parts map[uint16][]byte
	size  int
}

// add stores one decrypted fragment; when it completes a message, the
// whole plaintext and its first payload type are returned.
func (r *reassembly) add(id uint32, response bool, f *wire.SKF, plain []byte) (wire.PayloadType, []byte, bool, error) {
	if f.FragmentNumber == 0 || f.FragmentNumber > f.TotalFragments || f.TotalFragments > maxFragments {
		return 0, nil, false, fmt.Errorf("%w: fragment %d of %d", ErrFragmentInvalid, f.FragmentNumber, f.TotalFragments)
	}
	if r.msgs == nil {
		r.msgs = map[fragKey]*fragMsg{}
	}
	k := fragKey{id, response}
	m := r.msgs[k]
	switch {
	case m == nil || f.TotalFragments > m.total:
		if m == nil && len(r.msgs) >= maxReassemblyIDs {
			r.msgs = map[fragKey]*fragMsg{} // drop stale partial messages
		}
		m = &fragMsg{total: f.TotalFragments, parts: map[uint16][]byte{}}
		r.msgs[k] = m
	case f.TotalFragments < m.total:
		return 0, nil, false, nil
	}
	if _, dup := m.parts[f.FragmentNumber]; dup {
		return 0, nil, false, nil
	}
	if m.size+len(plain) > maxReassembled {
		delete(r.msgs, k)
		return 0, nil, false, fmt.Errorf("%w: reassembled message too large", ErrFragmentInvalid)
	}
	m.parts[f.FragmentNumber] = plain
	m.size += len(plain)
	if f.FragmentNumber == 1 {
		m.first = f.FirstPayload
	}
	if len(m.parts) < int(m.total) {
		return 0, nil, false, nil
	}
	delete(r.msgs, k)
	return m.first, m.join(), true, nil
}

func (m *fragMsg) join() []byte {
	out := make([]byte, 0, m.size)
	for n := uint16(1); n <= m.total; n++ {
		out = append(out, m.parts[n]...)
	}
	return out
}
