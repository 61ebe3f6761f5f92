package containers

import (
	"context"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// onLinks sets the links between the effect's two sides with linkd ctl
// (set), and resets them when the effect ends: partitions and latency are
// both carried out by the links.
func onLinks(ctx context.Context, in *injector, e faults.Effect, set, reset []string) error {
	g, r := in.g, in.g.run
	links := g.mine(func(c *ctr) bool { return c.role == roleLink && rules.Between(&e, c.dc, c.peer) })
	err := parallel(links, func(c *ctr) error { _, err := r.mustExec(ctx, c, "", set...); return err })
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
	err = parallel(alive, func(c *ctr) error { _, err := r.mustExec(ctx, c, "", reset...); return err })
	g.event(engine.EventFaultEnded, engine.Measured, e.Fault, 0, "%s ended", e.Fault)
	return err
}
