package ctl

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"reflect"
	"time"
)

// DefaultWatchInterval is how often a watch compares the backend's
// status with what it last sent. Polling keeps the Backend interface
// small; a status snapshot is cheap.
const DefaultWatchInterval = 500 * time.Millisecond

// watch streams status responses on c until the client hangs up, sends
// anything (a watch takes no further requests), or the server closes.
func (s *Server) watch(c net.Conn, r *bufio.Reader, name string) {
	gone := make(chan struct{})
	c.SetReadDeadline(time.Time{})
	go func() {
		r.ReadByte() // returns on hang-up, data or close
		close(gone)
	}()
	every := s.WatchInterval
	if every <= 0 {
		every = DefaultWatchInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var last []Status
	for first := true; ; first = false {
		st, err := s.Backend.Status(name, false)
		if err != nil {
			s.reply(c, failure(err))
			return
		}
		if first || !reflect.DeepEqual(st, last) {
			if !s.reply(c, Response{V: Version, OK: true, Status: st}) {
				return
			}
			last = st
		}
		select {
		case <-gone:
			return
		case <-t.C:
		}
	}
}

// Watch calls fn with the status of one profile (or all) now and after
// every change, until ctx ends (then it returns nil), fn returns an
// error, or the daemon goes away.
func (c *Client) Watch(ctx context.Context, name string, fn func([]Status) error) error {
	req := Request{V: Version, Op: OpWatch, Profile: name}
	if err := req.validate(); err != nil {
		return err
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	b, _ := EncodeLine(req)
	if _, err := conn.Write(b); err != nil {
		return c.ioError(ctx, err)
	}
	r := bufio.NewReader(conn)
	for {
		line, err := ReadLine(r, MaxResponseLine)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return c.ioError(ctx, err)
		}
		resp, err := DecodeResponse(line)
		if err != nil {
			return err
		}
		if !resp.OK {
			return fmt.Errorf("%w: %s", ErrDaemon, resp.Error)
		}
		if err := fn(resp.Status); err != nil {
			return err
		}
	}
}
