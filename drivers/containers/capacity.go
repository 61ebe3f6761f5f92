package containers

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

const (
	// capacityStep is how long each saturation window lasts while
	// measuring a stack's capacity.
	capacityStep = 3 * time.Second
	// capacityWorkers is how many requests are in flight while the stack's
	// throughput is measured at saturation: enough to keep every app
	// server busy, few enough that latency (workers / throughput) stays far
	// from loadTimeout.
	capacityWorkers = 32
	// capacityWindows is how many saturation windows are measured; their
	// median is the estimate, so that one window a neighbour disturbed
	// (a checkpoint, a burst of the host) does not set it.
	capacityWindows = 3
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

// needsLoad says whether any load effect acts on the region, or its
// users' daily demand gets a stream (needsDaily): only those regions have
// their capacity measured and their load generated.
func needsLoad(effects []faults.Effect, g *region) bool {
	return len(loadWindows(effects, g)) > 0 || needsDaily(g, effects)
}

// measureCapacity measures the stack's capacity: its throughput at
// saturation, capacityWorkers requests always in flight (vegeta with as
// many workers as it may have, so that a worker sends as soon as its answer
// is in), the median of capacityWindows windows.
//
// That is what replica_rps means on the model: an app server's workers
// over their service time, the rate at which its queue saturates
// (drivers/model/latency.go). Mapped to it, a load at a given share of the
// hosting's capacity keeps the real servers busy that share of the time,
// so that utilisation, and the queueing and response time it brings, mean
// the same on both drivers. Throughput at saturation averages every request
// of a window, where a pass/fail search on a p95 fails a whole step on one
// stall: on this 2-core host such a search found anything from a third to
// all of a stack's capacity from run to run.
//
// It runs while no other load runs on the host, so that what it measures
// is the stack, not the host.
func measureCapacity(ctx context.Context, entry string) (float64, error) {
	// A first window warms the stack up (connection pools, caches) and
	// does not count.
	if _, err := saturate(ctx, entry, time.Second); err != nil {
		return 0, err
	}
	var xs []float64
	var last *vegeta.Metrics
	for range capacityWindows {
		m, err := saturate(ctx, entry, capacityStep)
		if err != nil {
			return 0, err
		}
		xs, last = append(xs, m.Throughput), m
	}
	slices.Sort(xs)
	x := xs[len(xs)/2]
	if x < 1 {
		return 0, fmt.Errorf("the stack served under 1 request/s at saturation (%d requests, status codes %v, errors %v)",
			last.Requests, last.StatusCodes, last.Errors)
	}
	return x, nil
}

// saturate keeps capacityWorkers requests in flight for d; the metrics'
// Throughput is the rate of 2xx answers.
func saturate(ctx context.Context, entry string, d time.Duration) (*vegeta.Metrics, error) {
	atk := vegeta.NewAttacker(vegeta.Timeout(loadTimeout), vegeta.KeepAlive(true), vegeta.Workers(capacityWorkers),
		vegeta.MaxWorkers(capacityWorkers), vegeta.Connections(capacityWorkers), vegeta.MaxBody(0))
	// A pacer far above any stack's rate: the workers, not the pacer,
	// set the pace.
	return attack(ctx, atk, entry, vegeta.ConstantPacer{Freq: 100 * maxRPS, Per: time.Second}, d)
}

// attack runs one measuring attack of users' requests and lets the queues
// drain before returning its metrics.
func attack(ctx context.Context, atk *vegeta.Attacker, entry string, p vegeta.Pacer, d time.Duration) (*vegeta.Metrics, error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	var m vegeta.Metrics
	for r := range atk.Attack(pupilTargeter(entry), p, d, "capacity") {
		m.Add(r)
	}
	m.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !platform.Sleep(ctx, time.Second) {
		return nil, ctx.Err()
	}
	return &m, nil
}

// note says how the region's load maps onto its stack, for the report.
func (m mapping) note(g *region) string {
	s := fmt.Sprintf("%s: the stack serves %.0f requests/s at saturation (measured); the hosting's capacity is %.0f (%d app servers x %.0f), so 1 real request stands for %.1f of the experiment's",
		g.r.Name, m.measured, m.exp, g.h.AppReplicas, g.h.ReplicaRPS, m.exp/m.measured)
	if g.appRate > 0 {
		s += fmt.Sprintf("; each app server's worker pool was set to %.0f requests/s so that the load's peak stays within what the host can send", g.appRate)
		if pools := g.appRate * float64(g.appsAtStart()); m.measured < 0.8*pools {
			s += fmt.Sprintf("; UNRELIABLE: that is %.0f%% of its pools' %.0f, so something other than the pools (the CPU, the database) set the capacity, and may not hold it steady", 100*m.measured/pools, pools)
		}
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
	// One phase per window of load effects: its users' stream and its
	// floods, each sent by a generator capped at maxRPS.
	byRegion := make([][]phase, len(regions))
	for i, g := range regions {
		for _, w := range loadWindows(effects, g) {
			ph := phase{from: w.from, to: w.to}
			sampleWindow(w, func(t time.Duration) {
				u, a := demand(g, effects, t)
				ph.peak = max(ph.peak, min(g.mapping.realRate(u), maxRPS)+min(g.mapping.realRate(a), maxRPS))
			})
			byRegion[i] = append(byRegion[i], ph)
		}
		// The users' daily stream, an hour of experiment time at a time,
		// so that regions whose peaks do not meet may share a lane.
		if !needsDaily(g, effects) {
			continue
		}
		for _, w := range dailyPhases(g, effects) {
			ph := phase{from: w.from, to: w.to}
			sampleDaily(w, func(t time.Duration) { ph.peak = max(ph.peak, min(g.dailyRate(t), maxRPS)) })
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
// regions share the host at once. The app servers' worker pools are sized
// so that the peak's multiple of their capacity stays under it (poolRate).
const regionPeakRPS = 500

// loadEdgeCPUs is the CPU of the edge of a region that load effects act
// on.
const loadEdgeCPUs = 0.75

// demand is what the region's users and attackers ask of it at
// experiment time t, in the experiment's requests per second: the users
// online (the surges multiplying them) and the attack traffic of the
// floods under way.
func demand(g *region, effects []faults.Effect, t time.Duration) (users, attack float64) {
	users = rules.Online(g.r, g.run.exp.Start, t) * rules.Surge(effects, g.r.Name, t) * rules.RequestsPerUserSecond(g.r.Workload)
	for _, f := range effects {
		if f.Action == faults.Flood && t >= f.At && t < f.End() && rules.Touches(&f, g.r, nil) {
			attack += f.RPS
		}
	}
	return users, attack
}

// sampleWindow calls f at a hundred or more instants of w, a second
// apart at least, and at its end.
func sampleWindow(w loadWindow, f func(t time.Duration)) {
	step := max((w.to-w.from)/200, time.Second)
	for t := w.from; t < w.to; t += step {
		f(t)
	}
	f(w.to)
}

// peakMultiple is the highest demand over capacity the region's load
// effects bring: users (surges multiplying) plus attack traffic, over
// app_replicas x replica_rps; and its users' daily peak, when a stream
// carries it (needsDaily).
func peakMultiple(g *region, effects []faults.Effect) float64 {
	capExp := rules.Capacity(g.h, g.h.AppReplicas)
	if capExp <= 0 {
		return 0
	}
	peak := 0.0
	for _, w := range loadWindows(effects, g) {
		sampleWindow(w, func(t time.Duration) {
			u, a := demand(g, effects, t)
			peak = max(peak, (u+a)/capExp)
		})
	}
	if d := dailyPeak(g, effects); d >= dailyFloor {
		peak = max(peak, d)
	}
	return peak
}

// poolRate is the request rate each of the region's app servers' worker
// pools serves: the region's capacity, regionPeakRPS over the load's peak
// multiple, shared by the app servers that start in the primary
// datacenter. A pool, not the CPU, sets capacity: a CPU quota small
// enough for the host to overload served from a third to all of the
// rate measured for it, from one minute to the next on this 2-core host.
func (g *region) poolRate(effects []faults.Effect) float64 {
	mult := peakMultiple(g, effects)
	if mult <= 0 {
		return 0
	}
	return min(maxPoolRate, regionPeakRPS/mult/float64(g.appsAtStart()))
}

// maxPoolRate is the highest pool rate an app server's CPU (appCPUs)
// serves with room to spare, so that the pool, not the CPU, sets its
// capacity. Measured on the 2-core CI host during the lockdown
// experiment: pools of 101-186 requests/s measured 0.87 of their rate
// (the 0.9 confirmation below saturation), one of 201 measured 0.71, and
// one of 335 measured 9 requests/s, the CPU quota throttling it into
// timeouts.
const maxPoolRate = 150

// appsAtStart is how many app servers the region starts with, in its
// primary datacenter.
func (g *region) appsAtStart() int { return min(max(g.h.AppReplicas, 1), maxAppsPerDC) }

// calibrate measures the capacity of the region's stack, to map its load
// to.
func (g *region) calibrate(ctx context.Context) (float64, error) {
	// The edge stands for the provider's front (anycast, a CDN, a
	// scrubbing centre): turning a flood or a surge away must not cost the
	// edge more CPU than it has, or the edge, not the app servers the
	// experiment sizes, would set what is served.
	if err := g.run.p.SetCPUs(ctx, g.edge.id, loadEdgeCPUs); err != nil {
		return 0, fmt.Errorf("give the edge of %s %.2g CPU: %w", g.r.Name, loadEdgeCPUs, err)
	}
	return measureCapacity(ctx, g.entry)
}
