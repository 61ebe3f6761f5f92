package containers

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
)

// lagEvery spaces the replication-lag samples: often enough to see the
// lag the teachers' writes cause, rarely enough not to load the host.
const lagEvery = 5 * time.Second

// measuredMechs is what a region's real mechanisms showed, for calibrate.
type measuredMechs struct {
	mu    sync.Mutex
	steps []engine.Step
	lag   time.Duration
	// lagSampled says at least one sample was read.
	lagSampled   bool
	restoreBytes float64
	restoreTook  time.Duration
}

// stepDone records a recovery step that ended now on the region's clock.
func (g *region) stepDone(kind engine.StepKind, basis engine.Basis, took time.Duration) {
	g.mech.mu.Lock()
	defer g.mech.mu.Unlock()
	g.mech.steps = append(g.mech.steps, engine.Step{Kind: kind, Basis: basis, End: g.clock.now(), Took: took})
}

// sampleLag reads the standby's replay lag on the primary every lagEvery
// until a fault hits the region (then the figure would be the fault's, not
// the replication's) or ctx ends. The largest sample is kept: an async
// standby loses what it trails by at the worst moment, not on average.
func (g *region) sampleLag(ctx context.Context) {
	for platform.Sleep(ctx, lagEvery) {
		g.mu.Lock()
		hit, primary, standby := len(g.hitBy) > 0, g.primary, g.standby
		g.mu.Unlock()
		if hit || primary == nil || standby == nil {
			return
		}
		out, err := g.run.exec(ctx, primary, "postgres", "psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "ent", "-c",
			"SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication LIMIT 1")
		if err != nil || out.Code != 0 {
			continue
		}
		s, err := strconv.ParseFloat(strings.TrimSpace(out.Stdout), 64)
		if err != nil {
			continue // no standby connected yet: no row
		}
		d := time.Duration(s * float64(time.Second))
		g.mech.mu.Lock()
		g.mech.lag, g.mech.lagSampled = max(g.mech.lag, d), true
		g.mech.mu.Unlock()
	}
}

// mechanisms fills the observation's steps and measured mechanisms.
func (g *region) mechanisms(ro *engine.RegionObservation) {
	g.mech.mu.Lock()
	defer g.mech.mu.Unlock()
	ro.Steps = append(ro.Steps, g.mech.steps...)
	m := &engine.Mechanisms{
		ReplicationLag: g.mech.lag, LagSampled: g.mech.lagSampled,
		RestoreBytes: g.mech.restoreBytes, RestoreTook: g.mech.restoreTook,
		Scale: g.run.scale,
	}
	if g.mapping.measured > 0 {
		m.CapacityRPS, m.AppServers = g.mapping.measured, g.appsAtStart()
	}
	ro.Mechanisms = m
}

// faultServed counts the users' requests in each fault's span, from the
// same one-second series the outages are read from.
func faultServed(p *engine.Plan, served []engine.Sample, rps float64) []engine.SpanServed {
	var out []engine.SpanServed
	for _, fs := range engine.FaultSpans(p) {
		d, v := demandedIn(served, fs.Span, rps)
		out = append(out, engine.SpanServed{Fault: fs.Fault, Span: fs.Span, Demanded: d, Delivered: v})
	}
	return out
}
