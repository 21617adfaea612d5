package ctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// DefaultSocket is where the daemon listens on Linux.
const DefaultSocket = "/run/flexvpn/ctl.sock"

// Client sends requests to the daemon, one connection per request.
type Client struct {
	// Path is the control socket (DefaultSocket when empty).
	Path string
}

// Do sends req and returns the daemon's response. A response with ok
// false is returned with an error wrapping ErrDaemon.
func (c *Client) Do(ctx context.Context, req Request) (Response, error) {
	req.V = Version
	if err := req.validate(); err != nil {
		return Response{}, err
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	b, err := EncodeLine(req)
	if err != nil {
		return Response{}, err
	}
	if _, err := conn.Write(b); err != nil {
		return Response{}, c.ioError(ctx, err)
	}
	line, err := ReadLine(bufio.NewReader(conn), MaxResponseLine)
	if err != nil {
		return Response{}, c.ioError(ctx, err)
	}
	resp, err := DecodeResponse(line)
	if err != nil {
		return Response{}, err
	}
	if !resp.OK {
		return resp, fmt.Errorf("%w: %s", ErrDaemon, resp.Error)
	}
	return resp, nil
}

// Up starts a profile.
func (c *Client) Up(ctx context.Context, name string) error {
	_, err := c.Do(ctx, Request{Op: OpUp, Profile: name})
	return err
}

// Down stops a profile.
func (c *Client) Down(ctx context.Context, name string) error {
	_, err := c.Do(ctx, Request{Op: OpDown, Profile: name})
	return err
}

// Status returns one profile (name set) or all; trace adds the events.
func (c *Client) Status(ctx context.Context, name string, trace bool) ([]Status, error) {
	op := OpStatus
	if trace {
		op = OpTrace
	}
	resp, err := c.Do(ctx, Request{Op: op, Profile: name})
	return resp.Status, err
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.path())
	switch {
	case err == nil:
		return conn, nil
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return nil, fmt.Errorf("%w: %s", ErrNoDaemon, c.path())
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("%s: permission denied (run as root or as a member of the daemon's group)", c.path())
	}
	return nil, err
}

// ioError prefers the context's reason over the closed socket it caused.
func (c *Client) ioError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The socket's peer check closes refused connections at once: the
	// write or the read sees it, whichever comes first.
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("the daemon hung up without answering (is this user allowed on %s?)", c.path())
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("the daemon did not answer in time: %w", err)
	}
	return fmt.Errorf("control socket %s: %w", c.path(), err)
}

func (c *Client) path() string {
	if c.Path == "" {
		return DefaultSocket
	}
	return c.Path
}
