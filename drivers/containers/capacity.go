package containers

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

const (
	// capacityStep is how long each rate is held while measuring a stack's
	// capacity.
	capacityStep = 3 * time.Second
	// capacitySuccess and capacityP95 are the SLO a rate must meet to
	// count as within capacity: what the prober would see as served.
	capacitySuccess = 0.99
	capacityP95     = 250 * time.Millisecond
	// capacityFloor is the lowest rate tried.
	capacityFloor = 20.0
)

// mapping maps a region's experiment load onto its real stack, so that
// demand over capacity on the stack is the experiment's.
type mapping struct {
	// measured is the stack's capacity, and exp the hosting's
	// (app_replicas x replica_rps), both in requests per second.
	measured, exp float64
	// admit is admission control's real request rate (max_sessions users'
	// requests, mapped); 0 without admission control.
	admit float64
}

// realRate maps an experiment request rate to the rate sent to the stack.
func (m mapping) realRate(rate float64) float64 {
	if m.exp <= 0 {
		return 0
	}
	return rate * m.measured / m.exp
}

// newMapping builds the mapping of hosting h from a measured capacity.
func newMapping(h *experiments.Hosting, w *experiments.Workload, measured float64) mapping {
	m := mapping{measured: measured, exp: rules.Capacity(h, h.AppReplicas)}
	if h.MaxSessions > 0 {
		m.admit = m.realRate(float64(h.MaxSessions) * rules.RequestsPerUserSecond(w))
	}
	return m
}

// needsLoad says whether any load effect acts on the region: only those
// regions have their capacity measured and their load generated.
func needsLoad(effects []faults.Effect, g *region) bool {
	for _, e := range effects {
		if (e.Action == faults.Surge || e.Action == faults.Flood) && rules.Touches(&e, g.r, rules.Datacenters(g.h)) {
			return true
		}
	}
	return false
}

// measureCapacity finds the highest request rate the region's stack serves
// within the SLO (capacitySuccess answered 2xx, p95 under capacityP95):
// rates doubling from capacityFloor until one fails, then two bisections.
// It runs while no other load runs on the host, so that what it measures
// is the stack, not the host.
func measureCapacity(ctx context.Context, entry string, from float64) (float64, error) {
	good, bad := 0.0, 0.0
	var last vegeta.Metrics
	try := func(rate float64) (bool, error) {
		atk := vegeta.NewAttacker(vegeta.Timeout(loadTimeout), vegeta.KeepAlive(true), vegeta.Workers(32),
			vegeta.MaxWorkers(uint64(rate*loadTimeout.Seconds()*1.5)+32), vegeta.Connections(256), vegeta.MaxBody(0))
		var m vegeta.Metrics
		done := make(chan struct{})
		go func() {
			select {
			case <-ctx.Done():
				atk.Stop()
			case <-done:
			}
		}()
		for r := range atk.Attack(pupilTargeter(entry), vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}, capacityStep, "capacity") {
			m.Add(r)
		}
		close(done)
		m.Close()
		if err := ctx.Err(); err != nil {
			return false, err
		}
		// Let the queues drain before the next step.
		if !sleepUntil(ctx, time.Now().Add(time.Second)) {
			return false, ctx.Err()
		}
		last = m
		return m.Success >= capacitySuccess && m.Latencies.P95 < capacityP95, nil
	}
	// The host is shared: a step that fails is tried once more before it
	// counts, so that a neighbour's burst does not pass for the stack's
	// limit (an underestimate would make a real overload look served).
	once := try
	try = func(rate float64) (bool, error) {
		ok, err := once(rate)
		if err != nil || ok {
			return ok, err
		}
		return once(rate)
	}
	// A first step at the floor warms the stack up (connection pools,
	// caches) and does not count.
	if _, err := try(capacityFloor); err != nil {
		return 0, err
	}
	for rate := max(from, capacityFloor); rate <= maxRPS; rate *= 2 {
		ok, err := try(rate)
		if err != nil {
			return 0, err
		}
		if !ok {
			bad = rate
			break
		}
		good = rate
	}
	if good == 0 {
		return 0, fmt.Errorf("the stack does not serve %.0f requests/s within the SLO (%.1f%% answered 2xx, p95 %s, errors %v)",
			capacityFloor, 100*last.Success, last.Latencies.P95, last.Errors)
	}
	if bad == 0 {
		// It served the generator's ceiling: that is its capacity here.
		return good, nil
	}
	for range 2 {
		mid := (good + bad) / 2
		ok, err := try(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	return confirm(ctx, good, func(rate float64) (bool, error) { return try(rate) })
}

// confirmFor is how long the capacity found must hold: a rate that a few
// seconds serve within the SLO may still build a queue over minutes,
// and admission control admits exactly the capacity.
const confirmFor = 3 * capacityStep

// confirm holds rate for confirmFor, stepping down by 10 % until the
// stack holds it (at most three times).
func confirm(ctx context.Context, rate float64, try func(float64) (bool, error)) (float64, error) {
	for range 3 {
		ok := true
		for range confirmFor / capacityStep {
			held, err := try(rate)
			if err != nil {
				return 0, err
			}
			ok = ok && held
		}
		if ok {
			return rate, nil
		}
		rate *= 0.9
	}
	return rate, nil
}

// note says how the region's load maps onto its stack, for the report.
func (m mapping) note(g *region) string {
	s := fmt.Sprintf("%s: the stack serves %.0f requests/s within the SLO (measured); the hosting's capacity is %.0f (%d app servers x %.0f), so 1 real request stands for %.1f of the experiment's",
		g.r.Name, m.measured, m.exp, g.h.AppReplicas, g.h.ReplicaRPS, m.exp/m.measured)
	if g.appCPU > 0 {
		s += fmt.Sprintf("; its app servers were cut to %.3g CPU each so that the load's peak stays within what the host can send", g.appCPU)
	}
	if m.admit > 0 {
		s += fmt.Sprintf("; admission control lets in %.0f requests/s (max_sessions %d x %.3g requests/s each, mapped)", m.admit, g.h.MaxSessions, rules.RequestsPerUserSecond(g.r.Workload))
	}
	return s
}

// hostRPSPerCore is the request rate (generated and served) one core of
// this host carries with every stack's share of it, as measured on the
// project's 2-core CI machine: above it, the generator and the stacks
// compete for the CPU and the host, not the stack, sets what is served.
const hostRPSPerCore = 400

// hostBudget is the real request rate the host may carry at once.
func hostBudget() float64 { return hostRPSPerCore * float64(runtime.NumCPU()) }

// lanes decides when each region's clock starts. Regions whose load
// phases would together ask the host for more than budget requests per
// second run them one after the other: a lane starts its clock once the
// load phases of the lane before it are over. It returns each region's
// offset, and notes saying so.
func lanes(regions []*region, effects []faults.Effect, budget float64) ([]time.Duration, []string) {
	type phase struct {
		from, to time.Duration // experiment time
		peak     float64       // real requests/s
	}
	byRegion := make([][]phase, len(regions))
	for i, g := range regions {
		for _, e := range effects {
			if (e.Action != faults.Surge && e.Action != faults.Flood) || !rules.Touches(&e, g.r, rules.Datacenters(g.h)) {
				continue
			}
			ph := phase{from: e.At, to: e.End()}
			for t := e.At; t <= e.End(); t += max(e.For/100, time.Second) {
				users := rules.Online(g.r, g.run.exp.Start, t) * rules.Surge(effects, g.r.Name, t) * rules.RequestsPerUserSecond(g.r.Workload)
				if e.Action == faults.Flood {
					users += e.RPS
				}
				ph.peak = max(ph.peak, min(g.mapping.realRate(users), maxRPS*2))
			}
			byRegion[i] = append(byRegion[i], ph)
		}
	}
	offsets := make([]time.Duration, len(regions))
	var laneOf []int
	var lanePhases [][]phase
	for i := range regions {
		placed := -1
		for l, ps := range lanePhases {
			fits := true
			for _, a := range byRegion[i] {
				load := a.peak
				for _, b := range ps {
					if a.from < b.to && b.from < a.to {
						load += b.peak
					}
				}
				if load > budget {
					fits = false
				}
			}
			if fits {
				placed = l
				break
			}
		}
		if placed < 0 {
			lanePhases = append(lanePhases, nil)
			placed = len(lanePhases) - 1
		}
		lanePhases[placed] = append(lanePhases[placed], byRegion[i]...)
		laneOf = append(laneOf, placed)
	}
	if len(lanePhases) <= 1 {
		return offsets, nil
	}
	// A lane's load phases start when the previous lane's are over, in
	// wall time: the gap in experiment time compressed, and a margin for
	// the mechanisms that ran at 1:1.
	scale := regions[0].run.exp.TimeScale
	starts := make([]time.Duration, len(lanePhases))
	for l := 1; l < len(lanePhases); l++ {
		var end time.Duration
		for _, ph := range lanePhases[l-1] {
			end = max(end, ph.to)
		}
		from := end
		for _, ph := range lanePhases[l] {
			from = min(from, ph.from)
		}
		starts[l] = starts[l-1] + time.Duration(float64(end-from)/scale) + 10*time.Second
	}
	var names [][]string = make([][]string, len(lanePhases))
	for i, g := range regions {
		offsets[i] = starts[laneOf[i]]
		names[laneOf[i]] = append(names[laneOf[i]], g.r.Name)
	}
	var notes []string
	for l, ns := range names {
		notes = append(notes, fmt.Sprintf("lane %d (clocks start %s after the first): %s", l+1, starts[l].Round(time.Second), strings.Join(ns, ", ")))
	}
	notes = append([]string{fmt.Sprintf("the host carries about %.0f requests/s at once (%d cores x %d); the load phases did not fit together, so the regions ran in %d lanes, one after the other", budget, runtime.NumCPU(), hostRPSPerCore, len(lanePhases))}, notes...)
	return offsets, notes
}

// regionPeakRPS is the real request rate, users' and attackers' together,
// that a region's load phases may reach at their peak: what lets a few
// regions share the host at once. A stack serving more than that over the
// peak's multiple of capacity has its app servers' CPU cut until it does
// not, and is measured again: its capacity is then constrained to a
// figure the host can overload, and measured.
const regionPeakRPS = 500

// loadEdgeCPUs is the CPU of the edge of a region that load effects act
// on.
const loadEdgeCPUs = 0.75

// cpuPeriod is the CFS period of a constrained app server: 10 ms instead
// of Docker's 100 ms, so that a small quota stalls the server for
// milliseconds, not for most of a second. The kernel's smallest quota (1
// ms) makes minAppCPU.
const (
	cpuPeriod = 10 * time.Millisecond
	minAppCPU = 0.1
)

// peakMultiple is the highest demand over capacity the region's load
// effects bring: users (surges multiplying) plus attack traffic, over
// app_replicas x replica_rps.
func peakMultiple(g *region, effects []faults.Effect) float64 {
	capExp := rules.Capacity(g.h, g.h.AppReplicas)
	if capExp <= 0 {
		return 0
	}
	exp := g.run.exp
	peak := 0.0
	for _, e := range effects {
		if (e.Action != faults.Surge && e.Action != faults.Flood) || !rules.Touches(&e, g.r, rules.Datacenters(g.h)) {
			continue
		}
		for t := e.At; t <= e.End(); t += max(e.For/100, time.Second) {
			d := rules.Online(g.r, exp.Start, t) * rules.Surge(effects, g.r.Name, t) * rules.RequestsPerUserSecond(g.r.Workload)
			for _, f := range effects {
				if f.Action == faults.Flood && t >= f.At && t < f.End() && rules.Touches(&f, g.r, nil) {
					d += f.RPS
				}
			}
			peak = max(peak, d/capExp)
		}
	}
	return peak
}

// calibrate measures the region's capacity and, when its load would peak
// above regionPeakRPS, cuts its app servers' CPU in proportion and
// measures again. It returns the capacity to map to.
func (g *region) calibrate(ctx context.Context, effects []faults.Effect) (float64, error) {
	// The edge stands for the provider's front (anycast, a CDN, a
	// scrubbing centre): turning a flood or a surge away must not cost the
	// edge more CPU than it has, or the edge, not the app servers the
	// experiment sizes, would set what is served.
	if _, err := g.run.cli.ContainerUpdate(ctx, g.edge.id, client.ContainerUpdateOptions{Resources: &container.Resources{NanoCPUs: int64(loadEdgeCPUs * 1e9)}}); err != nil {
		return 0, fmt.Errorf("give the edge of %s %.2g CPU: %w", g.r.Name, loadEdgeCPUs, err)
	}
	c, err := measureCapacity(ctx, g.entry, 2*capacityFloor)
	if err != nil {
		return 0, err
	}
	mult := peakMultiple(g, effects)
	if mult <= 0 {
		return c, nil
	}
	target := regionPeakRPS / mult
	if c <= 1.15*target || g.cpuOfApps() <= minAppCPU {
		return c, nil
	}
	g.appCPU = max(minAppCPU, g.cpuOfApps()*target/c)
	for _, a := range g.mine(func(c *ctr) bool { return c.role == roleApp }) {
		if err := g.run.constrain(ctx, a, g.appCPU); err != nil {
			return 0, err
		}
	}
	return measureCapacity(ctx, g.entry, target/2)
}

// constrain sets a container's CPU quota, over cpuPeriod.
func (r *run) constrain(ctx context.Context, c *ctr, cpus float64) error {
	res := &container.Resources{CPUPeriod: cpuPeriod.Microseconds(), CPUQuota: int64(cpus * float64(cpuPeriod.Microseconds()))}
	if _, err := r.cli.ContainerUpdate(ctx, c.id, client.ContainerUpdateOptions{Resources: res}); err != nil {
		return fmt.Errorf("constrain %s to %.3g CPU: %w", c.name, cpus, err)
	}
	return nil
}

// cpuOfApps is the CPU quota of each of the region's app servers.
func (g *region) cpuOfApps() float64 {
	if g.appCPU > 0 {
		return g.appCPU
	}
	return appCPUs
}
