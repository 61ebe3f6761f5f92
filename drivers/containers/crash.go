package containers

import (
	"context"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// crash kills the region's app servers or primary database process, and
// starts it again after the hosting's restart delay.
func crash(ctx context.Context, in *injector, e faults.Effect) error {
	g, r := in.g, in.g.run
	var victims []*ctr
	g.mu.Lock()
	switch e.Target {
	case "database":
		if g.primary != nil {
			victims = []*ctr{g.primary}
		}
	default:
		for _, a := range g.apps {
			if down, gone, _ := a.state(); !down && !gone && (e.Count <= 0 || len(victims) < e.Count) {
				victims = append(victims, a)
			}
		}
	}
	g.mu.Unlock()
	if len(victims) == 0 {
		return nil
	}
	hit := time.Now()
	g.clock.real(hit)
	err := parallel(victims, func(c *ctr) error { return r.kill(context.WithoutCancel(ctx), c) })
	g.clock.compress(time.Now())
	if err != nil {
		return err
	}
	g.event(engine.EventDown, engine.Measured, e.Fault, 0, "%d %s process(es) killed", len(victims), e.Target)
	if !g.sleepModeled(ctx, g.h.Restart) {
		return nil
	}
	g.stepDone(engine.StepRestart, engine.Modeled, g.h.Restart)
	started := time.Now()
	g.clock.real(started)
	if err := parallel(victims, func(c *ctr) error { _, err := r.revive(ctx, c); return err }); err != nil {
		g.clock.compress(time.Now())
		return err
	}
	if e.Target == "database" {
		_ = g.waitDB(ctx, victims[0], false)
	}
	g.event(engine.EventUp, engine.Measured, e.Fault, time.Since(started), "%s restarted (after %s, compressed)", e.Target, faults.FormatDuration(g.h.Restart))
	g.stepDone(engine.StepRestart, engine.Measured, time.Since(started))
	g.mu.Lock()
	if g.recovery == "" {
		g.recovery = engine.RecoveryRestart
	}
	g.mu.Unlock()
	g.serviceBack(ctx, started)
	return nil
}
