package containers

import (
	"context"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
)

// drainLimit bounds how long the clock stays at 1:1 after a load: a
// stack that has not worked through its backlog by then is left to the
// compressed clock, and the report shows it still down.
const drainLimit = 5 * time.Minute

// drain keeps the region's clock at 1:1, as the caller set it at the end
// of a window of load (wall time end), until the prober sees the service
// back or drainLimit passes; then it compresses again.
//
// An overload leaves a backlog: requests queued in the app servers' pools
// and at the edge, which the stack works through at its real rate once the
// load stops. That is a mechanism running, like a promotion, and the clock
// must measure it as it ran. On the compressed clock every second of it
// counted time_scale seconds: the 170-second drain after the one-hour
// flood of experiments/flood-3h.hcl stood for 5.7 hours at time_scale
// 120, and the region stayed down to the end of the horizon where the
// model (whose app tier serves again as soon as the load is within
// capacity) had it back when the attack ended.
// out says the service was out when the load ended: only then is there a
// drain to report.
func (g *region) drain(ctx context.Context, end time.Time, out bool) {
	defer func() { g.clock.compress(time.Now()) }()
	for deadline := end.Add(drainLimit); time.Now().Before(deadline); {
		if g.probes.okStreak(sustain) {
			if !out {
				return
			}
			took := time.Since(end)
			g.event(engine.EventRestored, engine.Measured, "", took, "backlog drained after the load: service answering again (measured at 1:1)")
			g.stepDone(engine.StepDrain, engine.Measured, took)
			return
		}
		if !platform.Sleep(ctx, probeEvery) {
			return
		}
	}
}
