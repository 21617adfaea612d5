package track

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// maxQueue bounds what a subscriber that stopped reading may hold back;
// past it the oldest changes are dropped (Dropped counts them) since a
// tracker must never block on a reader.
const maxQueue = 256

// Subscription delivers a tracker's changes in the order they happened.
// Each subscription has its own queue, so a slow reader holds up neither
// the probes nor other readers.
type Subscription struct {
	t    *Tracker
	c    chan Change
	wake chan struct{} // one pending wake-up for the pump
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	queue   []Change
	dropped int
}

// Subscribe starts a subscription. Its channel first carries the current
// status of every object, in profile order, as a Change with From equal
// to State; then every change as it happens. The channel closes when the
// subscription or the tracker is closed.
func (t *Tracker) Subscribe() *Subscription {
	s := &Subscription{
		t:    t,
		c:    make(chan Change),
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		s.once.Do(func() {}) // Close has nothing left to stop
		close(s.stop)
		close(s.c)
		close(s.done)
		return s
	}
	for _, n := range t.order {
		st := t.objects[n].st
		s.push(Change{Status: st, From: st.State})
	}
	t.subs = append(t.subs, s)
	t.wg.Go(s.pump)
	return s
}

// C is the channel of changes.
func (s *Subscription) C() <-chan Change { return s.c }

// Dropped says how many changes were lost because the reader fell more
// than maxQueue behind.
func (s *Subscription) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close ends the subscription and waits until its goroutine returned.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.t.mu.Lock()
		s.t.subs = slices.DeleteFunc(s.t.subs, func(x *Subscription) bool { return x == s })
		s.t.mu.Unlock()
		close(s.stop)
	})
	<-s.done
}

// push queues a change; the tracker's lock is held.
func (s *Subscription) push(ch Change) {
	s.mu.Lock()
	if len(s.queue) >= maxQueue {
		s.queue = s.queue[1:]
		s.dropped++
	}
	s.queue = append(s.queue, ch)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Subscription) pump() {
	defer close(s.done)
	defer close(s.c)
	for {
		ch, ok := s.next()
		if !ok {
			return
		}
		select {
		case s.c <- ch:
		case <-s.stop:
			return
		}
	}
}

// next waits for a queued change; false when the subscription stops.
func (s *Subscription) next() (Change, bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			ch := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return ch, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-s.stop:
			return Change{}, false
		}
	}
}

// Follow calls fn each time whether cond is met changes, starting from
// false (a connect = "track" profile is idle when Follow starts): fn(true)
// means bring the tunnel up, fn(false) take it down. Calls are serial, on
// Follow's goroutine. Follow returns when ctx ends or the tracker closes.
func (t *Tracker) Follow(ctx context.Context, cond Condition, fn func(want bool)) error {
	if _, ok := t.Status(cond.Object); !ok {
		return fmt.Errorf("%w %q", ErrUnknownObject, cond.Object)
	}
	sub := t.Subscribe()
	defer sub.Close()
	want := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ch, ok := <-sub.C():
			if !ok {
				return nil
			}
			if w := cond.Met(ch.State); ch.Object == cond.Object && w != want {
				want = w
				fn(w)
			}
		}
	}
}
