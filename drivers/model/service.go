package model

import (
	"math"
	"slices"
	"sort"
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
	q        queue   // the app tier's queue
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
type class int8

const (
	inSLO class = iota
	slow
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
	p95     float32 // seconds; 0 when not computed, +Inf unbounded
	p99     float32 // (float32 keeps a point small: integration copies many)
	cls     class
}

// totals are integrals over a stretch of time.
type totals struct {
	demanded, delivered, writes    float64 // requests, requests, writes
	userSecondsLost, onlineSeconds float64
}

func (t *totals) add(o totals) {
	t.demanded += o.demanded
	t.delivered += o.delivered
	t.writes += o.writes
	t.userSecondsLost += o.userSecondsLost
	t.onlineSeconds += o.onlineSeconds
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
	p.q = s.queue(h.AppReplicas - s.appDown)
	p.capacity = p.q.cap
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
			p.q.extra = (2 * d).Seconds()
			p.q.hold += s.ws * p.q.extra
			p.capacity /= 1 + s.ws*p.q.extra/p.q.read
			p.q.cap = p.capacity
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

// queue is the app tier with n live servers and no commit delay.
func (s *sim) queue(n int) queue {
	return queue{n: n, c: s.workers, cap: rules.Capacity(s.h, n), hold: s.hold, read: s.hold}
}

// at is the service at t under p.
func (s *sim) at(t time.Duration, p *params) (pt point) {
	s.serve(s.online(t), p, &pt)
	return pt
}

// serve sets pt to the service with on users online under p. It fills a
// point in place: integration reads many, and copies cost.
func (s *sim) serve(on float64, p *params, pt *point) {
	*pt = point{online: on, demand: on * s.rps}
	if !p.db {
		pt.cls = down
		return
	}
	admitted := rules.Admitted(s.h, on)
	a := admitted * s.rps // what the admitted send
	offered := a + p.attack
	pt.good = a
	if s.wantLat {
		pt.p95, pt.p99 = float32(math.Inf(1)), float32(math.Inf(1))
	}
	switch {
	case s.h.MaxSessions > 0 && p.attack < p.capacity:
		// the admitted are a closed population: answered, more slowly as
		// the queue fills, and sending less meanwhile.
		a = p.q.closed(admitted, s.think, p.attack)
		pt.good = a
		pt.demand = (on-admitted)*s.rps + a
		if s.wantLat {
			pt.p95, pt.p99 = float32(p.q.quantile(a+p.attack, 0.95, s.ws)), float32(p.q.quantile(a+p.attack, 0.99, s.ws))
		}
	case offered > p.capacity && s.sheds && p.capacity > 0:
		// the edge turns away what waited queue_timeout for a worker: the
		// workers serve their capacity, shared in proportion to what each
		// sends, and every request served waited about queue_timeout.
		pt.good = p.capacity * a / offered
		if s.wantLat {
			w := float32(s.h.QueueTimeout.Seconds() + p.q.read)
			pt.p95, pt.p99 = w, w
		}
	case offered > p.capacity:
		// an open stream above capacity: the FIFO queue grows until every
		// request served has waited past its user's patience (collapse).
		pt.good = 0
	case s.wantLat:
		pt.p95, pt.p99 = float32(p.q.quantile(offered, 0.95, s.ws)), float32(p.q.quantile(offered, 0.99, s.ws))
	}
	pt.deliv = pt.good
	// writes_per_user_hour per online user, for the requests answered
	pt.writes = pt.good * s.wpr
	if s.rps <= 0 {
		pt.writes = on * s.wph / 3600
	}
	if p.blocked {
		pt.deliv = pt.good * (1 - s.ws)
		pt.writes = 0
	}
	pt.success = 1
	if pt.demand > 0 {
		pt.success = pt.deliv / pt.demand
	}
	switch {
	case pt.success >= s.thr && s.slow(pt):
		pt.cls = slow
	case pt.success >= s.thr:
		pt.cls = inSLO
	case admitted < on && a > 0 && pt.good >= s.thr*a:
		// admission control turns the rest away and serves the admitted.
		pt.cls = degraded
	default:
		pt.cls = down
	}
}

// worst keeps the slowest response time of the moments answered while the
// horizon is integrated (not while writes are recounted).
func (s *sim) worst(pt *point) {
	if !s.tracking || pt.cls == down || pt.good <= 0 {
		return
	}
	s.worst95, s.worst99 = max(s.worst95, float64(pt.p95)), max(s.worst99, float64(pt.p99))
}

// slow says whether pt's response time misses the region's objectives.
func (s *sim) slow(pt *point) bool {
	return (s.p95 > 0 && float64(pt.p95) > s.p95) || (s.p99 > 0 && float64(pt.p99) > s.p99)
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
		onlineSeconds:   w * (p0.online + 4*pm.online + p1.online),
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
		next = min(after(t, d), s.demand.NextShift(t))
	}
	for _, e := range s.surges {
		for _, c := range []time.Duration{e.At, after(e.At, e.Ramp), faults.AddDurations(e.At, e.Ramp, e.Hold), e.End()} {
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

// maxLevel is the highest share of the peak a daily profile reaches: the
// profile is linear between its points, so at one of them.
func maxLevel(w *experiments.Workload) float64 {
	if len(w.Profile) == 0 {
		return 1
	}
	m := 0.0
	for _, p := range w.Profile {
		m = max(m, p.Level)
	}
	return m
}

// day is the period of demand without surges: the daily profile.
const day = 24 * time.Hour

// served says that under p everyone is served at every moment of [a, b):
// a primary that commits, no attack, no surge, and capacity (and
// admission) above the day's peak. Demand is then the daily profile alone,
// integrated exactly in one step (servedTotals), which is what makes a
// year cost a handful of events instead of 365 days of profile.
func (s *sim) served(a, b time.Duration, p *params) bool {
	if !p.db || p.blocked || p.attack > 0 || s.peakOnline*s.rps > p.capacity {
		return false
	}
	if s.h.MaxSessions > 0 && s.peakOnline > float64(s.h.MaxSessions) {
		return false
	}
	for _, e := range s.surges {
		if e.At < b && e.End() > a {
			return false
		}
	}
	if s.wantLat {
		// response time grows with demand: the busiest moment says whether
		// any is slow, and is the stretch's worst.
		var top point
		if s.serve(s.peakOnline, p, &top); top.cls != inSLO {
			return false
		}
		s.worst(&top)
	}
	return true
}

// levels is the daily profile's integral, ready for any stretch: the
// level is linear between breakpoints, so its integral is exact by
// trapezoids, and a whole day integrates to the same every day.
type levels struct {
	at  []time.Duration // breakpoints from 0 to 24h
	lvl []float64       // the level at each
	cum []float64       // level-seconds from midnight to each
}

func newLevels(w *experiments.Workload) levels {
	var l levels
	l.at = append(l.at, 0)
	for _, p := range w.Profile {
		if p.At > 0 && p.At < day {
			l.at = append(l.at, p.At)
		}
	}
	l.at = append(l.at, day)
	c := 0.0
	for i, t := range l.at {
		l.lvl = append(l.lvl, w.Level(t%day))
		if i > 0 {
			c += (t - l.at[i-1]).Seconds() * (l.lvl[i-1] + l.lvl[i]) / 2
		}
		l.cum = append(l.cum, c)
	}
	return l
}

// upTo is the level-seconds from midnight to tod, within one day.
func (l *levels) upTo(w *experiments.Workload, tod time.Duration) float64 {
	i := sort.Search(len(l.at), func(i int) bool { return l.at[i] > tod }) - 1
	i = max(i, 0)
	return l.cum[i] + (tod-l.at[i]).Seconds()*(l.lvl[i]+w.Level(tod))/2
}

// from0 is the level-seconds from the midnight that starts day 0 of the
// demand curve's clock to u (which may be negative).
func (l *levels) from0(w *experiments.Workload, u time.Duration) float64 {
	q, r := u/day, u%day
	if r < 0 {
		r += day
		q--
	}
	return float64(q)*l.cum[len(l.cum)-1] + l.upTo(w, r)
}

// span is the level-seconds over d from the time of day tod, in whole
// days and a rest so that no offset overflows at the longest horizon.
func (l *levels) span(w *experiments.Workload, tod, d time.Duration) float64 {
	return float64(d/day)*l.cum[len(l.cum)-1] + l.from0(w, tod+d%day) - l.upTo(w, tod)
}

// servedTotals are the integrals over [a, b) when everyone is served:
// every request answered, every write acknowledged.
//
// Whole days integrate to one day's level-seconds only while the wall
// clock runs with time: in a zone with daylight saving a day may have 23
// or 25 hours, so [a, b) is split at each change of offset and each part
// read from its own time of day on (the slow path reads the same clock).
func (s *sim) servedTotals(a, b time.Duration) totals {
	levelSecs := 0.0
	for u := a; u < b; {
		v := min(b, s.demand.NextShift(u))
		tod := s.demand.TimeOfDay(u)
		levelSecs += s.lv.span(s.r.Workload, tod, v-u)
		u = v
	}
	userSecs := s.peakUsers * levelSecs
	return totals{demanded: userSecs * s.rps, delivered: userSecs * s.rps, writes: userSecs * s.wph / 3600, onlineSeconds: userSecs}
}

// pieces splits [a, b) under p into stretches of one class and hands each,
// with its integrals, to fn in time order.
func (s *sim) pieces(a, b time.Duration, p *params, fn func(u, v time.Duration, c class, t totals)) {
	if b-a > 2*day && s.served(a, b, p) {
		fn(a, b, inSLO, s.servedTotals(a, b))
		return
	}
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
		if s.cancelled() {
			return
		}
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
	// so the success ratio is constant; response time grows with demand,
	// so when the busiest moment is not slow, none is (a slow one may not
	// be slow all along: demand can dip between the piece's ends).
	onMax := quadMax(p0.online, pm.online, p1.online)
	if (s.h.MaxSessions == 0 || onMax <= float64(s.h.MaxSessions)) && onMax*s.rps+p.attack <= p.capacity {
		if !s.wantLat {
			emit(x, y, p0.cls, simpson(x, y, p0, pm, p1))
			return
		}
		var top point
		if s.serve(onMax, p, &top); top.cls == p0.cls && top.cls != slow {
			s.worst(&top)
			emit(x, y, p0.cls, simpson(x, y, p0, pm, p1))
			return
		}
	}
	if s.wantLat {
		s.worst(&p0)
		s.worst(&pm)
		s.worst(&p1)
	}
	n := int((y - x) / grid)
	if (y-x)%grid != 0 {
		n++
	}
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
			if s.wantLat {
				s.worst(&q)
			}
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
	s.tracking = true
	s.pieces(a, b, &p, func(u, v time.Duration, c class, t totals) {
		s.cum += t.writes
		s.obs.AckedWrites += t.writes
		s.obs.Demanded += t.demanded
		s.obs.Delivered += t.delivered
		s.obs.UserHoursLost += t.userSecondsLost / 3600
		s.countFaultSpans(u, v, t)
		s.track(u, v, c, t, &p, a, evUp)
	})
	s.tracking = false
	if s.detail {
		s.sample(a, b, &p)
	}
}

// The service series drawn in reports holds a sample every sampleEvery, up
// to maxSamples samples: beyond 14 days the samples space out (sampleStep),
// so that a trial's memory does not grow with the horizon.
const (
	sampleEvery = 5 * time.Minute
	maxSamples  = 4096
)

// sampleStep is the spacing of the service series over horizon: a
// multiple of sampleEvery that needs at most maxSamples samples.
func sampleStep(horizon time.Duration) time.Duration {
	n := horizon / sampleEvery
	if n <= maxSamples {
		return sampleEvery
	}
	return (n + maxSamples - 1) / maxSamples * sampleEvery
}

// sample adds the series' samples in [a, b), under p. At sampleEvery a
// sample is the service at its moment; wider steps would skip outages
// between two moments, so each sample is the mean over its step instead
// (requests served over requests made, users online on average), placed
// at the step's middle.
func (s *sim) sample(a, b time.Duration, p *params) {
	step := s.every
	if step == sampleEvery {
		for ts := (a + step - 1) / step * step; ts < b; ts += step {
			if s.cancelled() {
				return
			}
			pt := s.at(ts, p)
			smp := engine.Sample{At: ts, Success: pt.success, Demand: pt.online}
			if pt.cls != down && pt.good > 0 {
				smp.P95 = seconds(float64(pt.p95))
			}
			s.obs.Served = append(s.obs.Served, smp)
		}
		return
	}
	for u := a; u < b; {
		end := min(after(u/step*step, step), s.horizon)
		v := min(b, end)
		s.pieces(u, v, p, func(_, _ time.Duration, _ class, t totals) { s.bucket.add(t) })
		if v == end {
			s.flushBucket(end)
		}
		u = v
	}
}

// flushBucket ends the step that ends at end with a sample of its means.
func (s *sim) flushBucket(end time.Duration) {
	t := s.bucket
	s.bucket = totals{}
	start := (end - 1) / s.every * s.every
	if end <= start {
		return
	}
	smp := engine.Sample{At: start + (end-start)/2, Success: 1, Demand: t.onlineSeconds / (end - start).Seconds()}
	if t.demanded > 0 {
		smp.Success = min(1, t.delivered/t.demanded)
	}
	s.obs.Served = append(s.obs.Served, smp)
}

// track opens, extends and closes outages as the class changes.
func (s *sim) track(u, v time.Duration, c class, t totals, p *params, segStart time.Duration, evUp engine.Recovery) {
	st := engine.StateDown
	switch c {
	case degraded:
		st = engine.StateDegraded
	case slow:
		st = engine.StateSlow
	}
	if s.out != nil && (c == inSLO || s.out.State != st) {
		rec := engine.RecoveryLoadSubsided
		if u == segStart && evUp != "" {
			rec = evUp
		}
		s.close(u, rec, c == inSLO)
	}
	if c == inSLO {
		return
	}
	if s.out == nil {
		s.out = &engine.Outage{Span: engine.Span{Start: u}, State: st}
		switch st {
		case engine.StateDegraded:
			s.event(u, engine.EventAdmission, "", 0, "access temporarily restricted: admission control turns users away, the admitted are served")
		case engine.StateSlow:
			s.event(u, engine.EventSlow, "", 0, "service slow: answered, but response time over its objective")
		default:
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

// close ends the outage in progress; restored says the service is back in
// SLO, not only in another state (slow to restricted, say).
func (s *sim) close(at time.Duration, rec engine.Recovery, restored bool) {
	o := s.out
	o.End = at
	o.Recovery = rec
	s.obs.Outages = append(s.obs.Outages, *o)
	s.out = nil
	if restored && at < s.horizon {
		s.event(at, engine.EventRestored, "", o.Len(), "service restored")
	}
}

// finish closes what is still open at the horizon and settles the figures.
func (s *sim) finish() {
	if s.out != nil {
		s.close(s.horizon, engine.RecoveryPending, false)
	}
	if s.worst95 > 0 {
		s.obs.P95, s.obs.P99 = seconds(s.worst95), seconds(s.worst99)
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
		base := params{db: true, q: s.queue(s.h.AppReplicas)}
		base.capacity = base.q.cap
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

// countFaultSpans adds a piece's requests to each fault span it lies in.
// Fault spans begin and end at effect bounds, where pieces are cut, so a
// piece lies wholly inside or outside a span; the share by overlap only
// guards against a span cut elsewhere.
func (s *sim) countFaultSpans(u, v time.Duration, t totals) {
	for i := range s.obs.FaultServed {
		fs := &s.obs.FaultServed[i]
		from, to := max(u, fs.Span.Start), min(v, fs.Span.End)
		if to <= from || v <= u {
			continue
		}
		f := float64(to-from) / float64(v-u)
		fs.Demanded += f * t.demanded
		fs.Delivered += f * t.delivered
	}
}
