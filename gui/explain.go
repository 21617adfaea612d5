package gui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"flexvpn/client/ctl"
)

// probeTimeout bounds the extra look at the socket after a failure.
const probeTimeout = 2 * time.Second

// explain turns an error of the ctl client into one that says what the
// user must do. The ctl client reports a refused connection as plain text,
// so for errors it does not classify the socket is probed once more here.
func explain(err error, path string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ctl.ErrNoDaemon):
		return fmt.Errorf("%w (%s)", ErrNoDaemon, path)
	case errors.Is(err, ctl.ErrDaemon):
		return daemonRefusal(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if p := probe(path); p != nil {
		return p
	}
	return err
}

// daemonRefusal is an error the daemon answered with; "daemon: " says
// nothing to a user.
func daemonRefusal(err error) error {
	msg := strings.TrimPrefix(err.Error(), ctl.ErrDaemon.Error()+": ")
	if strings.Contains(msg, "no such profile") {
		return fmt.Errorf("%w: %s", ErrUnknownProfile, msg)
	}
	return fmt.Errorf("the daemon refused: %s", msg)
}

// probe dials the socket and asks for the status, to tell a daemon that
// is not there from one that refuses this user: the daemon's peer check
// closes a refused connection before it reads anything.
func probe(path string) error {
	c, err := net.DialTimeout("unix", path, probeTimeout)
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w (%s)", ErrNoDaemon, path)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w (%s)", ErrNotAllowed, path)
	case err != nil:
		return nil
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(probeTimeout))
	req, err := ctl.EncodeLine(ctl.Request{V: ctl.Version, Op: ctl.OpStatus})
	if err != nil {
		return nil
	}
	_, err = c.Write(req)
	if err == nil {
		_, err = c.Read(make([]byte, 1))
	}
	if hungUp(err) {
		return refused(path)
	}
	return nil
}

// refused says why the daemon's peer check closed our connection.
func refused(path string) error {
	if inSocketGroup(path) {
		return fmt.Errorf("%w (%s)", ErrPrimaryGroupOnly, path)
	}
	return fmt.Errorf("%w (%s)", ErrNotAllowed, path)
}

// accessProblem reports errors that mean this user cannot use the socket.
func accessProblem(err error) bool {
	return errors.Is(err, ErrNotAllowed) || errors.Is(err, ErrPrimaryGroupOnly)
}

func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// failureHints rewrite the daemon's last error of a failed profile into
// the sentence a user needs; the raw text stays in the details.
var failureHints = []struct{ contains, say string }{
	{"wrong username or password", "The gateway rejected the user name or password: check the credentials in the profile's secrets file, then connect again."},
	{"no proposal chosen", "The gateway accepts none of our encryption proposals: the profile may need the gateway's legacy algorithms enabled."},
	{"ike: authentication failed", "Authentication failed: a certificate, identity or pre-shared key was refused. Check the profile against the gateway's settings."},
}

// failureText is what the window says about a profile's last error.
func failureText(lastError string) string {
	if lastError == "" {
		return ""
	}
	low := strings.ToLower(lastError)
	for _, h := range failureHints {
		if strings.Contains(low, h.contains) {
			return h.say
		}
	}
	return lastError
}
