package containers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// observe audits the region's recovered database and turns what was seen
// into the engine's observation.
func (g *region) observe(ctx context.Context, p *engine.Plan, end time.Time) (engine.RegionObservation, error) {
	exp := p.Experiment
	horizon := exp.Duration
	ro := engine.RegionObservation{Region: g.r.Name, Hosting: g.h.Name}
	g.mu.Lock()
	ro.Recovery = g.recovery
	ro.AllDataLost = g.allLost
	for f := range g.hitBy {
		ro.HitBy = append(ro.HitBy, f)
	}
	g.mu.Unlock()
	sort.Strings(ro.HitBy)

	probes := g.probes.sorted()
	writes := g.writes.all()
	// The service is out when reads fail (the prober) or when grades cannot
	// be entered (a synchronous commit waiting for an unreachable standby
	// leaves reads working and writes hanging).
	var checks []result
	for _, p := range probes {
		if !p.sent.Before(g.clock.start) {
			checks = append(checks, p)
		}
	}
	for _, w := range writes {
		if !w.sent.Before(g.clock.start) {
			checks = append(checks, result{sent: w.sent, latency: w.done.Sub(w.sent), ok: w.acked})
		}
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].sent.Before(checks[j].sent) })
	// What the users saw, prober and generated load together: admission
	// control's page means the admitted were served and the rest turned
	// away (degraded), not that nothing was (down).
	seen := append(probesSince(probes, g.clock.start), g.load.sorted()...)
	var answered []result // the grades entered, for their response time
	for _, w := range writes {
		if w.acked && !w.sent.Before(g.clock.start) {
			answered = append(answered, result{sent: w.sent, latency: w.done.Sub(w.sent), ok: true})
		}
	}
	lat := g.served(&ro, seen, answered, exp)
	for _, o := range outages(checks, end) {
		s := engine.Span{Start: g.clock.exp(o[0]), End: min(horizon, g.clock.exp(o[1]))}
		if s.End <= s.Start {
			continue
		}
		out := engine.Outage{Span: s, State: engine.StateDown, Cause: g.causes(s)}
		var ok, restricted int
		for _, r := range seen {
			if !r.sent.Before(o[0]) && r.sent.Before(o[1]) {
				if r.ok {
					ok++
				}
				if r.restricted {
					restricted++
				}
			}
		}
		if ok > 0 && restricted > 0 {
			out.State = engine.StateDegraded
		}
		out.Demanded, out.Delivered = demandedIn(ro.Served, s, rules.RequestsPerUserSecond(g.r.Workload))
		ro.Outages = append(ro.Outages, out)
	}
	ro.Outages = addSlow(ro.Outages, slowSpans(lat, g.r.Objectives, g.r.Objectives.Success(), horizon), g.causes)
	for i := range ro.Outages {
		if o := &ro.Outages[i]; o.State == engine.StateSlow {
			o.Demanded, o.Delivered = demandedIn(ro.Served, o.Span, rules.RequestsPerUserSecond(g.r.Workload))
		}
	}
	ro.P95, ro.P99 = worstLatency(lat, ro.Outages)
	if ro.P95 > 0 && g.mapping.measured > 0 {
		g.notes = append(g.notes, fmt.Sprintf("%s: response times (worst p95 %s, p99 %s) are what the real stack answered the requests sent, not scaled with the load mapping",
			g.r.Name, engine.FormatLatency(ro.P95), engine.FormatLatency(ro.P99)))
	}
	ro.Demanded, ro.Delivered = demandedIn(ro.Served, engine.Span{Start: 0, End: horizon}, rules.RequestsPerUserSecond(g.r.Workload))
	if len(ro.Outages) > 0 && ro.Recovery == "" {
		ro.Recovery = engine.RecoveryNetwork
		if len(g.load.sorted()) > 0 {
			ro.Recovery = engine.RecoveryLoadSubsided
		}
	}
	if len(ro.Outages) > 0 && ro.Outages[len(ro.Outages)-1].End >= horizon && ro.Recovery != engine.RecoveryUnrecoverable {
		ro.Recovery = engine.RecoveryPending
	}
	if len(ro.Outages) == 0 {
		ro.Recovery = engine.RecoveryNone
	}

	found, audited, err := g.audit(ctx)
	if err != nil {
		return ro, fmt.Errorf("audit region %s: %w", g.r.Name, err)
	}
	// Each ledger row stands for the real-world writes of the experiment
	// time it covers: a row measured, the weight in real-world writes.
	weights := g.weigh(writes)
	var lostRows, ackedRows int
	var lostFirst, lostLast time.Duration
	for i, w := range writes {
		if w.acked {
			ackedRows++
			ro.AckedWrites += weights[i]
			if audited && !found[w.id] || ro.AllDataLost {
				at := g.expAt(w)
				if lostRows == 0 || at < lostFirst {
					lostFirst = at
				}
				if lostRows == 0 || at > lostLast {
					lostLast = at
				}
				lostRows++
				ro.LostWrites += weights[i]
			}
		} else if audited && found[w.id] {
			ro.UnackedApplied += weights[i]
		}
	}
	if lostRows > 0 {
		fault := ""
		if len(ro.HitBy) > 0 {
			fault = ro.HitBy[0]
		}
		ro.Losses = []engine.Loss{{Span: engine.Span{Start: lostFirst, End: lostLast}, Writes: ro.LostWrites, AllData: ro.AllDataLost, Fault: fault}}
	}
	g.mu.Lock()
	ro.Timeline = append(ro.Timeline, g.timeline...)
	g.mu.Unlock()
	if !audited && !ro.AllDataLost {
		ro.Timeline = append(ro.Timeline, engine.Event{At: horizon, Kind: engine.EventDown, Basis: engine.Measured,
			Text: "no database to audit at the end of the horizon: lost writes unknown"})
	}
	if lostRows > 0 {
		ro.Timeline = append(ro.Timeline, engine.Event{At: ro.Losses[0].End, Kind: engine.EventWritesLost, Basis: engine.Measured,
			Text: fmt.Sprintf("audit: %d of %d acknowledged grades missing (measured rows), %.0f of %.0f real-world writes",
				lostRows, ackedRows, ro.LostWrites, ro.AckedWrites)})
	}
	g.lostRows, g.ackedRows = lostRows, ackedRows
	if ackedRows > 0 {
		g.notes = append(g.notes, fmt.Sprintf("%s: %d acknowledged grades (rows) stand for %.0f real-world writes, %.1f each on average (the workload's write rate over the experiment time each row covers; %d real users per virtual user); %d rows lost = %.0f real-world writes",
			g.r.Name, ackedRows, ro.AckedWrites, ro.AckedWrites/float64(ackedRows), g.run.scale, lostRows, ro.LostWrites))
	}
	sort.SliceStable(ro.Timeline, func(i, j int) bool { return ro.Timeline[i].At < ro.Timeline[j].At })

	g.mu.Lock()
	during := g.faults
	g.mu.Unlock()
	if !during[0].IsZero() {
		for _, o := range outages(checks, end) {
			if o[1].After(during[1]) {
				during[1] = o[1]
			}
		}
	}
	var sent []write
	for _, w := range writes {
		if !w.sent.Before(g.clock.start) {
			sent = append(sent, w)
		}
	}
	ro.Phases = phases(append(probesSince(probes, g.clock.start), g.load.sorted()...), sent, during)
	ro.FaultServed = faultServed(p, ro.Served, rules.RequestsPerUserSecond(g.r.Workload))
	g.mechanisms(&ro)
	return ro, nil
}

// served buckets what users saw (probes and generated load) into success
// ratios over experiment time, with the users who tried (online x surge),
// and sums the user-hours lost. Each bucket's response time is that of the
// requests answered in it, seen and extra (the grades entered, which do
// not count in the share: the prober and the load stand for the users).
func (g *region) served(ro *engine.RegionObservation, seen, extra []result, exp *experiments.Experiment) []bucketLatency {
	all := slices.Clone(seen)
	if len(all) == 0 {
		return nil
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sent.Before(all[j].sent) })
	extra = slices.Clone(extra)
	sort.Slice(extra, func(i, j int) bool { return extra[i].sent.Before(extra[j].sent) })
	const bucket = time.Second
	start := all[0].sent
	var (
		ok, n int
		ls    []time.Duration
		lat   []bucketLatency
		k     int // next of extra
	)
	flush := func(at time.Time) {
		for ; k < len(extra) && extra[k].sent.Before(at.Add(bucket)); k++ {
			if !extra[k].sent.Before(at) {
				ls = append(ls, extra[k].latency)
			}
		}
		if n == 0 {
			ls = ls[:0]
			return
		}
		t := g.clock.exp(at)
		succ := float64(ok) / float64(n)
		demand := rules.Online(g.r, exp.Start, t) * rules.Surge(g.run.plan, g.r.Name, t)
		p95, p99 := quantiles(ls)
		ro.Served = append(ro.Served, engine.Sample{At: t, Success: succ, Demand: demand, P95: p95})
		lat = append(lat, bucketLatency{at: t, p95: p95, p99: p99, success: succ})
		ok, n, ls = 0, 0, ls[:0]
	}
	for _, r := range all {
		for r.sent.Sub(start) >= bucket {
			flush(start)
			start = start.Add(bucket)
		}
		n++
		if r.ok {
			ok++
			ls = append(ls, r.latency)
		}
	}
	flush(start)
	for i := 1; i < len(ro.Served); i++ {
		a, b := ro.Served[i-1], ro.Served[i]
		ro.UserHoursLost += a.Demand * (1 - a.Success) * (b.At - a.At).Hours()
	}
	return lat
}

// demandedIn integrates the samples over span: the real-world requests the
// users made (users trying x requests per user-second x time) and those
// served (x the success ratio measured then).
func demandedIn(ss []engine.Sample, span engine.Span, rps float64) (demanded, delivered float64) {
	for i := 0; i+1 < len(ss); i++ {
		a, b := ss[i], ss[i+1]
		from, to := max(a.At, span.Start), min(b.At, span.End)
		if to <= from {
			continue
		}
		d := a.Demand * rps * (to - from).Seconds()
		demanded += d
		delivered += d * a.Success
	}
	return demanded, delivered
}

// causes are the faults that hit the region and were acting during span
// or before it without an end (a fire, a crash): the prober sees the
// service, not why it failed.
func (g *region) causes(span engine.Span) []string {
	var out []string
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range g.run.plan {
		if !g.hitBy[e.Fault] || slices.Contains(out, e.Fault) || e.At > span.End {
			continue
		}
		if e.For == 0 || e.End() >= span.Start || e.Action == faults.Destroy || e.Action == faults.LoseDisk {
			out = append(out, e.Fault)
		}
	}
	return out
}

// audit reads the write IDs stored in the region's recovered database.
// audited is false when no database survived to be read.
func (g *region) audit(ctx context.Context) (found map[string]bool, audited bool, err error) {
	g.mu.Lock()
	primary := g.primary
	lost := g.allLost
	g.mu.Unlock()
	if lost || primary == nil {
		return nil, false, nil
	}
	if _, gone, _ := primary.state(); gone {
		return nil, false, nil
	}
	if down, _, _ := primary.state(); down {
		// Still powered off at the horizon: the data is there, only late.
		// Power it up to count, as the operators would.
		primary.mu.Lock()
		primary.fenced = false
		primary.mu.Unlock()
		if _, err := g.run.revive(ctx, primary); err != nil {
			return nil, false, err
		}
		if err := g.waitDB(ctx, primary, false); err != nil {
			return nil, false, nil
		}
	}
	out, err := g.run.mustExec(ctx, primary, "postgres", "psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "ent", "-c", "SELECT write_id FROM grades")
	if err != nil {
		return nil, false, err
	}
	found = map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			found[l] = true
		}
	}
	return found, true, nil
}

// probesSince keeps the probes sent once the clock started: the warm-up's
// are not part of the experiment.
func probesSince(rs []result, t0 time.Time) []result {
	var out []result
	for _, r := range rs {
		if !r.sent.Before(t0) {
			out = append(out, r)
		}
	}
	return out
}

// expAt is the experiment time of a write: its stamp for the history
// replayed before t0, else when its answer came on the region's clock.
func (g *region) expAt(w write) time.Duration {
	if w.history {
		return w.at
	}
	return g.clock.exp(w.done)
}

// weigh returns, for each write, how many real-world writes it stands for:
// the workload's write rate (users online x writes per user-hour, as
// rules.Online gives it) integrated over the experiment time since the
// previous row. Rows are far fewer than real writes (a 2-core host cannot
// enter a region's grades one for one), and their density differs between
// the history, compressed time and 1:1 windows; weighing each by the time
// it covers makes the totals real-world writes whatever the density.
func (g *region) weigh(ws []write) []float64 {
	exp := g.run.exp
	idx := make([]int, len(ws))
	for i := range idx {
		idx[i] = i
	}
	at := make([]time.Duration, len(ws))
	for i, w := range ws {
		at[i] = g.expAt(w)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	out := make([]float64, len(ws))
	perSecond := func(t time.Duration) float64 {
		return rules.Online(g.r, exp.Start, t) * g.r.Workload.WritesPerUserHour / 3600
	}
	for k, i := range idx {
		var gap time.Duration
		switch {
		case k > 0:
			gap = at[i] - at[idx[k-1]]
		case len(idx) > 1:
			gap = at[idx[1]] - at[i]
		}
		out[i] = perSecond(at[i]) * gap.Seconds()
	}
	return out
}
