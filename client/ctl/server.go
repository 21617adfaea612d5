package ctl

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Backend is what the server drives: the daemon's set of profiles.
type Backend interface {
	// Up starts the named profile.
	Up(name string) error
	// Down stops the named profile.
	Down(name string) error
	// Status describes the named profile, or all when name is empty;
	// trace adds each profile's recent events.
	Status(name string, trace bool) ([]Status, error)
}

// DefaultIdleTimeout closes a control connection that sends nothing.
const DefaultIdleTimeout = 30 * time.Second

// Server answers requests on a listener (platform/ctlsock in production:
// the listener decides who may connect; the server trusts its peers).
type Server struct {
	Backend     Backend
	Logger      *slog.Logger
	IdleTimeout time.Duration
	// WatchInterval (default DefaultWatchInterval) paces watch streams.
	WatchInterval time.Duration

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Serve accepts connections until Close; it returns nil after Close.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln) {
		ln.Close()
		return nil
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			return err
		}
		if !s.add(c) {
			c.Close()
			return nil
		}
		go s.handle(c)
	}
}

// Close stops accepting, closes open connections and waits for their
// handlers to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln = ln
	return !s.closed
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	s.wg.Done()
}

// handle answers requests on one connection until it ends or errs.
func (s *Server) handle(c net.Conn) {
	defer s.remove(c)
	r := bufio.NewReaderSize(c, 1024)
	for {
		c.SetReadDeadline(time.Now().Add(s.idle()))
		line, err := ReadLine(r, MaxRequestLine)
		if err != nil {
			if errors.Is(err, ErrLineTooLong) {
				s.reply(c, failure(err))
			}
			return
		}
		req, err := DecodeRequest(line)
		if err != nil {
			// After a malformed line the peer is not speaking our
			// protocol: answer once and hang up.
			s.reply(c, failure(err))
			return
		}
		if req.Op == OpWatch {
			s.watch(c, r, req.Profile)
			return
		}
		if !s.reply(c, s.dispatch(req)) {
			return
		}
	}
}

// dispatch runs one request against the backend.
func (s *Server) dispatch(req Request) Response {
	s.logger().Debug("control request", "op", req.Op, "profile", req.Profile)
	var err error
	var st []Status
	switch req.Op {
	case OpUp:
		err = s.Backend.Up(req.Profile)
	case OpDown:
		err = s.Backend.Down(req.Profile)
	case OpStatus, OpTrace:
		st, err = s.Backend.Status(req.Profile, req.Op == OpTrace)
	}
	if err != nil {
		return failure(err)
	}
	return Response{V: Version, OK: true, Status: st}
}

func (s *Server) reply(c net.Conn, resp Response) bool {
	b, err := EncodeLine(resp)
	if err == nil && len(b) > MaxResponseLine+1 {
		b, err = EncodeLine(failure(errors.New("status too large for one response; ask for one profile")))
	}
	if err != nil {
		s.logger().Error("control response", "err", err)
		return false
	}
	c.SetWriteDeadline(time.Now().Add(s.idle()))
	_, err = c.Write(b)
	return err == nil
}

func failure(err error) Response {
	return Response{V: Version, Error: err.Error()}
}

func (s *Server) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
