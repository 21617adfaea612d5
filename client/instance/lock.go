package instance

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultDir is where the lock lives on Linux: /run is a tmpfs, so a
// reboot forgets it with the state it guards.
const DefaultDir = "/run/flexvpn"

// FileName is the lock file's name in its directory.
const FileName = "instance.lock"

// Lock is a held instance lock. Release it when the instance exits; if
// the process dies instead, the kernel releases it.
type Lock struct {
	f    *os.File
	path string
	once sync.Once
}

// BusyError says which live instance holds the lock.
type BusyError struct {
	Holder Holder
	Known  bool // false: the lock file did not name its holder (yet)
	Path   string
}

func (e *BusyError) Error() string {
	who := "another flexvpn instance"
	if e.Known {
		who = e.Holder.String()
	}
	return fmt.Sprintf("%s is running and manages this host's tunnel routes and DNS (lock %s)", who, e.Path)
}

// Unwrap makes errors.Is(err, ErrBusy) work.
func (e *BusyError) Unwrap() error { return ErrBusy }

// Acquire takes the lock in dir for me (PID and Since default to this
// process and now). A live holder makes it fail at once with a
// *BusyError; it never waits. On systems without file locks it returns
// an error wrapping errors.ErrUnsupported.
func Acquire(dir string, me Holder) (*Lock, error) {
	if !lockSupported {
		return nil, fmt.Errorf("instance lock: %w", errors.ErrUnsupported)
	}
	if me.PID == 0 {
		me.PID = os.Getpid()
	}
	if me.Since.IsZero() {
		me.Since = time.Now().Truncate(time.Second)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// A retry only follows a holder that released while we opened; more
	// than a few in a row means something keeps replacing the file.
	for range 5 {
		l, retry, err := tryAcquire(path, me)
		if !retry {
			return l, err
		}
	}
	return nil, fmt.Errorf("instance lock %s keeps being replaced; is another program managing it?", path)
}

// tryAcquire makes one attempt; retry reports that the file we locked
// was released and removed meanwhile.
func tryAcquire(path string, me Holder) (l *Lock, retry bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("instance lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		defer f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, false, busy(f, path)
		}
		return nil, false, fmt.Errorf("instance lock %s: %w", path, err)
	}
	// Release removes the file before unlocking it: the file we hold may
	// be one nobody else can find any more.
	if !stillAt(f, path) {
		f.Close()
		return nil, true, nil
	}
	if err := write(f, me.encode()); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("instance lock %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, false, nil
}

func busy(f *os.File, path string) *BusyError {
	b, _ := io.ReadAll(io.LimitReader(f, maxHolder+1))
	h, ok := parseHolder(b)
	return &BusyError{Holder: h, Known: ok, Path: path}
}

func stillAt(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(held, now)
}

func write(f *os.File, b []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(b, 0)
	return err
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// Release removes the lock file and unlocks it, in that order (see
// tryAcquire). It is idempotent.
func (l *Lock) Release() error {
	var err error
	l.once.Do(func() {
		err = os.Remove(l.path)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		err = errors.Join(err, l.f.Close())
	})
	return err
}
