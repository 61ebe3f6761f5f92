// Package model is the embedded simulation driver: a deterministic,
// time-stepped simulation of every region of an experiment at full scale.
//
// Per region, the database's fate is decided event by event from the plan's
// effects (the recovery rules in the README: failover, else restore the
// newest surviving backup, else wait for power, else unrecoverable). Service
// is then integrated over the horizon in one-minute steps: demand is
// users x peak_concurrency x profile x surge, in requests per second at
// requests_per_user_minute; capacity is live app replicas x replica_rps.
// Admission control serves the admitted and turns the rest away; without it,
// demand above capacity collapses goodput as C x exp(-alpha (O/C - 1)).
// Attack traffic passes ddos_protection (none 100 %, rate_limit 10 %,
// scrubbing 0.1 %). Acknowledged writes are writes_per_user_hour per
// admitted online user, times the success ratio; lost writes are those
// acknowledged inside the loss window.
package model

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Constants of the model, each with its reason.
const (
	// step is the integration step: fine enough for minute-scale RTOs.
	step = time.Minute
	// collapseAlpha shapes congestion collapse: at twice capacity without
	// admission control, goodput falls to e^-2 = 14 % of capacity (timeouts,
	// retries and thrashing feed on each other).
	collapseAlpha = 2.0
	// rateLimitPass: per-IP rate limits let most of a wide botnet through.
	rateLimitPass = 0.1
	// scrubbingPass: scrubbing centres drop nearly all attack traffic.
	scrubbingPass = 0.001
	// serviceTime is a request's base service time; a synchronous commit
	// across added latency stretches it, shrinking capacity.
	serviceTime = 50 * time.Millisecond
)

// Driver is the model driver. The zero value is ready; it is safe for
// concurrent use.
type Driver struct{}

// New returns a model driver.
func New() *Driver { return &Driver{} }

// Name implements engine.Driver.
func (*Driver) Name() string { return "model" }

// Run implements engine.Driver.
func (*Driver) Run(ctx context.Context, p *engine.Plan) (*engine.Observation, error) {
	obs := &engine.Observation{}
	for _, r := range p.Experiment.Regions {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		obs.Regions = append(obs.Regions, simulate(p, r))
	}
	return obs, nil
}

const never = time.Duration(math.MaxInt64)

// world answers questions about datacenters under the plan's effects.
type world struct {
	effects []faults.Effect
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// goneAt is when the datacenter's data was lost (destroyed or disks lost).
func (w world) goneAt(dc string) time.Duration {
	for _, e := range w.effects {
		if (e.Action == faults.Destroy || e.Action == faults.LoseDisk) && has(e.Datacenters, dc) {
			return e.At
		}
	}
	return never
}

func (w world) destroyedAt(dc string) time.Duration {
	for _, e := range w.effects {
		if e.Action == faults.Destroy && has(e.Datacenters, dc) {
			return e.At
		}
	}
	return never
}

// up says whether the datacenter runs at t.
func (w world) up(dc string, t time.Duration) bool {
	if w.destroyedAt(dc) <= t {
		return false
	}
	for _, e := range w.effects {
		if e.Action == faults.PowerOff && has(e.Datacenters, dc) && e.At <= t && t < e.End() {
			return false
		}
	}
	return true
}

// nextUp is the first moment at or after t when the datacenter runs.
func (w world) nextUp(dc string, t time.Duration) time.Duration {
	if w.destroyedAt(dc) <= t {
		return never
	}
	for i := 0; i < len(w.effects)+1; i++ {
		moved := false
		for _, e := range w.effects {
			if e.Action == faults.PowerOff && has(e.Datacenters, dc) && e.At <= t && t < e.End() {
				t, moved = e.End(), true
			}
		}
		if !moved {
			break
		}
	}
	if w.destroyedAt(dc) <= t {
		return never
	}
	return t
}

// firstDown is when the datacenter first stops (destroyed, disks lost or
// powered off) at or after from.
func (w world) firstDown(dc string) (time.Duration, faults.Effect, bool) {
	for _, e := range w.effects {
		switch e.Action {
		case faults.Destroy, faults.LoseDisk, faults.PowerOff:
			if has(e.Datacenters, dc) {
				return e.At, e, true
			}
		}
	}
	return 0, faults.Effect{}, false
}

func between(e faults.Effect, a, b string) bool {
	return (has(e.Datacenters, a) && has(e.Peers, b)) || (has(e.Datacenters, b) && has(e.Peers, a))
}

type sim struct {
	p   *engine.Plan
	r   *experiments.Region
	h   *experiments.Hosting
	w   world
	obs engine.RegionObservation
	// dbDown are spans without a database.
	dbDown []engine.Span
	loss   *engine.Span
	hit    map[string]bool
}

func (s *sim) event(at time.Duration, kind engine.EventKind, fault string, took time.Duration, format string, args ...any) {
	if !s.p.Detail {
		return
	}
	s.obs.Timeline = append(s.obs.Timeline, engine.Event{At: at, Kind: kind, Text: fmt.Sprintf(format, args...), Basis: engine.Modeled, Fault: fault, Took: took})
}

func simulate(p *engine.Plan, r *experiments.Region) engine.RegionObservation {
	s := &sim{p: p, r: r, h: r.Hosting, w: world{effects: p.Effects}, hit: map[string]bool{}}
	s.obs = engine.RegionObservation{Region: r.Name, Hosting: r.Hosting.Name, Recovery: engine.RecoveryNone}
	horizon := p.Experiment.Duration
	mine := map[string]bool{s.h.Primary.Name: true}
	if s.h.Standby != nil {
		mine[s.h.Standby.Name] = true
	}
	for _, b := range s.h.Backups {
		mine[b.To.Name] = true
	}
	for _, e := range p.Effects {
		touched := has(e.Regions, r.Name)
		for _, d := range append(append([]string{}, e.Datacenters...), e.Peers...) {
			if mine[d] && e.Action != faults.Partition && e.Action != faults.Latency {
				touched = true
			}
		}
		if (e.Action == faults.Partition || e.Action == faults.Latency) && s.h.Standby != nil && between(e, s.h.Primary.Name, s.h.Standby.Name) {
			touched = true
		}
		if touched && !s.hit[e.Fault] {
			s.hit[e.Fault] = true
			s.obs.HitBy = append(s.obs.HitBy, e.Fault)
			s.event(e.At, engine.EventFault, e.Fault, 0, "%s injected", e.Fault)
		}
	}
	recovery := s.database(horizon)
	s.integrate(horizon, recovery)
	sort.SliceStable(s.obs.Timeline, func(i, j int) bool { return s.obs.Timeline[i].At < s.obs.Timeline[j].At })
	return s.obs
}

// database decides the primary database's fate and returns how it came back.
func (s *sim) database(horizon time.Duration) engine.Recovery {
	h := s.h
	for _, e := range s.p.Effects {
		if e.Action == faults.Crash && e.Target == "database" && has(e.Regions, s.r.Name) {
			s.dbDown = append(s.dbDown, engine.Span{Start: e.At, End: e.At + h.Restart})
			s.event(e.At, engine.EventDown, e.Fault, 0, "database process crashed")
			s.event(e.At+h.Restart, engine.EventUp, e.Fault, h.Restart, "database process restarted")
		}
		if e.Action == faults.Partition && h.Standby != nil && h.Replication == experiments.ReplicationSync && between(e, h.Primary.Name, h.Standby.Name) {
			s.dbDown = append(s.dbDown, engine.Span{Start: e.At, End: e.End()})
			s.event(e.At, engine.EventDown, e.Fault, 0, "synchronous commits block: standby unreachable")
		}
	}
	tf, cause, failed := s.w.firstDown(h.Primary.Name)
	if !failed || tf >= horizon {
		return ""
	}
	dataLost := s.w.goneAt(h.Primary.Name) <= tf
	what := "powered off"
	if dataLost {
		what = "destroyed"
		if cause.Action == faults.LoseDisk {
			what = "lost its disks"
		}
	}
	s.event(tf, engine.EventDown, cause.Fault, 0, "primary database in %s %s", h.Primary.Name, what)
	detect := tf + h.Detection
	s.event(detect, engine.EventDetected, cause.Fault, h.Detection, "failure detected")
	decide := detect
	if h.Failover == experiments.FailoverManual {
		decide += h.OperatorResponse
	}
	// 1. failover to a usable standby.
	if h.Standby != nil && h.Replication != experiments.ReplicationNone && s.w.up(h.Standby.Name, decide) && s.w.goneAt(h.Standby.Name) > decide {
		back := decide + h.Promotion
		s.event(decide, engine.EventFailoverStart, "", 0, "promoting the standby in %s", h.Standby.Name)
		s.event(back, engine.EventFailoverDone, "", h.Promotion, "standby in %s is the new primary", h.Standby.Name)
		s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: back})
		if h.Replication == experiments.ReplicationAsync {
			lag := h.ReplicationLag
			for _, e := range s.p.Effects {
				if e.At > tf || !between(e, h.Primary.Name, h.Standby.Name) {
					continue
				}
				if e.Action == faults.Partition && e.End() > tf {
					lag = max(lag, tf-e.At)
				}
				if e.Action == faults.Latency && e.End() > tf {
					lag += e.Delay
				}
			}
			// the old primary is abandoned even when only powered off: what
			// the standby had not received is lost.
			s.loss = &engine.Span{Start: max(0, tf-lag), End: tf}
		}
		return engine.RecoveryFailover
	}
	if h.Standby != nil && h.Replication != experiments.ReplicationNone {
		s.event(decide, engine.EventDown, "", 0, "standby in %s unavailable: no failover", h.Standby.Name)
	}
	// 2. restore the newest surviving backup.
	if dataLost {
		start := detect + h.OperatorResponse
		bestT, bestDC, found := time.Duration(0), "", false
		for _, b := range h.Backups {
			bt, ok := lastBackup(s.p.Experiment, b, tf)
			if !ok || s.w.goneAt(b.To.Name) < never {
				continue
			}
			if !found || bt > bestT {
				bestT, bestDC, found = bt, b.To.Name, true
			}
		}
		if !found {
			s.event(tf, engine.EventUnrecoverable, cause.Fault, 0, "no copy of the data survived")
			s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: horizon})
			s.loss = &engine.Span{Start: 0, End: tf}
			s.obs.AllDataLost = true
			return engine.RecoveryUnrecoverable
		}
		target := s.restoreTarget(bestDC, start)
		ready := start
		if target == "" {
			ready = never
		} else {
			ready = max(s.w.nextUp(bestDC, start), s.w.nextUp(target, start))
		}
		if ready == never || ready >= horizon {
			s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: horizon})
			s.loss = &engine.Span{Start: bestT, End: tf}
			s.event(start, engine.EventRestoreStart, "", 0, "waiting for the backup in %s to be reachable", bestDC)
			return engine.RecoveryPending
		}
		took := h.Provisioning
		if h.RestoreRate > 0 {
			took += time.Duration(float64(s.r.DataSize) / h.RestoreRate * float64(time.Second))
		}
		s.event(ready, engine.EventRestoreStart, "", 0, "restoring the %s backup from %s into %s", s.p.Experiment.Start.Add(bestT).Format("Jan 2 15:04"), bestDC, target)
		s.event(ready+took, engine.EventRestoreDone, "", took, "restored into %s", target)
		s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: min(horizon, ready+took)})
		s.loss = &engine.Span{Start: bestT, End: tf}
		if ready+took >= horizon {
			return engine.RecoveryPending
		}
		return engine.RecoveryRestore
	}
	// 3. wait for power.
	on := s.w.nextUp(h.Primary.Name, tf)
	if on == never || on+h.Restart >= horizon {
		s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: horizon})
		return engine.RecoveryPending
	}
	s.event(on+h.Restart, engine.EventUp, "", h.Restart, "power back in %s, database restarted", h.Primary.Name)
	s.dbDown = append(s.dbDown, engine.Span{Start: tf, End: on + h.Restart})
	return engine.RecoveryPowerBack
}

func (s *sim) restoreTarget(backupDC string, t time.Duration) string {
	h := s.h
	cands := []string{}
	if h.RestoreTo != nil {
		cands = append(cands, h.RestoreTo.Name)
	}
	if h.Standby != nil {
		cands = append(cands, h.Standby.Name)
	}
	cands = append(cands, backupDC)
	var others []string
	for _, d := range s.p.Experiment.Datacenters {
		if d.Provider == h.Primary.Provider && d.Name != h.Primary.Name {
			others = append(others, d.Name)
		}
	}
	sort.Strings(others)
	cands = append(cands, others...)
	best, bestAt := "", never
	for _, c := range cands {
		if at := s.w.nextUp(c, t); at < bestAt {
			best, bestAt = c, at
		}
	}
	return best
}

// lastBackup is the newest backup of schedule b taken at or before t.
// Backups run at midnight(start) + Offset + k x Every, k possibly negative.
func lastBackup(e *experiments.Experiment, b experiments.Backup, t time.Duration) (time.Duration, bool) {
	if b.Every <= 0 {
		return 0, false
	}
	y, m, d := e.Start.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, e.Start.Location())
	origin := midnight.Add(b.Offset).Sub(e.Start) // offset of k=0 from start
	k := math.Floor(float64(t-origin) / float64(b.Every))
	return origin + time.Duration(k)*b.Every, true
}

func inSpans(spans []engine.Span, t time.Duration) bool {
	for _, sp := range spans {
		if sp.Start <= t && t < sp.End {
			return true
		}
	}
	return false
}

func (s *sim) surge(t time.Duration) float64 {
	m := 1.0
	for _, e := range s.p.Effects {
		if e.Action != faults.Surge || !has(e.Regions, s.r.Name) || t < e.At || t >= e.End() {
			continue
		}
		x := e.Multiplier
		switch d := t - e.At; {
		case e.Ramp > 0 && d < e.Ramp:
			x = 1 + (e.Multiplier-1)*float64(d)/float64(e.Ramp)
		case e.Ramp > 0 && d >= e.Ramp+e.Hold:
			x = 1 + (e.Multiplier-1)*float64(e.End()-t)/float64(e.Ramp)
		}
		m *= x
	}
	return m
}

func (s *sim) capacity(t time.Duration) (float64, float64) {
	h := s.h
	replicas := float64(h.AppReplicas)
	attack := 0.0
	factor := 1.0
	for _, e := range s.p.Effects {
		if t < e.At || (e.For > 0 && t >= e.End()) {
			continue
		}
		switch e.Action {
		case faults.Crash:
			if e.Target == "app" && has(e.Regions, s.r.Name) && t < e.At+h.Restart {
				n := float64(e.Count)
				if e.Count == 0 {
					n = replicas
				}
				replicas = math.Max(0, replicas-n)
			}
		case faults.Flood:
			if has(e.Regions, s.r.Name) {
				pass := 1.0
				switch h.DDoSProtection {
				case experiments.DDoSRateLimit:
					pass = rateLimitPass
				case experiments.DDoSScrubbing:
					pass = scrubbingPass
				}
				attack += e.RPS * pass
			}
		case faults.Latency:
			if h.Standby != nil && h.Replication == experiments.ReplicationSync && between(e, h.Primary.Name, h.Standby.Name) {
				factor *= float64(serviceTime) / float64(serviceTime+2*e.Delay)
			}
		}
	}
	return replicas * h.ReplicaRPS * factor, attack
}

// integrate steps through the horizon computing service, writes and losses.
func (s *sim) integrate(horizon time.Duration, recovery engine.Recovery) {
	r, w := s.r, s.r.Workload
	threshold := r.Objectives.SuccessRatio
	if threshold <= 0 {
		threshold = experiments.DefaultSuccessRatio
	}
	rpm := w.RequestsPerUserMinute
	if rpm <= 0 {
		rpm = experiments.DefaultRequestsPerMin
	}
	var outStart time.Duration = -1
	overloaded := false
	sample := 0
	dt := step.Hours()
	// time of day advances with t; the experiment's UTC offset at start is
	// kept for the whole horizon (a DST change inside it is ignored).
	y, m, d := s.p.Experiment.Start.Date()
	dayStart := s.p.Experiment.Start.Sub(time.Date(y, m, d, 0, 0, 0, 0, s.p.Experiment.Start.Location()))
	for t := time.Duration(0); t < horizon; t += step {
		mid := t + step/2
		sinceMidnight := (dayStart + mid) % (24 * time.Hour)
		online := float64(r.Users) * w.PeakConcurrency * w.Level(sinceMidnight) * s.surge(mid)
		admitted := online
		if s.h.MaxSessions > 0 {
			admitted = math.Min(online, float64(s.h.MaxSessions))
		}
		U := online * rpm / 60
		A := admitted * rpm / 60
		succ := 1.0
		if inSpans(s.dbDown, mid) {
			succ = 0
		} else {
			c, attack := s.capacity(mid)
			offered := A + attack
			good := A
			if offered > c {
				if c <= 0 {
					good = 0
				} else {
					good = c * math.Exp(-collapseAlpha*(offered/c-1)) * A / offered
				}
			}
			if U > 0 {
				succ = good / U
			}
			cause := succ < threshold
			if cause != overloaded {
				overloaded = cause
				if cause {
					kind, txt := engine.EventOverload, "demand above capacity: throughput collapses"
					if s.h.MaxSessions > 0 && admitted < online {
						kind, txt = engine.EventAdmission, "admission control turns users away"
					}
					s.event(t, kind, "", 0, "%s", txt)
				}
			}
		}
		writes := admitted * w.WritesPerUserHour * dt * succ
		s.obs.AckedWrites += writes
		if s.loss != nil {
			// a loss window can be shorter than a step (async lag): count
			// the share of the step's writes that fall inside it.
			lo, hi := max(t, s.loss.Start), min(t+step, s.loss.End)
			if hi > lo {
				s.obs.LostWrites += writes * float64(hi-lo) / float64(step)
			}
		}
		s.obs.UserHoursLost += online * (1 - succ) * dt
		down := succ < threshold
		if down && outStart < 0 {
			outStart = t
			s.event(t, engine.EventOutage, "", 0, "service out of SLO (%.0f%% of requests succeed)", 100*succ)
		}
		if !down && outStart >= 0 {
			s.obs.Outages = append(s.obs.Outages, engine.Outage{Span: engine.Span{Start: outStart, End: t}, State: engine.StateDown, Cause: s.obs.HitBy})
			s.event(t, engine.EventRestored, "", t-outStart, "service restored")
			outStart = -1
		}
		if s.p.Detail && (t%(5*time.Minute) == 0 || sample == 0) {
			s.obs.Served = append(s.obs.Served, engine.Sample{At: t, Success: succ, Demand: online})
			sample++
		}
	}
	if outStart >= 0 {
		s.obs.Outages = append(s.obs.Outages, engine.Outage{Span: engine.Span{Start: outStart, End: horizon}, State: engine.StateDown, Cause: s.obs.HitBy})
	}
	if s.loss != nil && s.loss.Len() > 0 {
		s.obs.Losses = []engine.Loss{{Span: *s.loss, Writes: s.obs.LostWrites, AllData: s.obs.AllDataLost}}
		s.event(s.loss.End, engine.EventWritesLost, "", 0, "%.1f acknowledged writes lost (%s window)", s.obs.LostWrites, faults.FormatDuration(s.loss.Len()))
	}
	switch {
	case recovery != "":
		s.obs.Recovery = recovery
	case len(s.obs.Outages) > 0 && s.obs.Outages[len(s.obs.Outages)-1].End >= horizon:
		s.obs.Recovery = engine.RecoveryPending
	case len(s.obs.Outages) > 0:
		s.obs.Recovery = s.otherRecovery()
	}
}

func (s *sim) otherRecovery() engine.Recovery {
	for _, e := range s.p.Effects {
		if s.hit[e.Fault] {
			switch e.Action {
			case faults.Crash:
				return engine.RecoveryRestart
			case faults.Partition, faults.Latency:
				return engine.RecoveryNetwork
			}
		}
	}
	return engine.RecoveryLoadSubsided
}
