package containers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// dailyFloor is the share of its capacity that a region's users' daily
// demand must reach, outside load effects, for a users' stream to carry
// it. Below it the stack serves the demand with room to spare (an M/M/1
// server at half load waits about one service time), so the prober and
// the teachers stand for the users, and the stack's capacity need not be
// measured: the notes say so.
const dailyFloor = 0.5

// dailyPhase names the daily stream's figures among the load phases'.
const dailyPhase = "daily demand"

// dailyHeight is how close to its highest the users' daily demand must be
// for a moment to count as the daily peak, where the daily stream's served
// share is reported.
const dailyHeight = 0.95

// dailySpans are the stretches of the horizon outside the region's load
// windows: the load windows' own streams carry the users there.
func dailySpans(effects []faults.Effect, g *region) []loadWindow {
	var out []loadWindow
	from := time.Duration(0)
	for _, w := range loadWindows(effects, g) {
		if w.from > from {
			out = append(out, loadWindow{from: from, to: w.from})
		}
		from = max(from, w.to)
	}
	if h := g.run.exp.Duration; h > from {
		out = append(out, loadWindow{from: from, to: h})
	}
	return out
}

// dailyStep is the step daily spans are sampled at: a minute of
// experiment time at most (a profile's points may be half an hour apart
// over a horizon of days), two hundred samples at least.
func dailyStep(w loadWindow) time.Duration {
	return min(max((w.to-w.from)/200, time.Second), time.Minute)
}

// sampleDaily calls f at instants of w a dailyStep apart, and at its last
// instant: w is half-open, its end the start of a load window.
func sampleDaily(w loadWindow, f func(t time.Duration)) {
	for t := w.from; t < w.to; t += dailyStep(w) {
		f(t)
	}
	if w.to > w.from {
		f(w.to - 1)
	}
}

// dailyPeak is the highest users' demand over capacity outside the
// region's load windows (demand, the rule surges use, with no surge
// acting there).
func dailyPeak(g *region, effects []faults.Effect) float64 {
	capExp := rules.Capacity(g.h, g.h.AppReplicas)
	if capExp <= 0 {
		return 0
	}
	peak := 0.0
	for _, w := range dailySpans(effects, g) {
		sampleDaily(w, func(t time.Duration) {
			u, _ := demand(g, effects, t)
			peak = max(peak, u/capExp)
		})
	}
	return peak
}

// needsDaily says whether the region's users' daily demand gets a stream
// of its own (see dailyFloor).
func needsDaily(g *region, effects []faults.Effect) bool {
	return dailyPeak(g, effects) >= dailyFloor
}

// dailyRate is the real request rate the daily stream sends at experiment
// time t, per wall second: the users' demand then, mapped to the measured
// capacity, less what the prober and the teachers already send. It is a
// rate per wall second whatever the clock does: compressed, one wall
// second stands for time_scale seconds of experiment and its requests for
// time_scale times as many, but the demand over capacity, and so the
// share served, is the experiment's at t.
func (g *region) dailyRate(t time.Duration) float64 {
	u, _ := demand(g, g.run.plan, t)
	return max(0, g.mapping.realRate(u)-g.background())
}

// background is the real request rate the prober and the teachers send:
// they are users too, so the generators send the rest of the demand.
func (g *region) background() float64 {
	return float64(time.Second/probeEvery) + g.writeRate(len(g.run.exp.Regions))
}

// dailyPhases are the stretches of the daily stream with a rate to send,
// each an hour of experiment time at most, with their peak real rate: for
// lanes, and for the generator, which runs only where there is something
// to send (a pacer at rate 0 waits a minute before it looks again).
func dailyPhases(g *region, effects []faults.Effect) []loadWindow {
	var out []loadWindow
	for _, w := range dailySpans(effects, g) {
		open := false
		for t := w.from; t < w.to; t += dailyStep(w) {
			live := g.dailyRate(t) > 0
			switch {
			case live && (!open || t-out[len(out)-1].from >= time.Hour):
				if open {
					out[len(out)-1].to = t
				}
				out = append(out, loadWindow{from: t})
				open = true
			case !live && open:
				out[len(out)-1].to = t
				open = false
			}
		}
		if open {
			out[len(out)-1].to = w.to
		}
	}
	return out
}

// daily sends the users' daily demand to the region outside its load
// windows, from the clock's start to the horizon, and records it as the
// phase "daily demand": its served share is that of the moments at the
// daily peak (dailyHeight), the prober's requests then included.
func (l *loads) daily(ctx context.Context, g *region) {
	horizon := g.run.exp.Duration
	s := &userStream{w: loadWindow{from: 0, to: horizon}, region: g.r.Name, done: make(chan struct{})}
	st := &phaseStats{region: g.r.Name, fault: dailyPhase}
	s.stats = []*phaseStats{st}
	l.mu.Lock()
	if l.streams == nil {
		l.streams = map[string]*userStream{}
	}
	l.streams[g.r.Name+"@daily"] = s
	l.mu.Unlock()
	defer close(s.done)

	var top float64 // the highest users' demand outside load windows
	for _, w := range dailySpans(g.run.plan, g) {
		sampleDaily(w, func(t time.Duration) {
			u, _ := demand(g, g.run.plan, t)
			top = max(top, u)
			st.peak = max(st.peak, g.dailyRate(t))
		})
	}
	atPeak := func(t time.Duration) bool {
		u, _ := demand(g, g.run.plan, t)
		return u >= dailyHeight*top
	}
	// A lane after the first starts its clock later: nothing is sent
	// before (the clock reads 0 until then).
	if !platform.Sleep(ctx, time.Until(g.clock.start)) {
		return
	}
	// The generator runs over the phases that follow each other at once:
	// one that ended waits for its answers (the users' patience), which
	// would leave a gap in the demand.
	var runs []loadWindow
	for _, ph := range dailyPhases(g, g.run.plan) {
		if n := len(runs); n > 0 && runs[n-1].to == ph.from {
			runs[n-1].to = ph.to
			continue
		}
		runs = append(runs, ph)
	}
	var lateness time.Duration
	began := time.Now()
	for _, ph := range runs {
		if _, ok := g.clock.wait(ctx, ph.from); !ok {
			break
		}
		gen(ctx, g.clock, ph.to, g.dailyRate, pupilTargeter(g.entry), g.r.Objectives.Patience(loadTimeout), g.seed("daily", ph.from), func(t time.Duration, r *vegeta.Result) {
			ok := r.Code/100 == 2 && r.Error == ""
			restricted := r.Code == http.StatusServiceUnavailable && bytes.Contains(r.Body, []byte("restreint"))
			g.load.add(result{sent: r.Timestamp, latency: r.Latency, ok: ok, restricted: restricted})
			s.mu.Lock()
			defer s.mu.Unlock()
			st.sent++
			if ok {
				st.served++
			}
			if restricted {
				st.restricted++
			}
			if atPeak(t) {
				st.hold(ok, g.clock.pace(r.Timestamp))
			}
		}, &lateness)
	}
	if ctx.Err() != nil {
		return
	}
	// The prober's requests at the daily peak count too, outside the load
	// windows (theirs count in the windows' effects).
	spans := dailySpans(g.run.plan, g)
	for _, r := range g.probes.sorted() {
		t := g.clock.exp(r.sent)
		if t < 0 || t >= horizon || !atPeak(t) {
			continue
		}
		for _, w := range spans {
			if t >= w.from && t < w.to {
				st.hold(r.ok, g.clock.pace(r.sent))
			}
		}
	}
	s.mu.Lock()
	st.lateness = lateness
	s.began, s.ended = began, time.Now()
	s.mu.Unlock()
	l.mu.Lock()
	l.phases = append(l.phases, *st)
	l.mu.Unlock()
}

// dailyNote names the regions whose daily demand gets no stream of its
// own, and why.
func dailyNote(regions []*region, effects []faults.Effect) string {
	var names []string
	top := 0.0
	for _, g := range regions {
		if p := dailyPeak(g, effects); p < dailyFloor {
			names = append(names, g.r.Name)
			top = max(top, p)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("outside load effects, the users' daily demand of %s stays under %.0f%% of their capacity (at most %.0f%%): no users' stream runs for it, the prober and the teachers stand for their users there, and their stacks' capacity was not measured unless a load effect needed it",
		strings.Join(names, ", "), 100*dailyFloor, 100*top)
}
