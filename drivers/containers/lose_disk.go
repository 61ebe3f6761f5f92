package containers

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/firedrill/firedrill/faults"
)

// loseDisk deletes the data directories under the datacenters' running
// database servers, and the backups kept there with them; the machines
// keep running.
func loseDisk(ctx context.Context, in *injector, e faults.Effect) error {
	g, r := in.g, in.g.run
	hit := time.Now()
	var errs []error
	done := g.onset(e, hit)
	for _, c := range g.mine(func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) }) {
		switch c.role {
		case roleDatabase:
			_, _ = r.exec(ctx, c, "postgres", "sh", "-c", "rm -rf /var/lib/postgresql/data/pg")
			errs = append(errs, r.kill(context.WithoutCancel(ctx), c))
		case roleBackup:
			if _, err := r.mustExec(ctx, c, "postgres", "sh", "-c", "rm -rf /backups/*"); err != nil {
				errs = append(errs, err)
			}
			g.forgetDumps(c)
		}
	}
	done()
	isDB := func(c *ctr) bool { return slices.Contains(e.Datacenters, c.dc) && c.role == roleDatabase }
	g.lost(ctx, hit, e, isDB, true)
	errs = append(errs, parallel(g.mine(isDB), func(c *ctr) error { return r.destroy(context.WithoutCancel(ctx), c) }))
	return errors.Join(errs...)
}
