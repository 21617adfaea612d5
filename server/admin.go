package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The admin protocol: one JSON object per line in each direction over
// the control socket (platform/ctlsock, root only). A client writes an
// AdminRequest and reads one AdminResponse; a connection may carry
// several in turn.
//
//	→ {"op":"disconnect","target":"alice@example.com"}
//	← {"ok":true,"ended":[3]}
//	→ {"op":"disconnect","target":"nobody"}
//	← {"ok":false,"error":"no matching session: \"nobody\""}

// Admin operations.
const (
	OpSessions   = "sessions"
	OpDisconnect = "disconnect"
	OpRedirect   = "redirect"
	OpReload     = "reload"
	OpStatus     = "status"
)

// AdminRequest is one command.
type AdminRequest struct {
	Op     string `json:"op"`
	Target string `json:"target,omitempty"` // disconnect/redirect: ID, identity or address
	To     string `json:"to,omitempty"`     // redirect: the gateway
}

// AdminResponse is the answer; Error is set when OK is false.
type AdminResponse struct {
	OK       bool              `json:"ok"`
	Error    string            `json:"error,omitempty"`
	Sessions []SessionSnapshot `json:"sessions,omitempty"`
	Ended    []SessionID       `json:"ended,omitempty"`
	Reload   *ReloadResult     `json:"reload,omitempty"`
	Status   *Status           `json:"status,omitempty"`
}

// maxAdminLine bounds one request; the socket is root-only, but a
// runaway client must still not make the server buffer without end.
const maxAdminLine = 64 << 10

// ServeAdmin answers admin connections from ln until it is closed.
func (s *Server) ServeAdmin(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.serveAdminConn(c)
	}
}

func (s *Server) serveAdminConn(c net.Conn) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 4096), maxAdminLine)
	enc := json.NewEncoder(c)
	for sc.Scan() {
		var req AdminRequest
		resp := AdminResponse{}
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			resp.Error = fmt.Sprintf("bad request: %v", err)
		} else {
			resp = s.admin(req)
		}
		if err := enc.Encode(resp); err != nil {
			return
		}
	}
}

// admin runs one request.
func (s *Server) admin(req AdminRequest) AdminResponse {
	ctx, cancel := context.WithTimeout(context.Background(), 2*closeWait)
	defer cancel()
	var resp AdminResponse
	var err error
	switch req.Op {
	case OpSessions:
		resp.Sessions = s.Sessions()
	case OpDisconnect:
		resp.Ended, err = s.Disconnect(ctx, req.Target)
	case OpRedirect:
		resp.Ended, err = s.Redirect(req.Target, req.To)
	case OpReload:
		resp.Reload, err = s.reloadFile(ctx)
	case OpStatus:
		st := s.Status()
		resp.Status = &st
	default:
		err = fmt.Errorf("unknown op %q; use sessions, status, disconnect, redirect or reload", req.Op)
	}
	if err != nil {
		s.log.Info("admin command failed", "op", req.Op, "target", req.Target, "err", err)
		resp.Error = err.Error()
		return resp
	}
	resp.OK = true
	return resp
}

// reloadFile reads the configuration file again and applies it.
func (s *Server) reloadFile(ctx context.Context) (*ReloadResult, error) {
	next, err := Load(s.cfg.Load().Path)
	if err != nil {
		return nil, err
	}
	res, err := s.Reload(ctx, next)
	return &res, err
}

// AdminCall sends one request to the admin socket at path and returns the
// answer; a refused command is an error wrapping ErrAdmin with the
// server's message.
func AdminCall(ctx context.Context, path string, req AdminRequest) (AdminResponse, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return AdminResponse{}, fmt.Errorf("admin socket %s: %w (is `flexvpn server` running, and are you root?)", path, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return AdminResponse{}, err
	}
	return readAdminResponse(c)
}

func readAdminResponse(r io.Reader) (AdminResponse, error) {
	var resp AdminResponse
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&resp); err != nil {
		return resp, fmt.Errorf("admin socket: %w", err)
	}
	if !resp.OK {
		return resp, fmt.Errorf("%w: %s", ErrAdmin, resp.Error)
	}
	return resp, nil
}
