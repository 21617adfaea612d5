package ike

import (
	"bytes"
	"runtime"
)

// Event handlers and hooks run on the SA goroutine. An SA method that
// waits for that goroutine would, called from there, wait for itself
// forever; such calls are recognised by the goroutine's id and fail
// with ErrReentrant instead (reads run in place, which is safe since
// the caller already owns the SA's state).

// goroutineID returns the current goroutine's id, read from the first
// line of its stack trace ("goroutine 123 [running]:"): the runtime has
// no cheaper way. It is used on the control path only, never per packet.
func goroutineID() uint64 {
	var buf [64]byte
	b := bytes.TrimPrefix(buf[:runtime.Stack(buf[:], false)], []byte("goroutine "))
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// onOwnGoroutine reports whether the caller is sa's goroutine.
func (sa *SA) onOwnGoroutine() bool {
	id := sa.gid.Load()
	return id != 0 && id == goroutineID()
}

// do runs f on the SA goroutine and waits for it. It fails with
// ErrReentrant on that goroutine itself and with ErrSADeleted once the
// SA has ended.
func (sa *SA) do(f func()) error {
	if sa.onOwnGoroutine() {
		return ErrReentrant
	}
	ran := make(chan struct{})
	select {
	case sa.cmds <- func() { f(); close(ran) }:
	case <-sa.done:
		return ErrSADeleted
	}
	select {
	case <-ran:
		return nil
	case <-sa.done:
		return ErrSADeleted
	}
}

// read runs f, which only reads SA state, on the SA goroutine: in place
// when already there, else through do.
func (sa *SA) read(f func()) {
	if sa.onOwnGoroutine() {
		f()
		return
	}
	sa.do(f)
}
