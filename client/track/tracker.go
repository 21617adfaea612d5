package track

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"flexvpn/client/profile"
)

// Prober runs one probe of an object: nil means the object answered, an
// error says what failed. ctx carries the probe's timeout.
type Prober interface {
	Probe(ctx context.Context) error
}

// ProbeFunc adapts a function to Prober (handy for fakes).
type ProbeFunc func(ctx context.Context) error

// Probe calls f.
func (f ProbeFunc) Probe(ctx context.Context) error { return f(ctx) }

// Config wires a Tracker.
type Config struct {
	// Objects are the profile's [[track_object]] tables.
	Objects []profile.TrackOb
	// Logger gets one line per state change (nil: discard).
	Logger *slog.Logger
	// NewProber builds an object's probe (nil: NewProber, the real ones).
	NewProber func(Object) (Prober, error)
}

// Tracker probes a profile's objects and keeps their states. It is safe
// for concurrent use; Close stops every goroutine it started.
type Tracker struct {
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	objects  map[string]*machine
	order    []string // object names in profile order, for Statuses
	subs     []*Subscription
	closed   bool
	closedCh chan struct{}
}

// New validates the objects, builds their probes and starts probing each
// at once and then every Interval.
func New(cfg Config) (*Tracker, error) {
	objs, err := Compile(cfg.Objects)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NewProber == nil {
		cfg.NewProber = NewProber
	}
	probers := make([]Prober, len(objs))
	for i, o := range objs {
		if probers[i], err = cfg.NewProber(o); err != nil {
			return nil, fmt.Errorf("track_object %q: %w", o.Name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tracker{
		log:      cfg.Logger.With("component", "track"),
		cancel:   cancel,
		objects:  map[string]*machine{},
		closedCh: make(chan struct{}),
	}
	now := time.Now()
	for _, o := range objs {
		t.objects[o.Name] = newMachine(o.Name, o.Threshold, now)
		t.order = append(t.order, o.Name)
	}
	for i, o := range objs {
		t.wg.Go(func() { t.run(ctx, o, probers[i]) })
	}
	return t, nil
}

// run probes one object until ctx ends, one probe every Interval from
// start to start (IOS "frequency"): a slow target does not stretch the
// period, and since Timeout is less than Interval probes never overlap.
func (t *Tracker) run(ctx context.Context, o Object, p Prober) {
	for {
		start := time.Now()
		pctx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := p.Probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return // a probe cut short by Close says nothing about the target
		}
		t.observe(o.Name, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(o.Interval))):
		}
	}
}

// observe records a result and publishes the change, if any, under the
// lock so every subscriber sees changes in the order they happened.
func (t *Tracker) observe(name string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch, changed := t.objects[name].observe(time.Now(), err)
	if !changed {
		if err != nil {
			t.log.Debug("track probe failed", "object", name, "failures", t.objects[name].st.Failures, "err", err)
		}
		return
	}
	t.log.Info("track object "+ch.State.String(), "object", name, "from", ch.From, "reason", ch.Reason)
	for _, s := range t.subs {
		s.push(ch)
	}
}

// State reports whether the object is up, and whether its state is known
// at all (false before its first probe result, or for a name the profile
// does not define).
func (t *Tracker) State(name string) (up, known bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.objects[name]
	if !ok || m.st.State == Unknown {
		return false, false
	}
	return m.st.State == Up, true
}

// Status returns one object's status.
func (t *Tracker) Status(name string) (Status, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.objects[name]
	if !ok {
		return Status{}, false
	}
	return m.st, true
}

// Statuses returns every object's status, in profile order.
func (t *Tracker) Statuses() []Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Status, 0, len(t.order))
	for _, n := range t.order {
		out = append(out, t.objects[n].st)
	}
	return out
}

// Names returns the object names, in profile order.
func (t *Tracker) Names() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.order)
}

// Close stops probing, ends every subscription (their channels close) and
// waits for all goroutines to return. Calling it again does nothing.
func (t *Tracker) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	close(t.closedCh)
	subs := t.subs
	t.subs = nil
	t.mu.Unlock()
	t.cancel()
	for _, s := range subs {
		s.Close()
	}
	t.wg.Wait()
	return nil
}

// Done is closed when Close is called.
func (t *Tracker) Done() <-chan struct{} { return t.closedCh }
