package containers

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/firedrill/firedrill/faults"
)

// destroy burns datacenters: every container in them dies in the same
// instant, and their volumes (databases and backups kept there) go.
func destroy(ctx context.Context, in *injector, e faults.Effect) error {
	g, r := in.g, in.g.run
	hit := time.Now()
	for _, dc := range e.Datacenters {
		g.setDC(dc, true, true)
	}
	victims := g.mine(inDCs(e))
	// Everything stops in the same instant; removing the remains
	// (containers, volumes) takes longer and need not hold recovery.
	done := g.onset(e, hit)
	err := parallel(victims, func(c *ctr) error { return r.kill(context.WithoutCancel(ctx), c) })
	done()
	g.lost(ctx, hit, e, func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) }, true)
	// One at a time: a dozen regions removing containers and volumes at
	// once would starve every other stack of the host's CPU.
	errs := []error{err}
	for _, c := range victims {
		errs = append(errs, r.destroy(context.WithoutCancel(ctx), c))
	}
	return errors.Join(errs...)
}
