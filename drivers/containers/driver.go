// Package containers is the driver that runs an experiment for real: per
// region, a containerized ENT stack (HAProxy, entd app servers, PostgreSQL
// 15 primary and standby, backup agents) laid out across the hosting's
// datacenters, started with testcontainers-go; real users (a prober, and
// teachers entering grades) drive it while the plan's faults are injected
// for real; recovery (promotion, restore, restart) is performed, not
// assumed; an audit of the recovered database counts the acknowledged
// writes that were lost.
//
// Every datacenter is an internal Docker network; connections between two
// datacenters go through a link container (linkd) that partitions and
// latency act on. Human delays and long outages are compressed by the
// experiment's time_scale and reported as modeled; what the machine did is
// reported as measured.
package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// Options configure the driver.
type Options struct {
	// Scale is how many real users one virtual user stands for; 0 takes
	// the experiment's scale.
	Scale int
	// Progress receives what the driver is doing (image builds, stacks
	// starting); nil for silence.
	Progress io.Writer
}

// Driver runs experiments on real containers. One Run at a time per
// Driver; two drivers (or two processes) may run at once.
type Driver struct {
	opts Options
	// Last holds figures about the last run, for benchmarks.
	Last Stats
}

// Stats are figures about a run's machinery, not about the regions.
type Stats struct {
	Images        Images
	Healthy       time.Duration // from Run to every stack healthy
	Lateness      []time.Duration
	Containers    int
	Swept         Removed // left by killed runs and removed first
	CleanupRemain Removed // what cleanup removed at the end
}

// New returns a containers driver.
func New(opts Options) *Driver { return &Driver{opts: opts} }

// Name implements engine.Driver.
func (*Driver) Name() string { return "containers" }

// startParallel is how many region stacks start at once: PostgreSQL's
// initdb is the bottleneck on two cores.
const startParallel = 3

// Run implements engine.Driver.
func (d *Driver) Run(ctx context.Context, p *engine.Plan) (obs *engine.Observation, err error) {
	begin := time.Now()
	progress := d.opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	exp := p.Experiment
	scale := d.opts.Scale
	if scale <= 0 {
		scale = max(exp.Scale, 1)
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	if swept, err := sweepOrphans(ctx, cli); err != nil {
		return nil, fmt.Errorf("sweep resources of killed runs: %w", err)
	} else if swept != (Removed{}) {
		fmt.Fprintf(progress, "removed what killed runs left: %s\n", swept)
		d.Last.Swept = swept
	}
	images, err := EnsureImages(ctx, progress)
	if err != nil {
		return nil, err
	}
	d.Last.Images = images
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	r := &run{
		id: hex.EncodeToString(id), cli: cli, exp: exp, images: images, log: progress, scale: scale,
		nets: map[string]string{},
	}
	defer func() {
		cctx, cancel := cleanupContext()
		defer cancel()
		n, cerr := remove(cctx, cli, runFilter(r.id))
		d.Last.CleanupRemain = n
		if cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up run %s (run `firedrill clean`): %w", r.id, cerr))
		}
	}()

	var regions []*region
	for i, reg := range exp.Regions {
		regions = append(regions, &region{
			run: r, r: reg, h: reg.Hosting, rs: fmt.Sprintf("%s%d", slug(reg.Name), i),
			hitBy: map[string]bool{}, dcDown: map[string]bool{}, dcGone: map[string]bool{}, probes: &series{}, load: &series{}, writes: &ledger{},
		})
	}
	fmt.Fprintf(progress, "run %s: starting %d ENT stacks...\n", r.id, len(regions))
	if err := startAll(ctx, regions, progress); err != nil {
		return nil, err
	}
	d.Last.Healthy = time.Since(begin)
	d.Last.Containers = len(r.containers(func(*ctr) bool { return true }))
	fmt.Fprintf(progress, "run %s: %d containers healthy in %s; running %s of experiment in %s\n", r.id, d.Last.Containers,
		d.Last.Healthy.Round(time.Second), exp.Duration, time.Duration(float64(exp.Duration)/exp.TimeScale).Round(time.Second))

	lds := &loads{scale: scale, peak: map[string]float64{}}
	rctx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var work, gens sync.WaitGroup
	// Warm-up: users arrive and the stacks settle before the clock starts,
	// so that start-up jitter is not read as an outage, and every region
	// holds acknowledged grades and a backup when the experiment begins.
	for _, g := range regions {
		g.start(rctx, &gens, len(regions))
	}
	if err := warmUp(ctx, regions, 2*time.Minute); err != nil {
		return nil, err
	}
	var backups []func()
	for _, g := range regions {
		for _, a := range g.agents {
			backups = append(backups, func() { g.takeBackup(ctx, a, 0) })
		}
	}
	runAll(backups)
	t0 := time.Now()
	var injectors []*injector
	for _, g := range regions {
		g.clock = newClock(t0, exp.TimeScale)
		g.backups(rctx, &work)
		in := &injector{g: g, loads: lds}
		injectors = append(injectors, in)
		work.Add(1)
		go func() {
			defer work.Done()
			in.inject(rctx, p.Effects, &work)
		}()
	}
	// Each region runs to its own horizon: its clock ran at 1:1 while its
	// mechanisms worked, so it reaches the horizon later than the others.
	for _, g := range regions {
		if _, ok := g.clock.wait(ctx, exp.Duration); !ok {
			return nil, ctx.Err()
		}
		g.stopLoad()
	}
	end := time.Now()
	cancelRun()
	gens.Wait()
	work.Wait()
	for _, g := range regions {
		g.recovering.Wait()
	}
	var lateness []time.Duration
	var errs []error
	for _, in := range injectors {
		lateness = append(lateness, in.lateness...)
		errs = append(errs, in.errs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("inject faults: %w", err)
	}

	obs = &engine.Observation{}
	for _, g := range regions {
		ro, err := g.observe(ctx, p, end)
		if err != nil {
			return nil, err
		}
		obs.Regions = append(obs.Regions, ro)
	}
	d.Last.Lateness = lateness
	obs.Notes = append(obs.Notes,
		fmt.Sprintf("containers driver: %d containers; one virtual user stands for %d real ones; one wall second stands for %s of experiment except while a recovery mechanism runs (measured at 1:1)",
			d.Last.Containers, scale, time.Duration(exp.TimeScale*float64(time.Second))),
		fmt.Sprintf("per region: up to %d entd app servers per datacenter (%.2g CPU, %d MiB), PostgreSQL 15 (%.2g CPU, %d MiB), HAProxy (%.2g CPU); stacks healthy %s after start; images %s",
			maxAppsPerDC, appCPUs, appMemMB, pgCPUs, pgMemMB, edgeCPUs, d.Last.Healthy.Round(100*time.Millisecond), cachedWord(images)),
	)
	if len(lateness) > 0 {
		p50, p99 := percentile(lateness, 0.5), percentile(lateness, 0.99)
		obs.Notes = append(obs.Notes, fmt.Sprintf("fault injection lateness: p50 %s, p99 %s over %d effects", p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond), len(lateness)))
	}
	obs.Notes = append(obs.Notes, lds.notes()...)
	return obs, nil
}

func cachedWord(im Images) string {
	if im.Cached() {
		return "cached"
	}
	return fmt.Sprintf("built in %s", im.Took.Round(time.Second))
}

func percentile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// startAll starts every region's stack, a few at a time.
func startAll(ctx context.Context, regions []*region, progress io.Writer) error {
	sem := make(chan struct{}, startParallel)
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, g := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t := time.Now()
			if err := g.startStack(ctx); err != nil {
				errs[i] = fmt.Errorf("region %s: %w", g.r.Name, err)
				return
			}
			fmt.Fprintf(progress, "  %s healthy in %s at %s\n", g.r.Name, time.Since(t).Round(100*time.Millisecond), g.entry)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maxWritesPerSecond bounds the grades entered per wall second over all
// regions, so that 13 stacks on two cores measure the stacks, not a host
// drowning in its own load.
const maxWritesPerSecond = 120

// writeRate is how many grades per wall second the region's teachers
// enter: the workload's rate for the online users, scaled down, within
// bounds that keep losses visible and the machine breathing.
func (g *region) writeRate(regions int) float64 {
	w := g.r.Workload
	perHour := float64(g.r.Users) * w.PeakConcurrency * w.WritesPerUserHour
	perWallSecond := perHour / 3600 * g.run.exp.TimeScale / float64(max(g.run.scale, 1))
	return min(max(perWallSecond, 4), 40, max(4, maxWritesPerSecond/float64(regions)))
}

// warmUp waits until every region answers probes steadily and has an
// acknowledged grade.
func warmUp(ctx context.Context, regions []*region, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var late []string
		for _, g := range regions {
			acked := false
			for _, w := range g.writes.all() {
				acked = acked || w.acked
			}
			if !acked || !g.probes.okStreak(sustain) {
				late = append(late, g.r.Name)
			}
		}
		if len(late) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("regions %s not serving steadily %s after their stacks were healthy", strings.Join(late, ", "), limit)
		}
		if !sleepUntil(ctx, time.Now().Add(200*time.Millisecond)) {
			return ctx.Err()
		}
	}
}

// runAll runs fs at once and waits for them.
func runAll(fs []func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	wg.Wait()
}

// start launches the region's prober and teachers.
func (g *region) start(ctx context.Context, wg *sync.WaitGroup, regions int) {
	lctx, cancel := context.WithCancel(ctx)
	g.stopLoad = cancel
	wg.Add(3)
	go func() { defer wg.Done(); probe(lctx, g.entry, g.probes) }()
	rate := g.writeRate(regions)
	for k := 1; k <= 2; k++ {
		t := &teacher{entry: g.entry, login: fmt.Sprintf("teacher%03d", k), prefix: fmt.Sprintf("%s-t%d", g.rs, k), firstPupil: 1 + (k-1)*pupilsPerTeacher, hc: newClient()}
		go func() { defer wg.Done(); t.enterGrades(lctx, rate/2, g.writes) }()
	}
}

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
	for _, c := range checks {
		ro.Demanded++
		if c.ok {
			ro.Delivered++
		}
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].sent.Before(checks[j].sent) })
	for _, o := range outages(checks, end) {
		s := engine.Span{Start: g.clock.exp(o[0]), End: min(horizon, g.clock.exp(o[1]))}
		if s.End > s.Start {
			// the prober cannot tell what caused an outage: every fault
			// that hit the region is a candidate.
			ro.Outages = append(ro.Outages, engine.Outage{Span: s, State: engine.StateDown, Cause: ro.HitBy})
		}
	}
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
	var lostFirst, lostLast time.Time
	for _, w := range writes {
		if w.acked {
			ro.AckedWrites++
			if audited && !found[w.id] || ro.AllDataLost {
				ro.LostWrites++
				if lostFirst.IsZero() || w.done.Before(lostFirst) {
					lostFirst = w.done
				}
				if w.done.After(lostLast) {
					lostLast = w.done
				}
			}
		} else if audited && found[w.id] {
			ro.UnackedApplied++
		}
	}
	if !lostFirst.IsZero() {
		ro.Losses = []engine.Loss{{Span: engine.Span{Start: g.clock.exp(lostFirst), End: g.clock.exp(lostLast)}, Writes: ro.LostWrites, AllData: ro.AllDataLost}}
	}
	g.mu.Lock()
	ro.Timeline = append(ro.Timeline, g.timeline...)
	g.mu.Unlock()
	if !audited && !ro.AllDataLost {
		ro.Timeline = append(ro.Timeline, engine.Event{At: horizon, Kind: engine.EventDown, Basis: engine.Measured,
			Text: "no database to audit at the end of the horizon: lost writes unknown"})
	}
	if ro.LostWrites > 0 {
		ro.Timeline = append(ro.Timeline, engine.Event{At: ro.Losses[0].End, Kind: engine.EventWritesLost, Basis: engine.Measured,
			Text: fmt.Sprintf("audit: %.0f of %.0f acknowledged writes missing", ro.LostWrites, ro.AckedWrites)})
	}
	sort.SliceStable(ro.Timeline, func(i, j int) bool { return ro.Timeline[i].At < ro.Timeline[j].At })

	g.served(&ro, probesSince(probes, g.clock.start), exp)
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
	return ro, nil
}

// served buckets probes (and generated user load) into success ratios
// over experiment time, and sums the user-hours lost.
func (g *region) served(ro *engine.RegionObservation, probes []result, exp *experiments.Experiment) {
	all := append(probes, g.load.sorted()...)
	if len(all) == 0 {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sent.Before(all[j].sent) })
	const bucket = time.Second
	start := all[0].sent
	var ok, n int
	flush := func(at time.Time) {
		if n == 0 {
			return
		}
		t := g.clock.exp(at)
		succ := float64(ok) / float64(n)
		tod := exp.Start.Add(t).Sub(midnight(exp.Start.Add(t)))
		demand := float64(g.r.Users) * g.r.Workload.PeakConcurrency * g.r.Workload.Level(tod)
		ro.Served = append(ro.Served, engine.Sample{At: t, Success: succ, Demand: demand})
		ok, n = 0, 0
	}
	for _, r := range all {
		for r.sent.Sub(start) >= bucket {
			flush(start)
			start = start.Add(bucket)
		}
		n++
		if r.ok {
			ok++
		}
	}
	flush(start)
	for i := 1; i < len(ro.Served); i++ {
		a, b := ro.Served[i-1], ro.Served[i]
		ro.UserHoursLost += a.Demand * (1 - a.Success) * (b.At - a.At).Hours()
	}
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
	out, err := mustExec(ctx, g.run.cli, primary.id, "postgres", "psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "ent", "-c", "SELECT write_id FROM grades")
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

func runFilter(id string) client.Filters {
	return client.Filters{}.Add("label", LabelManaged+"=true", LabelRun+"="+id)
}

func newClient() *http.Client {
	return &http.Client{Timeout: loadTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}}
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
