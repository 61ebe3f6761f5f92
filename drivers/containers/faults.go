package containers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// injector carries out a plan's effects on one region's stack, on that
// region's clock. Regions share no container, so each one lives its
// experiment on its own clock: a region whose clock ran at 1:1 during a
// restore still meets the next fault at its experiment time.
type injector struct {
	g        *region
	loads    *loads
	mu       sync.Mutex
	lateness []time.Duration
	errs     []error
}

func (in *injector) fail(err error) {
	in.mu.Lock()
	in.errs = append(in.errs, err)
	in.mu.Unlock()
}

// inject fires every effect that concerns the region on schedule, and its
// end when it has one, until ctx ends. Each effect is carried out in its
// own goroutine so that a slow one does not delay the next.
func (in *injector) inject(ctx context.Context, effects []faults.Effect, wg *sync.WaitGroup) {
	g := in.g
	for _, e := range effects {
		if !g.touchedBy(e) {
			continue
		}
		late, ok := g.clock.wait(ctx, e.At)
		if !ok {
			return
		}
		in.mu.Lock()
		in.lateness = append(in.lateness, late)
		in.mu.Unlock()
		g.faulted(time.Now())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { g.faulted(time.Now()) }()
			if err := in.apply(ctx, e); err != nil && ctx.Err() == nil {
				in.fail(fmt.Errorf("region %s: fault %s: %w", g.r.Name, e.Fault, err))
			}
		}()
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// untilEnd waits for the end of an effect with a duration.
func (in *injector) untilEnd(ctx context.Context, e faults.Effect) bool {
	_, ok := in.g.clock.wait(ctx, e.End())
	return ok
}

func (in *injector) apply(ctx context.Context, e faults.Effect) error {
	g := in.g
	r := g.run
	hit := time.Now()
	g.event(engine.EventFault, engine.Measured, e.Fault, 0, "%s injected (%s)", e.Fault, e.Action)
	// A fire or a power cut is instantaneous; Docker takes a while to
	// kill a datacenter's containers under load. The region's clock runs
	// at 1:1 while it does, so that those seconds are not multiplied into
	// minutes of phantom service.
	onset := func() func() {
		g.clock.real(hit)
		return func() {
			g.clock.compress(time.Now())
			g.event(engine.EventDown, engine.Measured, e.Fault, time.Since(hit), "%s took effect (docker kill)", e.Fault)
		}
	}
	mine := func(keep func(*ctr) bool) []*ctr {
		return r.containers(func(c *ctr) bool { return c.region == g && keep(c) })
	}
	// inDCs: the containers of the datacenters, and the links that lead
	// out of or into them (a link dies with either end).
	inDCs := func(c *ctr) bool {
		return slices.Contains(e.Datacenters, c.dc) || (c.role == "link" && slices.Contains(e.Datacenters, c.peer))
	}
	switch e.Action {
	case faults.Destroy:
		for _, dc := range e.Datacenters {
			g.setDC(dc, true, true)
		}
		victims := mine(inDCs)
		// Everything stops in the same instant; removing the remains
		// (containers, volumes) takes longer and need not hold recovery.
		done := onset()
		err := parallel(victims, func(c *ctr) error { return r.kill(context.WithoutCancel(ctx), c) })
		done()
		g.lost(ctx, hit, e, func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) }, true)
		// One at a time: a dozen regions removing containers and volumes
		// at once would starve every other stack of the host's CPU.
		errs := []error{err}
		for _, c := range victims {
			errs = append(errs, r.destroy(context.WithoutCancel(ctx), c))
		}
		return errors.Join(errs...)

	case faults.PowerOff:
		for _, dc := range e.Datacenters {
			g.setDC(dc, true, false)
		}
		done := onset()
		err := parallel(mine(inDCs), func(c *ctr) error { return r.kill(context.WithoutCancel(ctx), c) })
		done()
		g.lost(ctx, hit, e, func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) }, false)
		if err != nil || e.For <= 0 || !in.untilEnd(ctx, e) {
			return err
		}
		for _, dc := range e.Datacenters {
			if _, gone := g.dcState(dc); !gone {
				g.setDC(dc, false, false)
			}
		}
		back := mine(func(c *ctr) bool {
			if !inDCs(c) {
				return false
			}
			down1, _ := g.dcState(c.dc)
			down2 := false
			if c.peer != "" {
				down2, _ = g.dcState(c.peer)
			}
			return !down1 && !down2
		})
		err = parallel(back, func(c *ctr) error { _, err := r.revive(ctx, c); return err })
		g.event(engine.EventFaultEnded, engine.Measured, e.Fault, 0, "power back in %s", strings.Join(e.Datacenters, ", "))
		return err

	case faults.LoseDisk:
		// The database servers' data directories vanish under them, and the
		// backups kept in the datacenter with them.
		var errs []error
		done := onset()
		for _, c := range mine(func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) }) {
			switch c.role {
			case "database":
				_, _ = dockerExec(ctx, r.cli, c.id, "postgres", "sh", "-c", "rm -rf /var/lib/postgresql/data/pg")
				errs = append(errs, r.kill(context.WithoutCancel(ctx), c))
			case "backup":
				if _, err := mustExec(ctx, r.cli, c.id, "postgres", "sh", "-c", "rm -rf /backups/*"); err != nil {
					errs = append(errs, err)
				}
				g.forgetDumps(c)
			}
		}
		done()
		isDB := func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) && c.role == "database" }
		g.lost(ctx, hit, e, isDB, true)
		errs = append(errs, parallel(mine(isDB), func(c *ctr) error { return r.destroy(context.WithoutCancel(ctx), c) }))
		return errors.Join(errs...)

	case faults.Crash:
		return g.crash(ctx, e)

	case faults.Partition, faults.Latency:
		links := mine(func(c *ctr) bool { return c.role == "link" && faultBetween(e, c.dc, c.peer) })
		set := []string{"/app", "ctl", "-partition=true"}
		reset := []string{"/app", "ctl", "-partition=false"}
		if e.Action == faults.Latency {
			set = []string{"/app", "ctl", "-delay", e.Delay.String(), "-jitter", e.Jitter.String()}
			reset = []string{"/app", "ctl", "-delay", "0s"}
		}
		err := parallel(links, func(c *ctr) error { _, err := mustExec(ctx, r.cli, c.id, "", set...); return err })
		if e.Action == faults.Partition {
			g.partitioned(e)
		}
		if err != nil || !in.untilEnd(ctx, e) {
			return err
		}
		// Links of a datacenter that burnt meanwhile are gone: skip them.
		var alive []*ctr
		for _, c := range links {
			if down, gone, _ := c.state(); !down && !gone {
				alive = append(alive, c)
			}
		}
		err = parallel(alive, func(c *ctr) error { _, err := mustExec(ctx, r.cli, c.id, "", reset...); return err })
		g.event(engine.EventFaultEnded, engine.Measured, e.Fault, 0, "%s ended", e.Fault)
		return err

	case faults.Surge, faults.Flood:
		return in.loads.run(ctx, g, e)
	}
	return fmt.Errorf("the containers driver cannot carry out %q", e.Action)
}

// faultBetween says whether effect e acts between datacenters a and b.
func faultBetween(e faults.Effect, a, b string) bool {
	return (slices.Contains(e.Datacenters, a) && slices.Contains(e.Peers, b)) ||
		(slices.Contains(e.Datacenters, b) && slices.Contains(e.Peers, a))
}

// parallel runs f on every container at once: a fire hits a whole
// datacenter in the same instant, not one server after the other.
func parallel(cs []*ctr, f func(*ctr) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(c)
		}()
	}
	wg.Wait()
	return joinErrs(errs)
}

func joinErrs(errs []error) error {
	var out []error
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}
