package daemon

import (
	"errors"
	"fmt"
	"net/netip"

	"flexvpn/client"
	"flexvpn/client/profile"
	"flexvpn/platform/router"
)

// applier is one run's client.Applier. It differs from
// client.PlatformApplier in what a daemon with several tunnels needs: a
// routing table per slot, the shared DNS proxy, the default-route owner
// check, and a record of the reply for status.
type applier struct {
	d      *Daemon
	name   string
	prof   *profile.Profile
	iface  string
	run    *run
	router router.Router
}

func (d *Daemon) newApplier(name string, p *profile.Profile, iface string, r *run) *applier {
	return &applier{d: d, name: name, prof: p, iface: iface, run: r, router: d.cfg.NewRouter()}
}

// Apply implements client.Applier.
func (a *applier) Apply(gateway netip.Addr, r client.Reply) error {
	dns := a.d.cfg.DNS
	want := client.ComputeDesired(a.prof, a.iface, a.d.cfg.MTU, gateway, r, dns.Saved())
	wantsDefault := hasDefault(want.Router.Routes)
	if err := a.d.claimDefault(a.name, wantsDefault); err != nil {
		// Retrying cannot help until the owner goes down: stop this run
		// instead of letting it reconnect in a loop.
		a.d.refuse(a.run, err)
		return err
	}
	want.Router.Table = TableBase + a.run.slot
	var search []string
	if r.DefaultDomain != "" {
		search = []string{r.DefaultDomain}
	}
	err := a.router.Set(want.Router)
	if err == nil {
		err = dns.Set(a.name, want.DNS, search, wantsDefault)
	}
	a.d.applied(a.run, err)
	if err != nil {
		return err
	}
	a.d.record(a.run, &r)
	return nil
}

// applied counts consecutive Apply failures of a run: client.Conn
// reconnects at once after one, so the run's dialer backs off instead.
func (d *Daemon) applied(r *run, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		r.applyFails++
	} else {
		r.applyFails = 0
	}
}

// Clear implements client.Applier: DNS first, so no query reaches a
// route that is going away.
func (a *applier) Clear() error {
	err := errors.Join(a.d.cfg.DNS.Remove(a.name), a.router.Set(router.Config{}))
	a.d.claimDefault(a.name, false)
	a.d.record(a.run, nil)
	return err
}

// claimDefault makes name the default-route owner (want) or gives the
// route up (!want). A second claimant gets an error naming the owner.
func (d *Daemon) claimDefault(name string, want bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case want && d.owner != "" && d.owner != name:
		return fmt.Errorf("%w: profile %q already owns the default route; run `flexvpn down %s` first, or set routes.accept in %q to the networks you need",
			ErrDefaultRoute, d.owner, d.owner, name)
	case want:
		d.owner = name
	case d.owner == name:
		d.owner = ""
	}
	return nil
}

// record keeps the applied reply for status (nil: cleared).
func (d *Daemon) record(r *run, reply *client.Reply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r.reply = reply
}

func hasDefault(routes []netip.Prefix) bool {
	for _, p := range routes {
		if p.Bits() == 0 {
			return true
		}
	}
	return false
}
