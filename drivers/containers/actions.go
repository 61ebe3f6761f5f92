package containers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// action carries out one primitive effect on one region's stack. Each
// lives in a file of its own, named after the action.
type action func(ctx context.Context, in *injector, e faults.Effect) error

// actions maps every primitive action of package faults to the code that
// carries it out on real containers. TestEveryActionHandled fails when an
// action is added to faults without an entry here.
var actions = map[faults.Action]action{
	faults.Destroy:   destroy,
	faults.PowerOff:  powerOff,
	faults.LoseDisk:  loseDisk,
	faults.Partition: partition,
	faults.Latency:   latency,
	faults.Crash:     crash,
	faults.Surge:     surge,
	faults.Flood:     flood,
}

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
		if !rules.Touches(&e, g.r, g.where()) {
			// nothing of the region is there, but where a restore may go
			// depends on it: keep that datacenter's state, as the model
			// knows every datacenter's.
			wg.Add(1)
			go func() {
				defer wg.Done()
				in.track(ctx, e)
			}()
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

// track follows, on the region's clock, what a power cut or a fire that
// touches none of the region's containers does to its datacenters.
func (in *injector) track(ctx context.Context, e faults.Effect) {
	g := in.g
	if e.Action != faults.Destroy && e.Action != faults.PowerOff {
		return
	}
	if _, ok := g.clock.wait(ctx, e.At); !ok {
		return
	}
	for _, dc := range e.Datacenters {
		g.setDC(dc, true, e.Action == faults.Destroy)
	}
	if e.Action != faults.PowerOff || e.For <= 0 || !in.untilEnd(ctx, e) {
		return
	}
	for _, dc := range e.Datacenters {
		if _, gone := g.dcState(dc); !gone {
			g.setDC(dc, false, false)
		}
	}
}

func (in *injector) apply(ctx context.Context, e faults.Effect) error {
	do, ok := actions[e.Action]
	if !ok {
		return fmt.Errorf("the containers driver cannot carry out %q", e.Action)
	}
	// The fault hits the region when it acts where the region still has
	// something, as the model judges it: a datacenter that burned already
	// cannot be hit again.
	if rules.Touches(&e, in.g.r, in.g.standing()) {
		in.g.event(engine.EventFault, engine.Measured, e.Fault, 0, "%s injected (%s)", e.Fault, e.Action)
	}
	return do(ctx, in, e)
}

// standing is where() without the datacenters already destroyed.
func (g *region) standing() []string {
	return slices.DeleteFunc(g.where(), func(dc string) bool {
		_, gone := g.dcState(dc)
		return gone
	})
}

// where lists the datacenters where the region has something: those of
// its hosting, and those a recovery moved it to.
func (g *region) where() []string {
	out := rules.Datacenters(g.h)
	for _, c := range g.run.containers(func(c *ctr) bool { return c.region == g && c.dc != "" }) {
		if !slices.Contains(out, c.dc) {
			out = append(out, c.dc)
		}
	}
	return out
}

// mine returns the region's containers that keep says.
func (g *region) mine(keep func(*ctr) bool) []*ctr {
	return g.run.containers(func(c *ctr) bool { return c.region == g && keep(c) })
}

// inDCs keeps the containers of the effect's datacenters, and the links
// that lead out of or into them (a link dies with either end).
func inDCs(e faults.Effect) func(*ctr) bool {
	return func(c *ctr) bool {
		return slices.Contains(e.Datacenters, c.dc) || (c.role == roleLink && slices.Contains(e.Datacenters, c.peer))
	}
}

// onset runs the region's clock at 1:1 from hit while the platform kills
// a datacenter's containers: a fire or a power cut is instantaneous, and
// the seconds the platform takes under load must not be multiplied into
// minutes of phantom service. The returned func ends the window.
func (g *region) onset(e faults.Effect, hit time.Time) func() {
	g.clock.real(hit)
	return func() {
		g.clock.compress(time.Now())
		g.event(engine.EventDown, engine.Measured, e.Fault, time.Since(hit), "%s took effect (killed)", e.Fault)
	}
}

// untilEnd waits for the end of an effect with a duration.
func (in *injector) untilEnd(ctx context.Context, e faults.Effect) bool {
	_, ok := in.g.clock.wait(ctx, e.End())
	return ok
}

// parallel runs f on every container at once: a fire hits a whole
// datacenter in the same instant, not one server after the other. Every
// f runs to its end; the errors are joined.
func parallel(cs []*ctr, f func(*ctr) error) error {
	var eg errgroup.Group
	errs := make([]error, len(cs))
	for i, c := range cs {
		eg.Go(func() error { errs[i] = f(c); return nil })
	}
	_ = eg.Wait()
	return errors.Join(errs...)
}
