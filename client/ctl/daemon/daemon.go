package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"flexvpn/client"
	"flexvpn/client/profile"
	"flexvpn/client/track"
	"flexvpn/platform/router"
)

// Tunnel is one started profile's connection. *client.Conn is one.
type Tunnel interface {
	// Run keeps the connection up until ctx ends (then returns nil), or
	// until a failure no retry can fix; in manual mode also when the
	// first round of attempts failed (see client.Conn.Run).
	Run(ctx context.Context) error
	State() client.State
}

// Build is what a Factory gets to make one profile's Tunnel.
type Build struct {
	Profile   *profile.Profile
	Interface string // TUN device name for this slot
	MTU       int
	// Applier must be the tunnel's Applier: it owns routes, DNS and the
	// default-route check.
	Applier client.Applier
	Trace   *client.Trace
	// Eligible is the profile's peer eligibility from its tracked
	// objects; give it to client.ConnConfig.Eligible. The daemon tells
	// a Tunnel that is an EligibilityNotifier when it may have changed.
	Eligible client.Eligibility
	// Logger is the daemon's; client.Conn adds the profile name itself.
	Logger *slog.Logger

	d   *Daemon
	run *run
}

// Factory makes the Tunnel of a profile being started.
type Factory func(Build) (Tunnel, error)

// Defaults.
const (
	// TableBase is the routing table of slot 0; it matches
	// router.DefaultTable so `flexvpn cleanup` finds every slot's table.
	TableBase = 5300
	// MaxSlots bounds how many profiles may be up at once.
	MaxSlots = 8
	// DefaultMTU of the tunnel interfaces.
	DefaultMTU = 1400
	// StopTimeout bounds how long Down waits for a tunnel to tear down.
	StopTimeout = 15 * time.Second
)

// Config wires a Daemon.
type Config struct {
	// Dir holds the profiles (*.toml).
	Dir string
	// Load reads one profile (default profile.Load).
	Load    func(path string) (*profile.Profile, error)
	Factory Factory
	// NewRouter returns a Router for one slot's interface (nil: fakes
	// that change nothing, for tests).
	NewRouter func() router.Router
	// DNS is shared by all profiles (nil: a recorder, for tests).
	DNS    *SharedDNS
	MTU    int
	Logger *slog.Logger
	// ApplyBackoff is the first wait before dialing again after routes or
	// DNS could not be applied (default 2 s, doubling to a minute).
	ApplyBackoff time.Duration
	// Changed is called after a profile's run starts or ends (for the
	// service manager's status line); may be nil.
	Changed func()
	// NewProber builds the probe of a tracked object (nil: the real
	// ones); tests inject fakes.
	NewProber func(track.Object) (track.Prober, error)
}

// Daemon holds the loaded profiles and their running tunnels.
type Daemon struct {
	cfg Config
	log *slog.Logger

	ops sync.Mutex // serialises Up, Down, Reload, Shutdown

	mu       sync.Mutex
	profiles map[string]*entry
	owner    string // profile owning the default route
	closing  bool
}

// entry is one loaded profile.
type entry struct {
	prof  *profile.Profile
	files fileDigest // of the files prof names, when prof was loaded
	run   *run       // current or last run; nil if never started
	// tracker probes prof's tracked objects (nil without any);
	// stopFollow ends the goroutines that act on its changes.
	tracker    *track.Tracker
	stopFollow context.CancelFunc
}

// run is one start of a profile, from Up to the end of Tunnel.Run.
type run struct {
	slot   int
	tun    Tunnel
	trace  *client.Trace
	cancel context.CancelFunc
	done   chan struct{}
	start  time.Time

	// Guarded by Daemon.mu.
	reply      *client.Reply
	session    client.Session // of the latest successful dial
	refused    error          // why the daemon stopped it (default route conflict)
	refAt      time.Time
	downAt     time.Time // set by Down: the user ended it, whatever its state
	applyFails int       // consecutive failed Applies (for the dialer's backoff)
	err        error     // what Run returned
}

func (r *run) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// New returns a daemon with no profiles loaded; call Reload.
func New(cfg Config) *Daemon {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Load == nil {
		cfg.Load = profile.Load
	}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
	}
	if cfg.NewRouter == nil {
		cfg.NewRouter = func() router.Router { return &router.Fake{} }
	}
	if cfg.DNS == nil {
		cfg.DNS = &SharedDNS{}
	}
	if cfg.ApplyBackoff <= 0 {
		cfg.ApplyBackoff = 2 * time.Second
	}
	return &Daemon{cfg: cfg, log: cfg.Logger, profiles: map[string]*entry{}}
}

// Up starts a profile; starting a running profile is not an error. When
// none of its gateways is eligible only because their tracked objects
// have no probe result yet, it first waits for those results (a few
// seconds at most, see awaitFirstResults).
func (d *Daemon) Up(name string) error {
	d.awaitTracking(name)
	d.ops.Lock()
	defer d.ops.Unlock()
	return d.start(name)
}

// Down stops a profile and waits until its tunnel is torn down.
func (d *Daemon) Down(name string) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	e, ok := d.profiles[name]
	d.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w %q", ErrNoProfile, name)
	}
	err := d.stop(e)
	d.mu.Lock()
	if e.run != nil {
		e.run.downAt = time.Now()
	}
	d.mu.Unlock()
	return err
}

// Shutdown stops every profile and refuses further starts.
func (d *Daemon) Shutdown() error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	d.closing = true
	var all []*entry
	for _, e := range d.profiles {
		d.untrackLocked(e)
		all = append(all, e)
	}
	d.mu.Unlock()
	return d.stopAll(all)
}

// stopAll stops entries concurrently: each teardown waits for a Delete.
func (d *Daemon) stopAll(es []*entry) error {
	errs := make(chan error, len(es))
	for _, e := range es {
		go func() { errs <- d.stop(e) }()
	}
	var first error
	for range es {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// start begins a run of the named profile. Caller holds d.ops.
func (d *Daemon) start(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		return ErrShutdown
	}
	e, ok := d.profiles[name]
	if !ok {
		return fmt.Errorf("%w %q (profiles are the *.toml files in %s)", ErrNoProfile, name, d.cfg.Dir)
	}
	if e.run != nil && !e.run.finished() {
		return nil
	}
	slot, ok := d.freeSlotLocked()
	if !ok {
		return fmt.Errorf("%w (at most %d); bring one down first", ErrNoSlot, MaxSlots)
	}
	r := &run{slot: slot, trace: client.NewTrace(0), done: make(chan struct{}), start: time.Now()}
	b := Build{
		Profile:   e.prof,
		Interface: fmt.Sprintf("fv%d", slot),
		MTU:       d.cfg.MTU,
		Trace:     r.trace,
		Eligible:  eligibility(e.tracker),
		Logger:    d.log,
		d:         d,
		run:       r,
	}
	b.Applier = d.newApplier(name, e.prof, b.Interface, r)
	tun, err := d.cfg.Factory(b)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	r.tun = tun
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	e.run = r
	go d.execute(name, ctx, r)
	return nil
}

// execute runs a tunnel to its end and records how it ended.
func (d *Daemon) execute(name string, ctx context.Context, r *run) {
	d.notify()
	err := r.tun.Run(ctx)
	r.cancel()
	d.mu.Lock()
	r.err = err
	d.mu.Unlock()
	close(r.done)
	if err != nil {
		d.log.Warn("profile stopped", "profile", name, "err", err)
	}
	d.notify()
}

// stop cancels e's run and waits for it. Caller holds d.ops.
func (d *Daemon) stop(e *entry) error {
	d.mu.Lock()
	r := e.run
	d.mu.Unlock()
	if r == nil {
		return nil
	}
	r.cancel()
	select {
	case <-r.done:
		return nil
	case <-time.After(StopTimeout):
		return fmt.Errorf("profile %s did not stop within %v", e.prof.Name, StopTimeout)
	}
}

// refuse stops a run from inside its own Apply: cancel only, the run's
// goroutine finishes the teardown.
func (d *Daemon) refuse(r *run, err error) {
	d.mu.Lock()
	r.refused, r.refAt = err, time.Now()
	d.mu.Unlock()
	r.cancel()
}

// freeSlotLocked returns the lowest slot no unfinished run holds.
func (d *Daemon) freeSlotLocked() (int, bool) {
	used := map[int]bool{}
	for _, e := range d.profiles {
		if e.run != nil && !e.run.finished() {
			used[e.run.slot] = true
		}
	}
	for s := range MaxSlots {
		if !used[s] {
			return s, true
		}
	}
	return 0, false
}

func (d *Daemon) notify() {
	if d.cfg.Changed != nil {
		d.cfg.Changed()
	}
}
