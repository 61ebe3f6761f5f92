package containers

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

const (
	// maxRPS caps what one generator sends to one region, whatever the
	// mapping asks: the load stays bounded. TestGeneratorSchedule measures
	// that the generator holds its schedule up to it.
	maxRPS = 800
	// loadTimeout is a generated request's deadline: a user gives up.
	loadTimeout = experiments.UserPatience
)

// loads generates the users' and the attackers' traffic of load effects
// (surges, floods) against the regions' entry points, mapped so that
// demand over capacity on the real stack is the experiment's.
type loads struct {
	mu      sync.Mutex
	phases  []phaseStats
	streams map[string]*userStream
}

// phaseStats is what one load effect sent to one region, and how it was
// served.
type phaseStats struct {
	region, fault string
	peak          float64 // highest real rate scheduled, req/s
	sent, served  int     // users' requests, over the effect
	// holdSent and holdServed count the users' requests while the effect
	// is at its height (a surge's hold; a flood's whole span), each
	// weighed by the experiment time it stands for (clock.pace).
	holdSent, holdServed float64
	restricted           int // answered with the admission page
	bots, botsPassed     int
	lateness             time.Duration // how far the generator fell behind its schedule at the end
}

// servedShare is the share of users' requests served at the effect's
// height.
func (p phaseStats) servedShare() float64 {
	if p.holdSent == 0 {
		return 1
	}
	return p.holdServed / p.holdSent
}

// hold counts one of the users' requests at the effect's height, weighed
// by the experiment time it stands for (clock.pace).
func (p *phaseStats) hold(ok bool, weight float64) {
	p.holdSent += weight
	if ok {
		p.holdServed += weight
	}
}

// atHeight says whether experiment time t is at e's height: a surge's
// hold, a flood's whole span.
func atHeight(e faults.Effect, t time.Duration) bool {
	if e.Action == faults.Flood {
		return t >= e.At && t < e.End()
	}
	return t >= faults.AddDurations(e.At, e.Ramp) && t < faults.AddDurations(e.At, e.Ramp, e.Hold)
}

// loadWindow is a run of a region's load effects whose spans overlap or
// touch: the users' demand over it is one curve (rules.Surge multiplies
// the surges at each moment), sent by one generator.
type loadWindow struct {
	from, to time.Duration
	effects  []faults.Effect // by start
}

// loadWindows merges the load effects that touch g into windows.
func loadWindows(effects []faults.Effect, g *region) []loadWindow {
	var es []faults.Effect
	for _, e := range effects {
		if (e.Action == faults.Surge || e.Action == faults.Flood) && rules.Touches(&e, g.r, rules.Datacenters(g.h)) {
			es = append(es, e)
		}
	}
	slices.SortStableFunc(es, func(a, b faults.Effect) int { return int(a.At - b.At) })
	var ws []loadWindow
	for _, e := range es {
		if n := len(ws); n > 0 && e.At <= ws[n-1].to {
			ws[n-1].to = max(ws[n-1].to, e.End())
			ws[n-1].effects = append(ws[n-1].effects, e)
			continue
		}
		ws = append(ws, loadWindow{from: e.At, to: e.End(), effects: []faults.Effect{e}})
	}
	return ws
}

// userStream is the users' traffic to one region over one load window,
// shared by the window's effects: two surges at once send the demand they
// make together, once, not once each.
type userStream struct {
	w      loadWindow
	region string
	// began and ended are the wall times the generator ran between: the
	// host's CPUs are judged over them.
	began, ended time.Time
	mu           sync.Mutex
	stats        []*phaseStats // one per effect of the window, in its order
	done         chan struct{} // closed when every request sent has its answer
}

// last is the index of the effect that ends the window: the one that
// waits for the whole stream's answers.
func (s *userStream) last() int {
	return slices.IndexFunc(s.w.effects, func(e faults.Effect) bool { return e.End() == s.w.to })
}

// stream returns the users' stream of the window holding e, and e's
// index in it, starting the generator when e is the first of its window
// to be carried out.
func (l *loads) stream(ctx context.Context, g *region, e faults.Effect) (*userStream, int, error) {
	for _, w := range loadWindows(g.run.plan, g) {
		i := slices.IndexFunc(w.effects, func(f faults.Effect) bool {
			return f.Fault == e.Fault && f.Action == e.Action && f.At == e.At
		})
		if i < 0 {
			continue
		}
		key := fmt.Sprintf("%s@%d", g.r.Name, w.from)
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.streams == nil {
			l.streams = map[string]*userStream{}
		}
		if s, ok := l.streams[key]; ok {
			return s, i, nil
		}
		s := &userStream{w: w, region: g.r.Name, done: make(chan struct{})}
		for _, f := range w.effects {
			s.stats = append(s.stats, &phaseStats{region: g.r.Name, fault: f.Fault})
		}
		l.streams[key] = s
		go s.send(ctx, g)
		return s, i, nil
	}
	return nil, 0, fmt.Errorf("%s is not among the region's load effects", e.Fault)
}

// send generates the users' requests of the window at the mapped rate of
// the experiment's demand, and counts each in the effects whose span it
// was sent in.
func (s *userStream) send(ctx context.Context, g *region) {
	defer close(s.done)
	// The prober and the teachers are users too: the generator sends the
	// rest of the mapped demand.
	users := func(t time.Duration) float64 {
		u, _ := demand(g, g.run.plan, t)
		return max(0, g.mapping.realRate(u)-g.background())
	}
	for k, e := range s.w.effects {
		st := s.stats[k]
		sampleWindow(loadWindow{from: e.At, to: e.End()}, func(t time.Duration) { st.peak = max(st.peak, users(t)) })
	}
	var lateness time.Duration
	began := time.Now()
	gen(ctx, g.clock, s.w.to, users, pupilTargeter(g.entry), g.r.Objectives.Patience(loadTimeout), g.seed("users", s.w.from), func(t time.Duration, r *vegeta.Result) {
		ok := r.Code/100 == 2 && r.Error == ""
		restricted := r.Code == http.StatusServiceUnavailable && bytes.Contains(r.Body, []byte("restreint"))
		g.load.add(result{sent: r.Timestamp, latency: r.Latency, ok: ok, restricted: restricted})
		s.mu.Lock()
		defer s.mu.Unlock()
		for k, e := range s.w.effects {
			if t < e.At || t >= e.End() {
				continue
			}
			st := s.stats[k]
			st.sent++
			if ok {
				st.served++
			}
			if restricted {
				st.restricted++
			}
			if atHeight(e, t) {
				st.hold(ok, g.clock.pace(r.Timestamp))
			}
		}
	}, &lateness)
	s.mu.Lock()
	s.stats[s.last()].lateness = lateness
	s.began, s.ended = began, time.Now()
	s.mu.Unlock()
}

// run carries out a surge or a flood on region g: the users' requests of
// its window (see userStream), and for a flood, the botnet's at the
// mapped attack rate; it returns once the effect's requests are answered.
func (l *loads) run(ctx context.Context, g *region, e faults.Effect) error {
	s, k, err := l.stream(ctx, g, e)
	if err != nil {
		return err
	}
	m := g.mapping
	onset := make(chan struct{})
	go func() { defer close(onset); g.overload(ctx, e) }()
	defer func() { <-onset }()
	var bots, botsPassed int
	if e.Action == faults.Flood {
		attack := func(time.Duration) float64 { return m.realRate(e.RPS) }
		var late time.Duration
		// gen hands over its results one at a time: no lock.
		gen(ctx, g.clock, e.End(), attack, botTargeter(g.entry, m.realRate(e.RPS)), loadTimeout, g.seed("bots", e.At), func(_ time.Duration, r *vegeta.Result) {
			bots++
			// The edge turns bots away with 429 (rate limit) or 403
			// (scrubbing); anything else reached the app, whatever it
			// answered, or timed out there.
			if r.Code != http.StatusTooManyRequests && r.Code != http.StatusForbidden {
				botsPassed++
			}
		}, &late)
	}
	// The users' requests sent before the effect's end are answered
	// within their patience; the window's last effect waits for them all,
	// so that the generator never outlives the run's effects.
	if _, ok := g.clock.wait(ctx, e.End()); !ok {
		<-s.done // cancelled: the generator stops within its patience
		return nil
	}
	if k == s.last() {
		// The load is over: from here the clock measures the backlog
		// drain at 1:1 (drainFrom), answers to the last requests included.
		end, out := time.Now(), !g.probes.okStreak(sustain)
		g.clock.real(end)
		defer g.drain(ctx, end, out)
	}
	var answered <-chan time.Time
	if k != s.last() {
		tm := time.NewTimer(g.r.Objectives.Patience(loadTimeout) + time.Second)
		defer tm.Stop()
		answered = tm.C
	}
	select {
	case <-s.done:
	case <-answered:
	case <-ctx.Done():
		<-s.done
		return nil
	}
	s.mu.Lock()
	st := *s.stats[k]
	s.mu.Unlock()
	st.bots, st.botsPassed = bots, botsPassed
	// The prober is one of the users: its probes at the effect's height
	// count in the served share (they are all there is when the mapped
	// demand is no more than the prober and the teachers).
	for _, r := range g.probes.sorted() {
		if t := g.clock.exp(r.sent); t >= e.At && t < e.End() && atHeight(e, t) {
			st.hold(r.ok, g.clock.pace(r.sent))
		}
	}
	l.mu.Lock()
	l.phases = append(l.phases, st)
	l.mu.Unlock()
	text := fmt.Sprintf("%s ended: %d users' requests sent (peak %.0f/s), %.1f%% served at its height", e.Fault, st.sent, st.peak, 100*st.servedShare())
	if st.restricted > 0 {
		text += fmt.Sprintf(", %d turned away by admission control", st.restricted)
	}
	if st.bots > 0 {
		text += fmt.Sprintf("; %d attack requests, %d reached the app (%.1f%%)", st.bots, st.botsPassed, 100*float64(st.botsPassed)/float64(st.bots))
	}
	g.event(engine.EventFaultEnded, engine.Measured, e.Fault, 0, "%s", text)
	return nil
}

// gen sends requests from tr at rate(t) per wall second, t being the
// region's experiment time, from now until the region's clock reads end
// (an open model: a slow answer does not slow the sender, so overload is
// not hidden by coordinated omission), and hands each result to record
// with the experiment time it was sent at. The requests arrive as a
// Poisson stream of that rate, drawn from seed: many users acting
// independently, as the model's queue assumes. Evenly spaced requests would
// not queue at all below capacity, and a stack at 95 % of it would answer
// as fast as an idle one.
func gen(ctx context.Context, c *clock, end time.Duration, rate func(time.Duration) float64, tr vegeta.Targeter, timeout time.Duration, seed uint64, record func(time.Duration, *vegeta.Result), lateness *time.Duration) {
	p := &clockPacer{clock: c, rate: rate, end: end, begin: time.Now(), poisson: rand.New(rand.NewPCG(seed, 0x66697265647269))}
	peak := maxRPS * timeout.Seconds()
	atk := vegeta.NewAttacker(
		vegeta.Timeout(timeout), vegeta.KeepAlive(true),
		vegeta.Workers(64), vegeta.MaxWorkers(uint64(1.5*peak)),
		vegeta.Connections(256), vegeta.MaxBody(256), vegeta.Redirects(vegeta.NoFollow),
	)
	defer atk.Stop()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	defer close(done)
	for r := range atk.Attack(tr, p, 0, "firedrill") {
		record(c.exp(r.Timestamp), r)
	}
	*lateness = p.behind()
}

// clockPacer paces an attack by a rate that follows the region's clock:
// hits are due as fast as the integral of rate over wall time says, and
// the attack stops when the clock reaches end.
type clockPacer struct {
	clock *clock
	rate  func(time.Duration) float64
	end   time.Duration
	begin time.Time

	// poisson draws the gaps between hits (exponential, in units of the
	// rate's integral); nil spaces them evenly.
	poisson *rand.Rand

	mu       sync.Mutex
	last     time.Duration // wall elapsed at the last integration step
	due      float64       // hits due by last
	lastHits uint64
	// next is the integral of the rate at which hit number nextFor (the
	// count of hits sent before it) is due.
	next    float64
	nextFor uint64
	drawn   bool
}

// target is the integral of the rate at which the hit after hits is due:
// hits + 1 when evenly spaced, else the sum of hits + 1 exponential gaps.
func (p *clockPacer) target(hits uint64) float64 {
	if p.poisson == nil {
		return float64(hits) + 1
	}
	if !p.drawn {
		p.next, p.drawn = p.poisson.ExpFloat64(), true
	}
	for ; p.nextFor < hits; p.nextFor++ {
		p.next += p.poisson.ExpFloat64()
	}
	return p.next
}

var _ vegeta.Pacer = (*clockPacer)(nil)

// Pace implements vegeta.Pacer. Vegeta sleeps the returned wait and then
// sends one hit, so the wait is when the integral of the rate reaches the
// next hit, found by stepping forward on the region's clock.
func (p *clockPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate := func(at time.Duration) (float64, bool) {
		t := p.clock.exp(p.begin.Add(at))
		return min(p.rate(t), maxRPS), t < p.end
	}
	r, live := rate(elapsed)
	if !live {
		return 0, true
	}
	// Integrate the rate over wall time up to now (trapezoids would not
	// matter: steps are milliseconds at the rates that count).
	p.due += r * (elapsed - p.last).Seconds()
	p.last = elapsed
	p.lastHits = hits
	need := p.target(hits) - p.due
	if need <= 0 {
		return 0, false
	}
	const step = time.Millisecond
	acc := 0.0
	for w := time.Duration(0); w < time.Minute; w += step {
		r, live := rate(elapsed + w)
		if !live {
			return 0, true
		}
		if r > 0 && acc+r*step.Seconds() >= need {
			return w + time.Duration((need-acc)/r*float64(time.Second)), false
		}
		acc += r * step.Seconds()
	}
	return time.Minute, false
}

// Rate implements vegeta.Pacer.
func (p *clockPacer) Rate(elapsed time.Duration) float64 {
	return min(p.rate(p.clock.exp(p.begin.Add(elapsed))), maxRPS)
}

// behind is how far, in requests' worth of time, the attack trailed its
// schedule at its last step.
func (p *clockPacer) behind() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	gap := p.due - float64(p.lastHits)
	if gap <= 1 {
		return 0
	}
	r := max(p.rate(p.clock.exp(p.begin.Add(p.last))), 1)
	return time.Duration(gap / r * float64(time.Second))
}

// pupilTargeter makes users' requests: the timetable, each from one of
// many pupils' homes.
func pupilTargeter(entry string) vegeta.Targeter {
	var mu sync.Mutex
	n := 0
	return func(t *vegeta.Target) error {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		t.Method, t.URL = http.MethodGet, entry+"/api/probe"
		t.Header = http.Header{"X-Forwarded-For": {fmt.Sprintf("10.%d.%d.%d", 1+k%200, (k/200)%250, 1+(k/50000)%250)}}
		return nil
	}
}

// botTargeter makes attack requests: the timetable page users open, over
// and over. The botnet is wide: RateLimitPass of its requests come from so many
// addresses that each stays under the per-address limit, the rest from a
// few heavy hitters that the limit catches; so rate limiting lets
// RateLimitPass of the attack through, as rules.AttackPass says. All but
// ScrubbingPass of them carry the signature a scrubbing centre recognises
// (the X-Firedrill-Bot header).
func botTargeter(entry string, rate float64) vegeta.Targeter {
	// Each wide address sends a fifth of the limit.
	wide := max(1, int(math.Ceil(rate*rules.RateLimitPass/(rateLimitPerClient/10.0/5))))
	wideEvery := int(math.Round(1 / rules.RateLimitPass))
	unmarked := int(math.Round(1 / rules.ScrubbingPass))
	var mu sync.Mutex
	n := 0
	return func(t *vegeta.Target) error {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		addr := "198.51.100.1" // a heavy hitter
		if k%wideEvery == 0 {
			w := (k / wideEvery) % wide
			addr = fmt.Sprintf("203.0.%d.%d", w/250, 1+w%250)
		}
		// An HTTP flood of the page users open: each attack request costs
		// the app what a user's does, as the model counts it against the
		// same capacity.
		t.Method, t.URL = http.MethodGet, entry+"/api/probe"
		t.Header = http.Header{"X-Forwarded-For": {addr}}
		if k%unmarked != 0 {
			t.Header.Set("X-Firedrill-Bot", "1")
		}
		return nil
	}
}

// notes describe the load generated, for the report's notes.
func (l *loads) notes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ps := slices.Clone(l.phases)
	slices.SortFunc(ps, func(a, b phaseStats) int {
		if a.region != b.region {
			return compareStrings(a.region, b.region)
		}
		return compareStrings(a.fault, b.fault)
	})
	var out []string
	for _, p := range ps {
		height := "the effect's height"
		if p.fault == dailyPhase {
			height = "the daily peak"
		}
		s := fmt.Sprintf("%s, %s: users' requests peaked at %.0f/s real, %d sent, %.1f%% served at %s",
			p.region, p.fault, p.peak, p.sent, 100*p.servedShare(), height)
		if p.bots > 0 {
			s += fmt.Sprintf("; %d attack requests, %.2f%% reached the app", p.bots, 100*float64(p.botsPassed)/float64(p.bots))
		}
		if p.lateness > 0 {
			s += fmt.Sprintf("; the generator ended %s behind its schedule", p.lateness.Round(time.Millisecond))
		}
		out = append(out, s)
	}
	return out
}

// hostNotes say whether the host's CPUs kept up while the users' streams
// ran: a region whose load window found them saturated more than
// hostUnreliable of its seconds has served shares that may be the host's
// limit, not its stack's.
func (l *loads) hostNotes(h *hostCPU) []string {
	l.mu.Lock()
	none := len(l.streams) == 0
	l.mu.Unlock()
	if none {
		return nil
	}
	if h == nil {
		return []string{"host: its CPUs could not be observed (no /proc/stat, or a remote Docker engine); nothing says the host, not the stacks, did not set the served shares"}
	}
	l.mu.Lock()
	ss := make([]*userStream, 0, len(l.streams))
	for _, s := range l.streams {
		ss = append(ss, s)
	}
	l.mu.Unlock()
	slices.SortFunc(ss, func(a, b *userStream) int {
		if c := compareStrings(a.region, b.region); c != 0 {
			return c
		}
		return int(a.w.from - b.w.from)
	})
	var out []string
	hot, all, busiest := 0.0, 0, 0.0
	for _, s := range ss {
		s.mu.Lock()
		began, ended := s.began, s.ended
		s.mu.Unlock()
		share, n, peak := h.saturated(began, ended)
		if n == 0 {
			continue
		}
		hot, all, busiest = hot+share*float64(n), all+n, max(busiest, peak)
		if share > hostUnreliable {
			out = append(out, fmt.Sprintf("%s: UNRELIABLE: the host's CPUs were saturated (%.0f%% busy or more) in %.0f%% of the %d s its users' load ran (%s to %s of experiment time); the served shares then may be the host's limit, not the stack's",
				s.region, 100*hostSaturated, 100*share, n, s.w.from, s.w.to))
		}
	}
	if all > 0 {
		out = append([]string{fmt.Sprintf("host: its CPUs were saturated (%.0f%% busy or more) in %.0f of the %d s the users' load ran, the busiest second at %.0f%% (sampled each second from /proc/stat)",
			100*hostSaturated, hot, all, 100*busiest)}, out...)
	}
	return out
}

// hostUnreliable is the share of a load window's seconds with the host's
// CPUs saturated above which its figures are called unreliable.
const hostUnreliable = 0.1

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// seed is the seed of one generator: its region, its kind and when it
// starts, so that two generators never draw the same stream.
func (g *region) seed(kind string, from time.Duration) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%d", g.r.Name, kind, from)
	return h.Sum64()
}
