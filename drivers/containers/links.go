package containers

import (
	"context"
	"strings"
	"time"

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
	hit := time.Now()
	err := parallel(links, func(c *ctr) error { _, err := r.mustExec(ctx, c, "", set...); return err })
	if err != nil {
		return err
	}
	// linkd ctl answers only once the link holds its new state: that
	// answer is the check that the fault took effect (an unanswered one
	// fails the run), and the timeline keeps it.
	if len(links) > 0 {
		g.event(engine.EventDown, engine.Measured, e.Fault, time.Since(hit), "%s took effect: %d link(s) set (%s), each acknowledged", e.Fault, len(links), strings.Join(set[2:], " "))
	}
	if !in.untilEnd(ctx, e) {
		return nil
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
