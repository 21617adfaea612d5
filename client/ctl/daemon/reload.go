package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"flexvpn/client/ctl"
	"flexvpn/client/profile"
)

// LoadDir loads every *.toml profile in dir. A broken profile is reported
// (with file:line, from profile.Load) and skipped, so one typo does not
// take every tunnel down. Profiles are keyed by name.
func LoadDir(dir string, load func(string) (*profile.Profile, error)) (map[string]*profile.Profile, []error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, []error{fmt.Errorf("profile directory: %w", err)}
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, []error{err}
	}
	slices.Sort(paths)
	out := map[string]*profile.Profile{}
	var errs []error
	for _, path := range paths {
		p, err := load(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := ValidateObjects(p); err != nil {
			errs = append(errs, err)
			continue
		}
		if !ctl.ValidProfileName(p.Name) {
			errs = append(errs, fmt.Errorf("%s: profile name %q may only hold letters, digits, '.', '_' and '-'; rename it", path, p.Name))
			continue
		}
		if prev, dup := out[p.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: profile name %q is already used by %s; give each profile its own name", path, p.Name, prev.Path))
			continue
		}
		out[p.Name] = p
	}
	return out, errs
}

// Reload reads the profile directory again: new profiles are added (and
// started if connect = "auto"), changed running ones are restarted with
// the new settings, removed ones are stopped. A profile has changed when
// its settings did or when the contents of a file it names (CA,
// certificate, key, secrets) did. The errors are the profiles
// that could not be loaded (skipped) and starts that failed.
//
// A profile that fails to load keeps running with its old settings: a
// half-edited file must not cut the tunnel.
func (d *Daemon) Reload() []error {
	d.ops.Lock()
	defer d.ops.Unlock()
	loaded, errs := LoadDir(d.cfg.Dir, d.cfg.Load)
	for _, err := range errs {
		d.log.Error("profile skipped", "err", err)
	}
	if loaded == nil {
		return errs // the directory itself is unreadable: change nothing
	}
	broken := brokenFiles(errs)
	digests := digestAll(loaded)
	removed, restart, start := d.merge(loaded, digests, broken)
	var stopping []*entry
	for _, e := range append(removed, restart...) {
		stopping = append(stopping, e)
	}
	if err := d.stopAll(stopping); err != nil {
		errs = append(errs, err)
	}
	d.applyRestarts(restart, loaded, digests)
	for _, name := range start {
		if err := d.start(name); err != nil {
			d.log.Error("profile not started", "profile", name, "err", err)
			errs = append(errs, err)
		}
	}
	return errs
}

// merge updates the profile set and says what to do: removed entries to
// stop, changed running entries to restart, and names to start now.
// Changed profiles that are not running take the new settings at once.
func (d *Daemon) merge(loaded map[string]*profile.Profile, digests map[string]fileDigest, broken map[string]bool) (removed, restart []*entry, start []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, e := range d.profiles {
		if _, ok := loaded[name]; ok || broken[e.prof.Path] {
			continue
		}
		d.untrackLocked(e)
		removed = append(removed, e)
		delete(d.profiles, name)
	}
	for name, p := range loaded {
		e, ok := d.profiles[name]
		switch {
		case !ok:
			e = &entry{prof: p, files: digests[name]}
			d.profiles[name] = e
			d.retrackLocked(name, e)
			if p.Connect == profile.ConnectAuto {
				start = append(start, name)
			}
		case reflect.DeepEqual(e.prof, p) && e.files.equal(digests[name]):
		case e.run != nil && !e.run.finished():
			restart = append(restart, e)
		default:
			e.prof, e.files = p, digests[name]
			d.retrackLocked(name, e)
			if p.Connect == profile.ConnectAuto {
				start = append(start, name)
			}
		}
	}
	slices.Sort(start)
	return removed, restart, start
}

// applyRestarts gives stopped entries their new profile and restarts them.
func (d *Daemon) applyRestarts(restart []*entry, loaded map[string]*profile.Profile, digests map[string]fileDigest) {
	for _, e := range restart {
		d.mu.Lock()
		name := e.prof.Name
		e.prof, e.files = loaded[name], digests[name]
		d.retrackLocked(name, e)
		followed := e.prof.Connect == profile.ConnectTrack
		d.mu.Unlock()
		if followed {
			continue // its new tracker's Follow starts it when the condition holds
		}
		if err := d.start(name); err != nil {
			d.log.Error("profile not restarted after reload", "profile", name, "err", err)
		}
	}
}

// brokenFiles names the files whose errors carry a location, so their
// profiles are kept rather than treated as removed.
func brokenFiles(errs []error) map[string]bool {
	out := map[string]bool{}
	for _, err := range errs {
		for _, pe := range profileErrors(err) {
			out[pe.File] = true
		}
	}
	return out
}

// profileErrors unpacks the *profile.Error values in err (Load joins them).
func profileErrors(err error) []*profile.Error {
	if pe, ok := err.(*profile.Error); ok {
		return []*profile.Error{pe}
	}
	var out []*profile.Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, profileErrors(e)...)
		}
	}
	return out
}
