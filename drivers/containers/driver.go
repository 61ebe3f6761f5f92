// Package containers is the driver that runs an experiment for real: per
// region, a containerized ENT stack (HAProxy, entd app servers, PostgreSQL
// 15 primary and standby, backup agents) laid out across the hosting's
// datacenters, started with testcontainers-go; real users (a prober, and
// teachers entering grades) drive it while the plan's faults are injected
// for real; recovery (promotion, restore, restart) is performed, not
// assumed; an audit of the recovered database counts the acknowledged
// writes that were lost.
//
// The stack is written once; where its workloads run is a platform
// (package platform): Docker on this machine (package docker). Connections
// between two datacenters go through a link workload (linkd) that
// partitions and latency act on. Human delays and long outages are compressed by the
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
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
)

// Options configure the driver.
type Options struct {
	// Platform runs the stacks' workloads.
	Platform platform.Platform
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
	// Last holds figures about the last run's machinery.
	Last Stats
	// lastObs is the last run's observation, for tests that check what the
	// engine summarises away (the span of a loss).
	lastObs []engine.RegionObservation
}

var _ engine.Driver = (*Driver)(nil)

// Stats are figures about a run's machinery, not about the regions.
type Stats struct {
	Run        string        // the run's ID, in the firedrill.run label
	Healthy    time.Duration // from Run to every stack healthy
	Lateness   []time.Duration
	Containers int
	// History counts the acknowledged writes replayed before t0, over all
	// regions.
	History int
	// Loads are what each load effect sent and how it was served.
	Loads []phaseStats
}

// New returns a driver that runs stacks on opts.Platform, which is
// required: the stack has no platform of its own.
func New(opts Options) *Driver { return &Driver{opts: opts} }

// Name implements engine.Driver.
func (d *Driver) Name() string {
	if d.opts.Platform == nil {
		return "containers"
	}
	return d.opts.Platform.Driver()
}

// startParallel is how many region stacks start at once: PostgreSQL's
// initdb is the bottleneck on two cores.
const startParallel = 3

// Run implements engine.Driver.
func (d *Driver) Run(ctx context.Context, p *engine.Plan) (obs *engine.Observation, err error) {
	if d.opts.Platform == nil {
		return nil, errors.New("containers: no platform to run the stacks on (Options.Platform is nil)")
	}
	begin := time.Now()
	d.Last = Stats{}
	progress := d.opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	exp := p.Experiment
	scale := d.opts.Scale
	if scale <= 0 {
		scale = max(exp.Scale, 1)
	}
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	r := &run{id: hex.EncodeToString(id), exp: exp, plan: p.Effects, log: progress, scale: scale}
	d.Last.Run = r.id

	var regions []*region
	var dcs []string
	for i, reg := range exp.Regions {
		g := &region{
			run: r, r: reg, h: reg.Hosting, rs: fmt.Sprintf("%s%d", slug(reg.Name), i),
			hitBy: map[string]bool{}, dcDown: map[string]bool{}, dcGone: map[string]bool{}, probes: &series{}, load: &series{}, writes: &ledger{},
		}
		regions = append(regions, g)
		for _, dc := range g.dcs() {
			if !slices.Contains(dcs, dc) {
				dcs = append(dcs, dc)
			}
		}
	}
	for _, g := range regions {
		if needsLoad(p.Effects, g) {
			g.appRate = g.poolRate(p.Effects)
		}
	}
	if r.p, err = d.opts.Platform.Open(ctx, platform.Run{ID: r.id, Datacenters: dcs, Labels: r.dcLabels, Progress: progress}); err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := cleanupContext()
		defer cancel()
		err = errors.Join(err, r.p.Close(cctx))
	}()
	r.images = r.p.Images()
	fmt.Fprintf(progress, "run %s: starting %d ENT stacks...\n", r.id, len(regions))
	if err := startAll(ctx, regions, progress); err != nil {
		return nil, err
	}
	d.Last.Healthy = time.Since(begin)
	d.Last.Containers = len(r.containers(func(*ctr) bool { return true }))
	fmt.Fprintf(progress, "run %s: %d containers healthy in %s; running %s of experiment in %s\n", r.id, d.Last.Containers,
		d.Last.Healthy.Round(time.Second), exp.Duration, time.Duration(float64(exp.Duration)/exp.TimeScale).Round(time.Second))

	// History: the hours of grades before t0 that the oldest usable
	// backup reaches back to, with the backups taken on their schedule.
	hg, hctx := errgroup.WithContext(ctx)
	hg.SetLimit(startParallel)
	for _, g := range regions {
		hg.Go(func() error { return g.replayHistory(hctx) })
	}
	if err := hg.Wait(); err != nil {
		return nil, err
	}
	for _, g := range regions {
		d.Last.History += g.history
	}

	// Capacity: each stack that load effects or its users' daily demand
	// act on is measured alone, one after the other, and its load mapped
	// to it.
	for _, g := range regions {
		if !needsLoad(p.Effects, g) {
			continue
		}
		c, err := g.calibrate(ctx)
		if err != nil {
			return nil, fmt.Errorf("measure the capacity of %s: %w", g.r.Name, err)
		}
		g.mapping = newMapping(g.h, g.r.Workload, c)
		if g.mapping.admit > 0 {
			if err := g.reloadEdge(ctx); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(progress, "  %s serves %.0f requests/s at saturation\n", g.r.Name, c)
		g.notes = append(g.notes, g.mapping.note(g))
		if peak := peakMultiple(g, p.Effects) * c; peak > maxRPS {
			g.notes = append(g.notes, fmt.Sprintf("%s: UNRELIABLE: the load's peak maps to %.0f requests/s, above the %d the generator sends a region; demand over capacity is understated at the peak, and the served shares with it",
				g.r.Name, peak, maxRPS))
		}
	}
	offsets, laneNotes := lanes(regions, p.Effects, hostBudget())
	obsNotes := laneNotes
	if n := dailyNote(regions, p.Effects); n != "" {
		obsNotes = append(obsNotes, n)
	}

	lds := &loads{}
	rctx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var work, gens, dailies sync.WaitGroup
	cpu := watchHostCPU(rctx, &gens)
	// Warm-up: users arrive and the stacks settle before the clock starts,
	// so that start-up jitter is not read as an outage.
	for _, g := range regions {
		g.start(rctx, &gens, len(regions))
	}
	if err := warmUp(ctx, regions, 2*time.Minute); err != nil {
		return nil, err
	}
	// The backups scheduled at t0 itself, once the warm-up's grades are in.
	var bg errgroup.Group
	for _, g := range regions {
		for _, a := range g.agents {
			if a.due(r.exp, 0) {
				bg.Go(func() error { g.takeBackup(ctx, a, 0); return nil })
			}
		}
	}
	_ = bg.Wait()
	t0 := time.Now()
	var injectors []*injector
	for i, g := range regions {
		g.clock = newClock(t0.Add(offsets[i]), exp.TimeScale)
		g.backups(rctx, &work)
		in := &injector{g: g, loads: lds}
		injectors = append(injectors, in)
		work.Add(1)
		go func() {
			defer work.Done()
			in.inject(rctx, p.Effects, &work)
		}()
		if needsDaily(g, p.Effects) {
			dailies.Add(1)
			go func() {
				defer dailies.Done()
				lds.daily(rctx, g)
			}()
		}
	}
	// Each region runs to its own horizon: its clock ran at 1:1 while its
	// mechanisms worked, so it reaches the horizon later than the others.
	for _, g := range regions {
		if _, ok := g.clock.wait(ctx, exp.Duration); !ok {
			return nil, ctx.Err()
		}
		g.stopLoad()
	}
	// The daily streams end at the horizon on their own, once their last
	// requests are answered: their figures are whole.
	dailies.Wait()
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
		obs.Notes = append(obs.Notes, g.notes...)
	}
	d.Last.Lateness = lateness
	obs.Notes = append(obs.Notes,
		fmt.Sprintf("%s driver: %d containers; one virtual user stands for %d real ones; one wall second stands for %s of experiment except while a mechanism runs: a recovery, the onset of an overload, the drain of its backlog (measured at 1:1)",
			d.Name(), d.Last.Containers, scale, time.Duration(exp.TimeScale*float64(time.Second))),
		fmt.Sprintf("per region: up to %d entd app servers per datacenter (%.2g CPU, %d MiB), PostgreSQL 15 (%.2g CPU, %d MiB), HAProxy (%.2g CPU); stacks healthy %s after start; images %s",
			maxAppsPerDC, appCPUs, appMemMB, pgCPUs, pgMemMB, edgeCPUs, d.Last.Healthy.Round(100*time.Millisecond), r.images.How),
	)
	obs.Notes = append(obs.Notes, r.p.Notes()...)
	if len(lateness) > 0 {
		p50, p99 := percentile(lateness, 0.5), percentile(lateness, 0.99)
		obs.Notes = append(obs.Notes, fmt.Sprintf("fault injection lateness: p50 %s, p99 %s over %d effects", p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond), len(lateness)))
	}
	obs.Notes = append(obs.Notes, obsNotes...)
	obs.Notes = append(obs.Notes, lds.notes()...)
	obs.Notes = append(obs.Notes, lds.hostNotes(cpu)...)
	d.lastObs = obs.Regions
	d.Last.Loads = lds.phases
	return obs, nil
}

// cleanupContext is the context cleanup runs under: a fresh one, because
// the run's own context is typically cancelled (Ctrl-C) by then.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

func percentile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// startAll starts every region's stack, a few at a time.
func startAll(ctx context.Context, regions []*region, progress io.Writer) error {
	var eg errgroup.Group
	eg.SetLimit(startParallel)
	for _, g := range regions {
		eg.Go(func() error {
			t := time.Now()
			if err := g.startStack(ctx); err != nil {
				return fmt.Errorf("region %s: %w", g.r.Name, err)
			}
			fmt.Fprintf(progress, "  %s healthy in %s at %s\n", g.r.Name, time.Since(t).Round(100*time.Millisecond), g.entry)
			return nil
		})
	}
	return eg.Wait()
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
		if !platform.Sleep(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// start launches the region's prober and teachers.
func (g *region) start(ctx context.Context, wg *sync.WaitGroup, regions int) {
	lctx, cancel := context.WithCancel(ctx)
	g.stopLoad = cancel
	wg.Add(4)
	go func() { defer wg.Done(); probe(lctx, g.entry, g.r.Objectives.Patience(probeTimeout), g.probes) }()
	go func() { defer wg.Done(); g.sampleLag(lctx) }()
	rate := g.writeRate(regions)
	for k := 1; k <= 2; k++ {
		t := &teacher{entry: g.entry, login: fmt.Sprintf("teacher%03d", k), prefix: fmt.Sprintf("%s-t%d", g.rs, k), firstPupil: 1 + (k-1)*pupilsPerTeacher, hc: newClient(g.r.Objectives.Patience(loadTimeout))}
		go func() { defer wg.Done(); t.enterGrades(lctx, rate/2, g.writes) }()
	}
}

func newClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}}
}
