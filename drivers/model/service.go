package model

import (
	"math"
	"slices"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// params are what the service depends on between two events; only demand
// varies in between, along the daily profile and the surges.
type params struct {
	db       bool    // a primary serves
	capacity float64 // requests per second the app tier serves
	attack   float64 // attack requests per second that reach the app tier
	blocked  bool    // commits block: writes fail, reads are served
	cause    []string
}

// seg is one integrated stretch between events, kept so that the writes
// acknowledged up to any past moment can be recomputed exactly.
type seg struct {
	a, b time.Duration
	prm  params
	cum  float64 // acknowledged writes from t0 to a
}

// class of a moment.
type class int

const (
	inSLO class = iota
	degraded
	down
)

// point is the service at one moment.
type point struct {
	online  float64 // users trying
	demand  float64 // their requests per second
	good    float64 // requests per second served
	deliv   float64 // of which answered successfully (writes fail when blocked)
	writes  float64 // acknowledged writes per second
	success float64
	cls     class
}

// totals are integrals over a stretch of time.
type totals struct {
	demanded, delivered, writes float64 // requests, requests, writes
	userSecondsLost             float64
}

func (t *totals) add(o totals) {
	t.demanded += o.demanded
	t.delivered += o.delivered
	t.writes += o.writes
	t.userSecondsLost += o.userSecondsLost
}

// params reads the state at t.
func (s *sim) params(t time.Duration) params {
	p := params{db: s.ps == pOK, blocked: s.blocked}
	if !p.db {
		if s.rec != nil {
			p.cause = []string{s.rec.fault}
		} else if s.ps == pCrashed {
			p.cause = s.crashCause()
		}
		return p
	}
	h := s.h
	p.capacity = rules.Capacity(h, h.AppReplicas-s.appDown)
	if s.appDown > 0 {
		for _, tm := range s.timers {
			if tm.kind == tAppBack && !slices.Contains(p.cause, tm.fid) {
				p.cause = append(p.cause, tm.fid)
			}
		}
	}
	// a synchronous commit waits a round trip to the standby: writes hold
	// an app worker longer, reads do not.
	if h.Replication == experiments.ReplicationSync && s.standby != "" && !s.blocked && !s.dropped && s.missingSince < 0 {
		if d := s.w.delay(s.primary, s.standby, t); d > 0 {
			p.capacity /= 1 + s.ws*float64(2*d)/float64(serviceTime)
			for i := range s.w.effects {
				e := &s.w.effects[i]
				if e.Action == faults.Latency && e.At <= t && t < e.End() && rules.Between(e, s.primary, s.standby) && !slices.Contains(p.cause, e.Fault) {
					p.cause = append(p.cause, e.Fault)
				}
			}
		}
	}
	pass := rules.AttackPass(h.DDoSProtection)
	for _, e := range s.floods {
		if e.At <= t && t < e.End() {
			p.attack += e.RPS * pass
			p.cause = append(p.cause, e.Fault)
		}
	}
	for _, e := range s.surges {
		if e.At <= t && t < e.End() && !slices.Contains(p.cause, e.Fault) {
			p.cause = append(p.cause, e.Fault)
		}
	}
	return p
}

func (s *sim) crashCause() []string {
	for _, tm := range s.timers {
		if tm.kind == tCrashBack {
			return []string{tm.fid}
		}
	}
	return nil
}

func (s *sim) online(t time.Duration) float64 {
	o := s.demand.Online(t)
	if len(s.surges) > 0 {
		o *= rules.Surge(s.surges, s.r.Name, t)
	}
	return o
}

// at is the service at t under p.
func (s *sim) at(t time.Duration, p *params) point {
	on := s.online(t)
	pt := point{online: on, demand: on * s.rps}
	if !p.db {
		pt.cls = down
		return pt
	}
	admitted := rules.Admitted(s.h, on)
	a := admitted * s.rps
	offered := a + p.attack
	pt.good = a
	if offered > p.capacity {
		if p.capacity <= 0 {
			pt.good = 0
		} else {
			pt.good = p.capacity * math.Exp(-collapseAlpha*(offered/p.capacity-1)) * a / offered
		}
	}
	served := 1.0
	if pt.demand > 0 {
		served = pt.good / pt.demand
	}
	pt.deliv = pt.good
	pt.writes = on * served * s.wph / 3600
	if p.blocked {
		pt.deliv = pt.good * (1 - s.ws)
		pt.writes = 0
	}
	pt.success = 1
	if pt.demand > 0 {
		pt.success = pt.deliv / pt.demand
	}
	switch {
	case pt.success >= s.thr:
		pt.cls = inSLO
	case admitted < on && a > 0 && pt.good >= s.thr*a:
		// admission control turns the rest away and serves the admitted.
		pt.cls = degraded
	default:
		pt.cls = down
	}
	return pt
}

// simpson integrates a point's figures over [u, v] from its ends and middle:
// exact for the quadratic demand between breakpoints.
func simpson(u, v time.Duration, p0, pm, p1 point) totals {
	w := (v - u).Seconds() / 6
	return totals{
		demanded:        w * (p0.demand + 4*pm.demand + p1.demand),
		delivered:       w * (p0.deliv + 4*pm.deliv + p1.deliv),
		writes:          w * (p0.writes + 4*pm.writes + p1.writes),
		userSecondsLost: w * (p0.online*(1-p0.success) + 4*pm.online*(1-pm.success) + p1.online*(1-p1.success)),
	}
}

// quadMax is the largest value on [0, 1] of the parabola through (0, a),
// (1/2, m) and (1, b).
func quadMax(a, m, b float64) float64 {
	best := max(a, b, m)
	// q(x) = a + B x + C x^2
	B, C := 4*m-3*a-b, 2*a+2*b-4*m
	if C < 0 {
		if x := -B / (2 * C); x > 0 && x < 1 {
			best = max(best, a+B*x+C*x*x)
		}
	}
	return best
}

// nextBreak is the first moment after t at which demand changes slope: a
// point of the daily profile, or a corner of a surge.
func (s *sim) nextBreak(t time.Duration) time.Duration {
	next := never
	if prof := s.r.Workload.Profile; len(prof) > 1 {
		tod := s.demand.TimeOfDay(t)
		d := 24*time.Hour - tod + prof[0].At
		for _, p := range prof {
			if p.At > tod {
				d = p.At - tod
				break
			}
		}
		// the clock jumps at a change of offset: the profile reads on from
		// the new time of day.
		next = min(t+d, s.demand.NextShift(t))
	}
	for _, e := range s.surges {
		for _, c := range []time.Duration{e.At, e.At + e.Ramp, e.At + e.Ramp + e.Hold, e.End()} {
			if c > t && c < next {
				next = c
			}
		}
	}
	return next
}

// grid is the longest stretch the slow path integrates in one Simpson
// step, and the spacing at which it looks for SLO crossings.
const grid = 2 * time.Minute

// pieces splits [a, b) under p into stretches of one class and hands each,
// with its integrals, to fn in time order.
func (s *sim) pieces(a, b time.Duration, p *params, fn func(u, v time.Duration, c class, t totals)) {
	var (
		runA   = a
		runCls = class(-1)
		run    totals
	)
	emit := func(u, v time.Duration, c class, t totals) {
		if v <= u {
			return
		}
		if runCls >= 0 && c != runCls {
			fn(runA, u, runCls, run)
			run, runCls = totals{}, -1
		}
		if runCls < 0 {
			runA, runCls = u, c
		}
		run.add(t)
	}
	for x := a; x < b; {
		y := min(b, s.nextBreak(x))
		s.sub(x, y, p, emit)
		x = y
	}
	if runCls >= 0 {
		fn(runA, b, runCls, run)
	}
}

// sub integrates [x, y), over which demand is one smooth piece.
func (s *sim) sub(x, y time.Duration, p *params, emit func(u, v time.Duration, c class, t totals)) {
	// demand may jump at y (a surge's end): the piece ends just before.
	mid := x + (y-x)/2
	p0, pm, p1 := s.at(x, p), s.at(mid, p), s.at(y-1, p)
	if !p.db {
		emit(x, y, down, simpson(x, y, p0, pm, p1))
		return
	}
	// fast path: no overload and nobody turned away anywhere on the piece,
	// so the success ratio is constant.
	onMax := quadMax(p0.online, pm.online, p1.online)
	if (s.h.MaxSessions == 0 || onMax <= float64(s.h.MaxSessions)) && onMax*s.rps+p.attack <= p.capacity {
		emit(x, y, p0.cls, simpson(x, y, p0, pm, p1))
		return
	}
	n := int((y - x + grid - 1) / grid)
	step := (y - x) / time.Duration(max(n, 1))
	prev := p0
	for u := x; u < y; {
		v := min(y, u+step)
		if y-v < time.Millisecond {
			v = y
		}
		q := p1
		if v < y {
			q = s.at(v, p)
		}
		if q.cls != prev.cls {
			// bisect the change to the millisecond.
			lo, hi := u, v
			for hi-lo > time.Millisecond {
				m := lo + (hi-lo)/2
				if s.at(m, p).cls == prev.cls {
					lo = m
				} else {
					hi = m
				}
			}
			ph := s.at(hi, p)
			emit(u, hi, prev.cls, simpson(u, hi, prev, s.at(u+(hi-u)/2, p), ph))
			emit(hi, v, ph.cls, simpson(hi, v, ph, s.at(hi+(v-hi)/2, p), q))
		} else {
			emit(u, v, prev.cls, simpson(u, v, prev, s.at(u+(v-u)/2, p), q))
		}
		prev = q
		u = v
	}
}

// integrate runs the service over [a, b), between two events.
func (s *sim) integrate(a, b time.Duration) {
	if b <= a {
		return
	}
	p := s.params(a)
	s.segs = append(s.segs, seg{a: a, b: b, prm: p, cum: s.cum})
	evUp := s.lastUp
	s.lastUp = ""
	s.pieces(a, b, &p, func(u, v time.Duration, c class, t totals) {
		s.cum += t.writes
		s.obs.AckedWrites += t.writes
		s.obs.Demanded += t.demanded
		s.obs.Delivered += t.delivered
		s.obs.UserHoursLost += t.userSecondsLost / 3600
		s.track(u, v, c, t, &p, a, evUp)
	})
	if s.detail {
		for ts := (a + sampleEvery - 1) / sampleEvery * sampleEvery; ts < b; ts += sampleEvery {
			pt := s.at(ts, &p)
			s.obs.Served = append(s.obs.Served, engine.Sample{At: ts, Success: pt.success, Demand: pt.online})
		}
	}
}

// sampleEvery spaces the service series drawn in reports.
const sampleEvery = 5 * time.Minute

// track opens, extends and closes outages as the class changes.
func (s *sim) track(u, v time.Duration, c class, t totals, p *params, segStart time.Duration, evUp engine.Recovery) {
	st := engine.StateDown
	if c == degraded {
		st = engine.StateDegraded
	}
	if s.out != nil && (c == inSLO || s.out.State != st) {
		rec := engine.RecoveryLoadSubsided
		if u == segStart && evUp != "" {
			rec = evUp
		}
		s.close(u, rec)
	}
	if c == inSLO {
		return
	}
	if s.out == nil {
		s.out = &engine.Outage{Span: engine.Span{Start: u}, State: st}
		if st == engine.StateDegraded {
			s.event(u, engine.EventAdmission, "", 0, "access temporarily restricted: admission control turns users away, the admitted are served")
		} else {
			s.event(u, engine.EventOutage, "", 0, "service out of SLO")
		}
	}
	for _, id := range p.cause {
		if !slices.Contains(s.out.Cause, id) {
			s.out.Cause = append(s.out.Cause, id)
		}
	}
	s.out.End = v
	s.out.Demanded += t.demanded
	s.out.Delivered += t.delivered
}

func (s *sim) close(at time.Duration, rec engine.Recovery) {
	o := s.out
	o.End = at
	o.Recovery = rec
	s.obs.Outages = append(s.obs.Outages, *o)
	s.out = nil
	if at < s.horizon {
		s.event(at, engine.EventRestored, "", o.Len(), "service restored")
	}
}

// finish closes what is still open at the horizon and settles the figures.
func (s *sim) finish() {
	if s.out != nil {
		s.close(s.horizon, engine.RecoveryPending)
	}
	for i, l := range s.losses {
		s.obs.LostWrites += l.Writes
		// a loss of everything was told when the last copy went.
		if !l.AllData {
			s.event(s.lostAt[i], engine.EventWritesLost, l.Fault, 0, "%.0f acknowledged writes lost (%s window)", l.Writes, faults.FormatDuration(l.Len()))
		}
	}
	s.obs.Losses = slices.Clone(s.losses)
	s.backupEvents()
	outs := s.obs.Outages
	switch {
	case s.obs.AllDataLost:
		s.obs.Recovery = engine.RecoveryUnrecoverable
	case len(outs) == 0:
		s.obs.Recovery = engine.RecoveryNone
	case outs[len(outs)-1].End >= s.horizon:
		s.obs.Recovery = engine.RecoveryPending
	default:
		s.obs.Recovery = outs[len(outs)-1].Recovery
		for i := len(outs) - 1; i >= 0; i-- {
			if len(outs[i].Cause) > 0 {
				s.obs.Recovery = outs[i].Recovery
				break
			}
		}
	}
	slices.SortStableFunc(s.obs.Timeline, func(a, b engine.Event) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
}

// writesBetween is how many writes were acknowledged from a to b. Before
// t0 the region lived ordinary days: full capacity, no fault.
func (s *sim) writesBetween(a, b time.Duration) float64 {
	return s.cumAt(b) - s.cumAt(a)
}

// cumAt is the acknowledged writes from t0 to t (negative before t0).
func (s *sim) cumAt(t time.Duration) float64 {
	if t <= 0 {
		if t == 0 {
			return 0
		}
		base := params{db: true, capacity: rules.Capacity(s.h, s.h.AppReplicas)}
		var w float64
		s.pieces(t, 0, &base, func(_, _ time.Duration, _ class, tt totals) { w += tt.writes })
		return -w
	}
	i, _ := slices.BinarySearchFunc(s.segs, t, func(g seg, t time.Duration) int {
		switch {
		case g.b < t:
			return -1
		case g.a > t:
			return 1
		}
		return 0
	})
	if i >= len(s.segs) {
		return s.cum
	}
	g := s.segs[i]
	w := g.cum
	if t > g.a {
		s.pieces(g.a, t, &g.prm, func(_, _ time.Duration, _ class, tt totals) { w += tt.writes })
	}
	return w
}
