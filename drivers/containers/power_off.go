package containers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// powerOff stops every container of the datacenters at once, data intact,
// and starts them again when the power comes back.
func powerOff(ctx context.Context, in *injector, e faults.Effect) error {
	g, r := in.g, in.g.run
	hit := time.Now()
	for _, dc := range e.Datacenters {
		g.setDC(dc, true, false)
	}
	done := g.onset(e, hit)
	err := parallel(g.mine(inDCs(e)), func(c *ctr) error { return r.kill(context.WithoutCancel(ctx), c) })
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
	// A link comes back only when both its ends have power.
	back := g.mine(func(c *ctr) bool {
		if !inDCs(e)(c) {
			return false
		}
		down1, _ := g.dcState(c.dc)
		down2 := false
		if c.peer != "" {
			down2, _ = g.dcState(c.peer)
		}
		return !down1 && !down2
	})
	// The power comes back at once: the seconds Docker takes to start the
	// containers run at 1:1, as the kill's do (onset), not multiplied by
	// time_scale into minutes of phantom outage.
	on := time.Now()
	g.clock.real(on)
	err = parallel(back, func(c *ctr) error { _, err := r.revive(ctx, c); return err })
	g.clock.compress(time.Now())
	g.event(engine.EventFaultEnded, engine.Measured, e.Fault, time.Since(on), "power back in %s", strings.Join(e.Datacenters, ", "))
	return err
}
