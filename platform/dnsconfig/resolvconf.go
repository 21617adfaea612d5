package dnsconfig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// marker is the first line of every resolv.conf we write; Restore only
// touches a file that carries it.
const marker = "# written by flexvpn; the original is restored on disconnect"

// ResolvConf manages a resolv.conf file directly. The original is kept in
// a backup file so that a crashed daemon can be cleaned up later.
type ResolvConf struct {
	Path   string // /etc/resolv.conf
	Backup string // e.g. /run/flexvpn/resolv.conf.orig

	mu    sync.Mutex
	saved []netip.AddrPort
	isSet bool
}

// NewResolvConf manages path with its backup at backup.
func NewResolvConf(path, backup string) *ResolvConf {
	return &ResolvConf{Path: path, Backup: backup}
}

// Set writes cfg, saving the original first.
func (r *ResolvConf) Set(cfg Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(cfg.Nameservers) == 0 {
		return r.restoreLocked()
	}
	if !r.isSet {
		if err := r.saveLocked(); err != nil {
			return err
		}
	}
	if err := writeAtomic(r.Path, render(cfg), 0o644); err != nil {
		return err
	}
	r.isSet = true
	return nil
}

// Saved returns the original nameservers (port 53).
func (r *ResolvConf) Saved() []netip.AddrPort {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.saved == nil {
		if b, err := os.ReadFile(r.Path); err == nil && !bytes.HasPrefix(b, []byte(marker)) {
			r.saved = parseNameservers(b)
		}
	}
	return append([]netip.AddrPort(nil), r.saved...)
}

// Close restores the original file.
func (r *ResolvConf) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restoreLocked()
}

// saveLocked copies the current file to the backup, unless the current
// file is ours (left by a crash): then the existing backup is the original.
func (r *ResolvConf) saveLocked() error {
	cur, err := os.ReadFile(r.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if bytes.HasPrefix(cur, []byte(marker)) {
		orig, err := os.ReadFile(r.Backup)
		if err != nil {
			return fmt.Errorf("%s was written by flexvpn but its backup %s is missing: %w", r.Path, r.Backup, err)
		}
		r.saved = parseNameservers(orig)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.Backup), 0o755); err != nil {
		return err
	}
	if err := saveLink(r.Path, linkBackup(r.Backup)); err != nil {
		return err
	}
	if err := writeAtomic(r.Backup, cur, 0o644); err != nil {
		return err
	}
	r.saved = parseNameservers(cur)
	return nil
}

// linkBackup is where the target of a symlinked resolv.conf is kept.
func linkBackup(backup string) string { return backup + ".link" }

// saveLink records path's target when path is a symlink, as it is under
// systemd-resolved (../run/systemd/resolve/stub-resolv.conf), resolvconf
// and on OpenWrt (/tmp/resolv.conf): our file replaces the link, and
// Restore must put the link back rather than freeze a copy of whatever
// it pointed to, which the owner of the link would no longer update.
func saveLink(path, linkFile string) error {
	target, err := os.Readlink(path)
	if err != nil {
		// Not a symlink (EINVAL) or missing: nothing to keep, and no stale
		// record from an earlier link may survive.
		if rerr := os.Remove(linkFile); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return rerr
		}
		return nil
	}
	return writeAtomic(linkFile, []byte(target), 0o644)
}

func (r *ResolvConf) restoreLocked() error {
	r.isSet = false
	return Restore(r.Path, r.Backup)
}

// Restore puts the backup back (as the symlink it was, if it was one) if
// path is a file we wrote. It is safe to call at any time (daemon start,
// `flexvpn cleanup`).
func Restore(path, backup string) error {
	cur, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if !bytes.HasPrefix(cur, []byte(marker)) {
		return nil // not ours: leave it, someone else manages it now
	}
	if target, err := os.ReadFile(linkBackup(backup)); err == nil {
		if err := symlinkAtomic(string(target), path); err != nil {
			return fmt.Errorf("cannot restore %s as a link to %s: %w", path, target, err)
		}
		return errors.Join(os.Remove(linkBackup(backup)), removeIfExists(backup))
	}
	orig, err := os.ReadFile(backup)
	if err != nil {
		return fmt.Errorf("cannot restore %s: backup %s: %w", path, backup, err)
	}
	if err := writeAtomic(path, orig, 0o644); err != nil {
		return err
	}
	return os.Remove(backup)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// symlinkAtomic makes path a symlink to target, replacing the file there
// in one rename.
func symlinkAtomic(target, path string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".flexvpn-link")
	_ = os.Remove(tmp) // a leftover of a crash between the two steps
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func render(cfg Config) []byte {
	var b bytes.Buffer
	b.WriteString(marker + "\n")
	for _, ns := range cfg.Nameservers {
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	if len(cfg.Search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cfg.Search, " "))
	}
	return b.Bytes()
}

func parseNameservers(b []byte) []netip.AddrPort {
	var out []netip.AddrPort
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "nameserver" {
			// Zone-qualified link-local servers (fe80::1%eth0) parse too.
			if a, err := netip.ParseAddr(f[1]); err == nil {
				out = append(out, netip.AddrPortFrom(a, 53))
			}
		}
	}
	return out
}

// writeAtomic replaces path with data via a temporary file and rename, so
// a reader never sees a half-written resolv.conf. If path is a bind mount
// (containers, network namespaces, our tests) rename fails with EBUSY; then
// it is rewritten in place. The temporary name is unique, so clients in
// several mount namespaces sharing one /etc never trip over each other.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".flexvpn-*")
	if err != nil {
		return os.WriteFile(path, data, mode)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Chmod(name, mode) != nil || os.Rename(name, path) != nil {
		os.Remove(name)
		return os.WriteFile(path, data, mode)
	}
	return nil
}
