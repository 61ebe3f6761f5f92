package containers

import (
	"context"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// partition cuts the links between the two sides for the effect's
// duration: synchronous commits block, async standbys fall behind.
func partition(ctx context.Context, in *injector, e faults.Effect) error {
	g := in.g
	if g.h.Standby != nil && g.h.Replication == experiments.ReplicationSync && rules.Between(&e, g.h.Primary.Name, g.h.Standby.Name) {
		g.event(engine.EventDown, engine.Measured, e.Fault, 0, "synchronous commits wait: standby unreachable")
	}
	return onLinks(ctx, in, e, []string{"/app", "ctl", "-partition=true"}, []string{"/app", "ctl", "-partition=false"})
}
