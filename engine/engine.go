// Package engine owns the run loop: it draws each trial's fault times, hands
// the plan to a Driver, and turns what the driver observed into figures
// (downtime, data loss, availability) and verdicts against each region's
// objectives.
package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Options tune a run.
type Options struct {
	// Trials is how many times to run the experiment, drawing fault times
	// from their ranges each time. 0 means 1.
	Trials int
	// Workers runs trials in parallel; only for drivers that allow it.
	Workers int
	// Sustain is how long service must stay in its SLO to count as
	// recovered: outages closer than this are one incident.
	Sustain time.Duration
	// Progress, when set, is called after each trial.
	Progress func(done, total int)
	// Baseline runs the control trial (no fault) when set; nil runs it on
	// the trial's own driver. The CLI hands the model driver here for
	// drivers whose runs are expensive.
	Baseline Driver
	// NoBaseline skips the control trial: every incident with a cause then
	// counts as caused by a fault.
	NoBaseline bool
}

// DefaultSustain is the default for Options.Sustain.
const DefaultSustain = 5 * time.Minute

// Result is a whole run's figures.
type Result struct {
	Experiment  string
	Description string
	File        string
	Driver      string
	Seed        int64
	Trials      int
	Start       time.Time
	Horizon     time.Duration
	Faults      []Scheduled // as drawn for the first trial
	Regions     []RegionResult
	Notes       []string
	// Setup is the experiment as run, for reports that draw the topology.
	Setup *experiments.Experiment
}

// Pass reports whether every objective of every region was met.
func (r *Result) Pass() bool {
	for _, rr := range r.Regions {
		if !rr.Pass {
			return false
		}
	}
	return true
}

// RegionResult is one region's figures and verdicts. With several trials,
// the headline figures are the 95th percentiles over trials and Trials
// holds the distribution; the timeline is the first trial's.
type RegionResult struct {
	Region      string
	Hosting     string
	MonthlyCost float64
	HitBy       []string
	Recovered   bool
	Recovery    Recovery
	// Downtime is the longest incident: from its first failure to the start
	// of sustained success.
	Downtime time.Duration
	// OutOfSLO is the total time out of SLO over the horizon.
	OutOfSLO time.Duration
	// DataLoss is the worst single failure's loss window.
	DataLoss       time.Duration
	LostWrites     int64
	AckedWrites    int64
	AllDataLost    bool
	UnackedApplied int64
	Availability   float64 // percent of the horizon in SLO
	// P95 and P99 are the worst response-time percentiles over the moments
	// not down; zero when the driver has none.
	P95, P99 time.Duration
	// Slow is the time out of SLO only because answers were too slow.
	Slow time.Duration
	// ServedRatio is requests served over requests demanded across the
	// horizon, 0..1; 1 when the driver did not count requests and nothing
	// was out of SLO.
	ServedRatio   float64
	UserHoursLost float64
	// Incidents are the outages merged by Options.Sustain, each with its
	// state, cause and losses.
	Incidents []Incident
	// Baseline is the same trial without any fault: what users live through
	// on an ordinary day. nil when no baseline was run.
	Baseline   *Baseline
	Objectives experiments.Objectives
	Verdicts   []Verdict
	Pass       bool
	Outages    []Outage
	Timeline   []Event
	Served     []Sample
	Phases     []Phase
	Trials     *Distribution
}

// Incident is one stretch out of SLO: outages closer than Options.Sustain
// merged.
type Incident struct {
	Span
	// State is the worst of its parts: down, then degraded, then slow.
	State State
	// Cause lists the faults behind it; empty when none (FaultCaused false).
	Cause []string
	// FaultCaused says a fault made it: it is not something the baseline
	// lives through too. Only these count in Downtime and the RTO verdict.
	FaultCaused bool
	Recovery    Recovery
	ServedRatio float64
	DataLoss    time.Duration
	LostWrites  int64
	AllDataLost bool
}

// Baseline is a region's figures in the control trial, with no fault.
type Baseline struct {
	Availability float64
	ServedRatio  float64
	OutOfSLO     time.Duration
}

// Verdict is one objective checked.
type Verdict struct {
	Objective string // rto, rpo, availability
	Target    string
	Actual    string
	Pass      bool
}

// Distribution summarises a figure over many trials.
type Distribution struct {
	N      int
	Passed int // trials in which every objective was met
	// AllDataLost and Unrecovered count the trials that lost every copy of
	// the data, and those still out at the end of the horizon.
	AllDataLost  int
	Unrecovered  int
	ServedRatio  Quantiles
	Downtime     Quantiles
	DataLoss     Quantiles
	LostWrites   Quantiles
	Availability Quantiles
	// Histograms, sorted by value.
	Downtimes  []Bin
	DataLosses []Bin
}

// Quantiles of a figure; durations are in seconds.
type Quantiles struct {
	P50, P95, Max float64
}

// Run runs the experiment on the driver. Trials stream into per-region
// accumulators, so memory does not grow with the number of trials; only the
// first trial's full result (timeline, series) is kept.
func Run(ctx context.Context, exp *experiments.Experiment, drv Driver, opts Options) (*Result, error) {
	n := opts.Trials
	if n <= 0 {
		n = 1
	}
	if opts.Sustain <= 0 {
		opts.Sustain = DefaultSustain
	}
	workers := min(max(opts.Workers, 1), n)

	var notes []string
	base, err := baseline(ctx, exp, drv, opts)
	if err != nil {
		return nil, err
	}
	if base != nil && opts.Baseline != nil && opts.Baseline.Name() != drv.Name() {
		notes = append(notes, fmt.Sprintf("baseline (the same experiment with no fault) simulated on the %s driver", opts.Baseline.Name()))
	}

	var (
		first     []RegionResult
		firstPlan *Plan
		drvNotes  []string
		acc       = newAccumulator(len(exp.Regions))
		done      atomic.Int64
		next      atomic.Int64
		mu        sync.Mutex
		firstErr  error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				p := NewPlan(exp, i, i == 0)
				obs, err := drv.Run(ctx, p)
				if err == nil {
					err = ctx.Err()
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("trial %d on %s driver: %w", i+1, drv.Name(), err)
					}
					mu.Unlock()
					cancel()
					return
				}
				rs, err := summarise(ctx, exp, obs, base, opts.Sustain, p.Detail)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				mu.Lock()
				acc.add(rs)
				if i == 0 {
					first, firstPlan, drvNotes = rs, p, obs.Notes
				}
				mu.Unlock()
				d := int(done.Add(1))
				if opts.Progress != nil {
					opts.Progress(d, n)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{
		Experiment:  exp.Name,
		Description: exp.Description,
		File:        exp.File,
		Driver:      drv.Name(),
		Seed:        exp.Seed,
		Trials:      n,
		Start:       exp.Start,
		Horizon:     exp.Duration,
		Faults:      firstPlan.Faults,
		Notes:       slices.Concat(drvNotes, notes),
		Setup:       exp,
	}
	res.Regions = first
	if n > 1 {
		res.Regions = acc.results(first)
	}
	return res, nil
}

// baseline runs the control trial: the experiment with no fault, on
// opts.Baseline (or the driver itself). Without faults nothing is drawn, so
// one control serves every trial.
func baseline(ctx context.Context, exp *experiments.Experiment, drv Driver, opts Options) (map[string]*RegionObservation, error) {
	if opts.NoBaseline {
		return nil, nil
	}
	bd := opts.Baseline
	if bd == nil {
		bd = drv
	}
	p := NewPlan(exp, 0, false)
	p.Faults, p.Effects = nil, nil
	obs, err := bd.Run(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("baseline (no fault) on %s driver: %w", bd.Name(), err)
	}
	out := make(map[string]*RegionObservation, len(obs.Regions))
	for i := range obs.Regions {
		out[obs.Regions[i].Region] = &obs.Regions[i]
	}
	return out, nil
}

// NewPlan draws the fault times of one trial. Each trial has its own random
// stream derived from the experiment's seed, so a trial's draw does not
// depend on how many trials run or in which order. Timed faults happen at
// their drawn at; a fault with every alone draws its occurrences over the
// horizon (a Poisson process per target) from a stream of its own, so that
// adding one leaves the timed faults' draws as they were.
func NewPlan(exp *experiments.Experiment, trial int, detail bool) *Plan {
	rng := rand.New(rand.NewPCG(uint64(exp.Seed), uint64(trial)))
	p := &Plan{Experiment: exp, Trial: trial, Seed: int64(rng.Uint64() >> 1), Detail: detail}
	p.addTimed(rng)
	freq := rand.New(rand.NewPCG(uint64(exp.Seed)^frequencyStream, uint64(trial)))
	for _, f := range exp.Faults {
		if f.Timed() || f.Every() <= 0 {
			continue
		}
		every := f.Every()
		for target := 0; target < f.Targets(); target++ {
			for at := poissonNext(freq, 0, every); at < exp.Duration; at = poissonNext(freq, at, every) {
				p.add(f, faults.Occurrence{At: at, Target: target, Rand: freq})
			}
		}
	}
	p.sortEffects()
	return p
}

// frequencyStream and riskStream set apart the random streams of frequency
// faults and of simulated years from the timed faults' stream.
const (
	frequencyStream = 0x6672657175656e63 // "frequenc"
	riskStream      = 0x7269736b79656172 // "riskyear"
)

// addTimed draws every timed fault's start (and its range attributes).
func (p *Plan) addTimed(rng *rand.Rand) {
	for _, f := range p.Experiment.Faults {
		if !f.Timed() {
			continue
		}
		lo, hi := f.Window()
		at := lo
		if hi > lo {
			// whole seconds keep reports readable and results stable.
			span := int64((hi - lo) / time.Second)
			at = lo + time.Duration(rng.Int64N(span+1))*time.Second
		}
		p.add(f, faults.Occurrence{At: at, Rand: rng})
	}
}

func (p *Plan) add(f faults.Fault, o faults.Occurrence) {
	ef := f.Effects(o)
	p.Faults = append(p.Faults, Scheduled{Fault: f, At: o.At, Target: o.Target, Effects: ef})
	p.Effects = append(p.Effects, ef...)
}

func (p *Plan) sortEffects() {
	sort.SliceStable(p.Effects, func(i, j int) bool { return p.Effects[i].At < p.Effects[j].At })
}

// poissonNext is the next occurrence after t of a Poisson process with mean
// gap every, in whole seconds like drawn start times (never at t itself).
func poissonNext(rng *rand.Rand, t time.Duration, every float64) time.Duration {
	gap := rng.ExpFloat64() * every // seconds
	if gap >= float64(math.MaxInt64/int64(time.Second))-t.Seconds() {
		return time.Duration(math.MaxInt64)
	}
	return t + max(time.Duration(math.Round(gap))*time.Second, time.Second)
}

// passes is judge's verdict without the words, for the bulk of many trials.
func passes(rr *RegionResult) bool {
	o := rr.Objectives
	if o.RTOSet && (!rr.Recovered || rr.Downtime > o.RTO) {
		return false
	}
	if o.RPOSet && (rr.AllDataLost || rr.DataLoss > o.RPO) {
		return false
	}
	if (o.LatencyP95 > 0 && rr.P95 > o.LatencyP95) || (o.LatencyP99 > 0 && rr.P99 > o.LatencyP99) {
		return false
	}
	return o.Availability <= 0 || rr.Availability >= o.Availability
}

func judge(rr *RegionResult) {
	o := rr.Objectives
	rr.Verdicts = rr.Verdicts[:0]
	if o.RTOSet {
		v := Verdict{Objective: "rto", Target: "≤ " + faults.FormatDuration(o.RTO)}
		if rr.Recovered {
			v.Actual = faults.FormatDuration(rr.Downtime)
			v.Pass = rr.Downtime <= o.RTO
		} else {
			v.Actual = "not recovered"
		}
		rr.Verdicts = append(rr.Verdicts, v)
	}
	if o.RPOSet {
		v := Verdict{Objective: "rpo", Target: "≤ " + faults.FormatDuration(o.RPO)}
		if rr.AllDataLost {
			v.Actual = "all data lost"
		} else {
			v.Actual = faults.FormatDuration(rr.DataLoss)
			v.Pass = rr.DataLoss <= o.RPO
		}
		rr.Verdicts = append(rr.Verdicts, v)
	}
	if o.Availability > 0 {
		rr.Verdicts = append(rr.Verdicts, Verdict{
			Objective: "availability",
			Target:    fmt.Sprintf("≥ %s%%", trimFloat(o.Availability)),
			Actual:    FormatAvailability(rr.Availability),
			Pass:      rr.Availability >= o.Availability,
		})
	}
	// a latency objective holds when no moment that answered was slower:
	// the slow stretches also count against availability.
	for _, l := range []struct {
		name           string
		target, actual time.Duration
	}{{"latency_p95", o.LatencyP95, rr.P95}, {"latency_p99", o.LatencyP99, rr.P99}} {
		if l.target > 0 {
			rr.Verdicts = append(rr.Verdicts, Verdict{
				Objective: l.name,
				Target:    "≤ " + faults.FormatDuration(l.target),
				Actual:    "worst " + FormatLatency(l.actual),
				Pass:      l.actual <= l.target,
			})
		}
	}
	rr.Pass = true
	for _, v := range rr.Verdicts {
		rr.Pass = rr.Pass && v.Pass
	}
}

// FormatLatency writes a response time to the millisecond under a minute
// ("850ms", "2.4s"), and as a duration beyond.
func FormatLatency(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return faults.FormatDuration(d.Round(time.Second))
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.3f", f)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}
