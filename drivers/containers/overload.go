package containers

import (
	"context"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// onsetLimit bounds how long the clock stays at 1:1 once a load has gone
// over capacity: a stack still answering by then has held (it sheds, or
// its queue grows too slowly to matter), and the compressed clock takes
// over again.
const onsetLimit = time.Minute

// overload keeps the region's clock at 1:1 from the moment effect e first
// brings more load to the app tier than it serves, until the users' own
// requests show the steady state (out), the effect ends, or onsetLimit
// passes.
//
// An open stream above capacity fills the app servers' queue at O - C
// requests a second, and every request is still answered until the queue
// is as long as it gets: the users' patience P when nothing bounds it
// (P C / (O - C) seconds of the wall, 8 s at 1.25 C with P = 2 s, after
// which nothing served is wanted: collapse), or queue_timeout when the
// edge bounds it (after which the tier serves C and turns the rest away).
// That filling is a mechanism running, like the backlog's drain after the
// load (drain), and on the compressed clock each of its seconds stood for
// time_scale: the one-hour flood of experiments/flood-3h.hcl at time_scale
// 120 lasted 30 wall seconds, of which the onset was a quarter, and the
// rate-limited region was counted as served for a quarter of the hour it
// had collapsed in.
func (g *region) overload(ctx context.Context, e faults.Effect) {
	at, ok := g.overloadAt(e)
	if !ok {
		return
	}
	if _, ok := g.clock.wait(ctx, at); !ok {
		return
	}
	began := time.Now()
	g.clock.real(began)
	defer func() { g.clock.compress(time.Now()) }()
	thr, p := g.r.Objectives.Success(), g.r.Objectives.Patience(loadTimeout)
	for deadline := began.Add(onsetLimit); time.Now().Before(deadline) && g.clock.now() < e.End(); {
		// the users' requests of a second whose answers are all in: sent
		// at least their patience ago.
		if to := time.Now().Add(-p); !to.Before(began) {
			ok, n := g.load.between(to.Add(-time.Second), to)
			if n >= minOnsetSample && float64(ok) < thr*float64(n) {
				took := to.Sub(began)
				g.event(engine.EventOverload, engine.Measured, e.Fault, took,
					"load over capacity: %d of %d users' requests served %s later, the queue as long as it gets (measured at 1:1)", ok, n, took.Round(100*time.Millisecond))
				return
			}
		}
		if !platform.Sleep(ctx, probeEvery) {
			return
		}
	}
}

// minOnsetSample is how many users' requests a second must hold for its
// served share to say the overload's onset is over.
const minOnsetSample = 5

// overloadAt is the first moment of effect e at which the plan's load on
// the app tier (users, as admission control lets them in, plus the attack
// its DDoS protection lets through) exceeds the hosting's capacity.
func (g *region) overloadAt(e faults.Effect) (time.Duration, bool) {
	capacity := rules.Capacity(g.h, g.h.AppReplicas)
	var admit float64
	if g.h.MaxSessions > 0 {
		admit = float64(g.h.MaxSessions) * rules.RequestsPerUserSecond(g.r.Workload)
	}
	at, found := time.Duration(0), false
	sampleWindow(loadWindow{from: e.At, to: e.End()}, func(t time.Duration) {
		if found {
			return
		}
		users, attack := demand(g, g.run.plan, t)
		if admit > 0 {
			users = min(users, admit)
		}
		if users+attack*rules.AttackPass(g.h.DDoSProtection) > capacity {
			at, found = t, true
		}
	})
	return at, found
}
