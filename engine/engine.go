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
	OutOfSLO       time.Duration
	DataLoss       time.Duration // the loss window
	LostWrites     int64
	AckedWrites    int64
	AllDataLost    bool
	UnackedApplied int64
	Availability   float64 // percent of the horizon in SLO
	UserHoursLost  float64
	Objectives     experiments.Objectives
	Verdicts       []Verdict
	Pass           bool
	Outages        []Span
	Timeline       []Event
	Served         []Sample
	Phases         []Phase
	Trials         *Distribution
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
	N            int
	Passed       int // trials in which every objective was met
	Downtime     Quantiles
	DataLoss     Quantiles
	LostWrites   Quantiles
	Availability Quantiles
	// Sorted samples, for histograms.
	Downtimes  []time.Duration
	DataLosses []time.Duration
}

// Quantiles of a figure; durations are in seconds.
type Quantiles struct {
	P50, P95, Max float64
}

// Run runs the experiment on the driver.
func Run(ctx context.Context, exp *experiments.Experiment, drv Driver, opts Options) (*Result, error) {
	n := opts.Trials
	if n <= 0 {
		n = 1
	}
	if opts.Sustain <= 0 {
		opts.Sustain = DefaultSustain
	}
	workers := opts.Workers
	if workers <= 0 || workers > n {
		workers = 1
		if opts.Workers > n {
			workers = n
		}
	}

	trials := make([][]RegionResult, n)
	var first *Plan
	var notes []string
	var done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	next := atomic.Int64{}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				p := NewPlan(exp, i, n == 1 || i == 0)
				obs, err := drv.Run(ctx, p)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("trial %d on %s driver: %w", i+1, drv.Name(), err)
					}
					mu.Unlock()
					cancel()
					return
				}
				trials[i] = summarise(exp, obs, opts.Sustain)
				if i == 0 {
					mu.Lock()
					first, notes = p, obs.Notes
					mu.Unlock()
				}
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
		Faults:      first.Faults,
		Notes:       notes,
		Setup:       exp,
	}
	res.Regions = trials[0]
	if n > 1 {
		res.Regions = aggregate(trials)
	}
	return res, nil
}

// NewPlan draws the fault times of one trial. Each trial has its own random
// stream derived from the experiment's seed, so a trial's draw does not
// depend on how many trials run or in which order.
func NewPlan(exp *experiments.Experiment, trial int, detail bool) *Plan {
	rng := rand.New(rand.NewPCG(uint64(exp.Seed), uint64(trial)))
	p := &Plan{Experiment: exp, Trial: trial, Seed: int64(rng.Uint64() >> 1), Detail: detail}
	for _, f := range exp.Faults {
		lo, hi := f.Window()
		at := lo
		if hi > lo {
			// whole seconds keep reports readable and results stable.
			span := int64((hi - lo) / time.Second)
			at = lo + time.Duration(rng.Int64N(span+1))*time.Second
		}
		p.Faults = append(p.Faults, Scheduled{Fault: f, At: at})
		p.Effects = append(p.Effects, f.Effects(at)...)
	}
	sort.SliceStable(p.Effects, func(i, j int) bool { return p.Effects[i].At < p.Effects[j].At })
	return p
}

func summarise(exp *experiments.Experiment, obs *Observation, sustain time.Duration) []RegionResult {
	out := make([]RegionResult, 0, len(obs.Regions))
	for _, o := range obs.Regions {
		var reg *experiments.Region
		for _, r := range exp.Regions {
			if r.Name == o.Region {
				reg = r
			}
		}
		rr := RegionResult{
			Region:         o.Region,
			Hosting:        o.Hosting,
			HitBy:          o.HitBy,
			Recovery:       o.Recovery,
			LostWrites:     int64(math.Round(o.LostWrites)),
			AckedWrites:    int64(math.Round(o.AckedWrites)),
			AllDataLost:    o.AllDataLost,
			UnackedApplied: int64(math.Round(o.UnackedApplied)),
			UserHoursLost:  o.UserHoursLost,
			Outages:        o.Outages,
			Timeline:       o.Timeline,
			Served:         o.Served,
			Phases:         o.Phases,
		}
		if reg != nil {
			rr.Objectives = reg.Objectives
			if reg.Hosting != nil {
				rr.MonthlyCost = reg.Hosting.MonthlyCost
			}
		}
		if o.Loss != nil {
			rr.DataLoss = o.Loss.Len()
		}
		var out_ time.Duration
		for _, s := range o.Outages {
			out_ += s.Len()
		}
		rr.OutOfSLO = out_
		rr.Downtime = longestIncident(o.Outages, sustain)
		rr.Recovered = o.Recovery != RecoveryUnrecoverable && o.Recovery != RecoveryPending &&
			(len(o.Outages) == 0 || o.Outages[len(o.Outages)-1].End < exp.Duration)
		if exp.Duration > 0 {
			rr.Availability = 100 * (1 - float64(out_)/float64(exp.Duration))
		}
		judge(&rr)
		out = append(out, rr)
	}
	return out
}

// longestIncident merges outages separated by less than sustain and returns
// the longest merged span.
func longestIncident(outages []Span, sustain time.Duration) time.Duration {
	var best time.Duration
	for i := 0; i < len(outages); {
		start, end := outages[i].Start, outages[i].End
		j := i + 1
		for j < len(outages) && outages[j].Start-end < sustain {
			end = outages[j].End
			j++
		}
		if end-start > best {
			best = end - start
		}
		i = j
	}
	return best
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
			Actual:    fmt.Sprintf("%.3f%%", rr.Availability),
			Pass:      rr.Availability >= o.Availability,
		})
	}
	rr.Pass = true
	for _, v := range rr.Verdicts {
		rr.Pass = rr.Pass && v.Pass
	}
}

// aggregate turns per-trial results into one result per region whose
// headline figures are the 95th percentiles, judged against the objectives.
func aggregate(trials [][]RegionResult) []RegionResult {
	out := make([]RegionResult, len(trials[0]))
	for ri := range trials[0] {
		d := &Distribution{N: len(trials)}
		down := make([]float64, 0, len(trials))
		loss := make([]float64, 0, len(trials))
		lost := make([]float64, 0, len(trials))
		avail := make([]float64, 0, len(trials))
		allLost := 0
		recovered := 0
		for _, t := range trials {
			r := t[ri]
			down = append(down, r.Downtime.Seconds())
			loss = append(loss, r.DataLoss.Seconds())
			lost = append(lost, float64(r.LostWrites))
			avail = append(avail, r.Availability)
			if r.Pass {
				d.Passed++
			}
			if r.AllDataLost {
				allLost++
			}
			if r.Recovered {
				recovered++
			}
		}
		d.Downtime, d.DataLoss, d.LostWrites = quantiles(down), quantiles(loss), quantiles(lost)
		// for availability the bad tail is the low end.
		for i := range avail {
			avail[i] = -avail[i]
		}
		q := quantiles(avail)
		d.Availability = Quantiles{P50: -q.P50, P95: -q.P95, Max: -q.Max}
		for _, s := range down {
			d.Downtimes = append(d.Downtimes, time.Duration(s*float64(time.Second)))
		}
		for _, s := range loss {
			d.DataLosses = append(d.DataLosses, time.Duration(s*float64(time.Second)))
		}

		rr := trials[0][ri]
		rr.Trials = d
		rr.Downtime = time.Duration(d.Downtime.P95 * float64(time.Second))
		rr.DataLoss = time.Duration(d.DataLoss.P95 * float64(time.Second))
		rr.LostWrites = int64(math.Round(d.LostWrites.P95))
		rr.Availability = d.Availability.P95
		// the 95th percentile trial is all-data-lost or unrecovered when more
		// than 5% of trials were.
		rr.AllDataLost = float64(allLost) > 0.05*float64(d.N)
		rr.Recovered = float64(d.N-recovered) <= 0.05*float64(d.N)
		judge(&rr)
		out[ri] = rr
	}
	return out
}

// quantiles sorts xs in place and returns its p50, p95 and max, with the
// nearest-rank method so that every figure is one a trial really produced.
func quantiles(xs []float64) Quantiles {
	sort.Float64s(xs)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(xs)))) - 1
		if i < 0 {
			i = 0
		}
		return xs[i]
	}
	return Quantiles{P50: rank(0.50), P95: rank(0.95), Max: xs[len(xs)-1]}
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
