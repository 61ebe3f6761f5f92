package engine

import (
	"context"
	"errors"
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

// Year is the horizon of one simulated year: 365 days, like the "y" of
// durations.
const Year = faults.Year

// DefaultYears is how many years risk simulates per region and offer.
const DefaultYears = 10000

// RiskOptions tune a risk run.
type RiskOptions struct {
	// Years is how many independent years stand behind each estimate; 0
	// means DefaultYears.
	Years int
	// Workers simulate years in parallel; the result does not depend on
	// how many.
	Workers int
	// Sustain merges outages closer than it into one incident.
	Sustain time.Duration
	// Progress, when set, is called after each batch of years.
	Progress func(done, total int)
}

// RiskRankRule says how RiskRow.Rank is computed, for reports and the
// README.
const RiskRankRule = "Within each region, offers that meet every annual objective come first, " +
	"cheapest total cost of ownership (12 x monthly cost + annualised loss expectancy) first; " +
	"then the others, fewer objectives missed first, then by cost of ownership."

// Risk is the annual view of an experiment: every region on every offer,
// over simulated years.
type Risk struct {
	Experiment  string
	Description string
	File        string
	Seed        int64
	Currency    string
	// Years is how many years each estimate stands for; Simulated how many
	// were simulated per offer (the no-occurrence year is computed once).
	Years, Simulated int
	// Rate is the expected number of frequency-fault occurrences in a year,
	// over every fault and target.
	Rate float64
	// Frequencies are the frequency faults; Timed the faults that happen
	// in every year.
	Frequencies []Frequency
	Timed       []string
	// Strata say how the years were drawn: conditioned on the number of
	// occurrences, each weighted by its exact Poisson probability.
	Strata   []Stratum
	Hostings []string
	Rows     []RiskRow
	Setup    *experiments.Experiment
}

// Frequency is one frequency fault.
type Frequency struct {
	Fault   string
	Every   float64 // seconds
	Targets int
}

// Stratum is the set of years with a given number of occurrences.
type Stratum struct {
	// Occurrences in each of its years; with Tail, that many or more.
	Occurrences int
	Tail        bool
	// Hazard names the fault (and target, "[i]") of a stratum of years with
	// one occurrence of it; empty when any hazard may occur.
	Hazard      string
	hz          int // the hazard's index + 1; 0 for any
	Probability float64
	// Years simulated in it; 1 for a year that is the same every time.
	Years int
}

// Estimate is a Monte Carlo mean with its standard error.
type Estimate struct {
	Mean, StdErr float64
}

// RiskRow is one region on one offer, over a year.
type RiskRow struct {
	Region, Hosting string
	MonthlyCost     float64
	// AvailabilitySLA is the provider's advertised availability, percent;
	// 0 when it has none.
	AvailabilitySLA float64
	// YearsWithIncident counts the simulated years that held at least one
	// fault-caused incident; PIncident is the probability of such a year.
	YearsWithIncident int
	PIncident         Estimate
	// Downtime is the yearly sum of fault-caused incidents, in seconds.
	Downtime       Estimate
	DowntimeP50    float64
	DowntimeP95    float64
	DowntimeP99    float64
	Availability   Estimate // percent of the year in SLO
	AvailabilityP5 float64
	// PRTOBreach and PRPOBreach are the yearly probabilities of an incident
	// longer than the RTO and of a loss window longer than the RPO (all
	// data lost counts as both); nil without the objective.
	PRTOBreach, PRPOBreach *Estimate
	PTotalLoss             Estimate
	LostWrites             Estimate
	// Costs says the region gave costs; the figures below are then in the
	// experiment's currency, else ALE is 0 and TCO the hosting's cost.
	Costs      bool
	ALE        Estimate
	TCO        Estimate
	Objectives experiments.Objectives
	Verdicts   []Verdict
	Pass       bool
	Rank       int
	// Exceedance is the loss-exceedance curve: P(a year's loss > X), the
	// loss in currency with costs, else in hours of downtime. Distribution
	// is the annual downtime's distribution, in hours.
	Exceedance   []CurvePoint
	Distribution []RiskBin
}

// CurvePoint is one point of a curve.
type CurvePoint struct {
	X, P float64
}

// LossUnit says what a row's exceedance curve counts.
func (r *RiskRow) LossUnit(currency string) string {
	if !r.Costs {
		return "hours of downtime"
	}
	if currency == "" {
		return "cost"
	}
	return currency
}

// Cheapest is the region's cheapest offer that meets every annual
// objective, by cost of ownership; nil when none does.
func (r *Risk) Cheapest(region string) *RiskRow {
	for i := range r.Rows {
		if row := &r.Rows[i]; row.Region == region && row.Rank == 1 && row.Pass {
			return row
		}
	}
	return nil
}

// Regions lists the regions in the order of the file.
func (r *Risk) Regions() []string {
	var out []string
	for _, row := range r.Rows {
		if !slices.Contains(out, row.Region) {
			out = append(out, row.Region)
		}
	}
	return out
}

// Pass says every region has an offer that meets its annual objectives.
func (r *Risk) Pass() bool {
	for _, reg := range r.Regions() {
		if r.Cheapest(reg) == nil {
			return false
		}
	}
	return true
}

// hazard is one frequency fault's target: its expected occurrences a year.
// An occurrence is this hazard with probability p = rate / total rate; the
// years draw it with probability q instead (see importance), and weigh
// the year by p / q.
type hazard struct {
	f      faults.Fault
	target int
	rate   float64
	p, q   float64
	cumQ   float64 // cumulative q, for drawing which hazard occurs
}

// riskRun is what every worker shares.
type riskRun struct {
	exp     *experiments.Experiment // the year: horizon 365 days
	offers  []*experiments.Experiment
	bases   []map[string]*RegionObservation
	drv     Driver
	sustain time.Duration
	hazards []hazard
	rate    float64
	strata  []Stratum
	chunks  []int // per stratum, its number of chunks
	rows    int   // regions per offer
}

// riskChunk is how many years one unit of work holds: enough to amortise
// the merge, few enough to spread the work.
const riskChunk = 128

// RunRisk simulates years of the experiment for every region on every
// offer (or those named) with the driver, and estimates the annual
// figures. Years are stratified by their number of frequency-fault
// occurrences: a stratum's years are drawn with exactly that many, and its
// figures weighted by the Poisson probability of the count, so that a rare
// hazard is simulated in every year that matters instead of once in a
// thousand. The years of one occurrence are split by hazard
// (splitSingles), and busier years draw their hazards by importance. The
// year with no occurrence is computed once when nothing else in it is
// drawn.
func RunRisk(ctx context.Context, exp *experiments.Experiment, drv Driver, hostings []string, opts RiskOptions) (*Risk, error) {
	n := opts.Years
	if n <= 0 {
		n = DefaultYears
	}
	if opts.Sustain <= 0 {
		opts.Sustain = DefaultSustain
	}
	if len(hostings) == 0 {
		for _, h := range exp.Hostings {
			hostings = append(hostings, h.Name)
		}
	}
	year := *exp
	year.Duration = Year
	rr := &riskRun{exp: &year, drv: drv, sustain: opts.Sustain, rows: len(exp.Regions)}
	res := &Risk{Experiment: exp.Name, Description: exp.Description, File: exp.File, Seed: exp.Seed,
		Currency: exp.Currency, Years: n, Hostings: hostings, Setup: exp}
	for _, f := range exp.Faults {
		if f.Every() > 0 {
			res.Frequencies = append(res.Frequencies, Frequency{Fault: faults.ID(f), Every: f.Every(), Targets: f.Targets()})
			for t := 0; t < f.Targets(); t++ {
				rate := Year.Seconds() / f.Every()
				rr.rate += rate
				rr.hazards = append(rr.hazards, hazard{f: f, target: t, rate: rate})
			}
		} else if f.Timed() {
			res.Timed = append(res.Timed, faults.ID(f))
		}
	}
	if rr.rate > maxYearRate {
		return nil, fmt.Errorf("%w: the frequency faults of %s add up to %.0f occurrences a year; at most %d can be simulated", ErrTooFrequent, exp.File, rr.rate, maxYearRate)
	}
	res.Rate = rr.rate
	rr.importance()
	for _, name := range hostings {
		h := exp.Hosting(name)
		if h == nil {
			return nil, fmt.Errorf("risk: no hosting %q in %s", name, exp.File)
		}
		oe := year.WithHosting(h)
		rr.offers = append(rr.offers, oe)
		base, err := baseline(ctx, oe, drv, Options{})
		if err != nil {
			return nil, fmt.Errorf("risk hosting %s: %w", name, err)
		}
		rr.bases = append(rr.bases, base)
	}
	rr.strata = rr.splitSingles(strata(rr.rate, n, rr.timedDrawn()))
	for _, s := range rr.strata {
		rr.chunks = append(rr.chunks, (s.Years+riskChunk-1)/riskChunk)
		res.Simulated += s.Years
	}
	res.Strata = rr.strata

	acc, err := rr.simulate(ctx, max(opts.Workers, 1), opts.Progress)
	if err != nil {
		return nil, err
	}
	res.Rows = acc.rows(rr, res)
	rankRisk(res.Rows)
	return res, nil
}

// maxStratifiedRate is the most occurrences a year that strata by count
// serve: beyond it, a year without an occurrence is rare and the counts
// spread over dozens of strata.
const maxStratifiedRate = 20

// importance sets how years draw which hazard an occurrence is: half the
// time any hazard alike, half the time in proportion to its rate. A
// 1-in-1,000-year fire among power cuts every 35 years is then in a fair
// share of the simulated years instead of in one in a few hundred, and
// each year weighs the product of p / q over its occurrences (at most 2
// each), which keeps every estimate unbiased.
func (rr *riskRun) importance() {
	cum := 0.0
	for i := range rr.hazards {
		h := &rr.hazards[i]
		h.p = h.rate / rr.rate
		h.q = 0.5/float64(len(rr.hazards)) + 0.5*h.p
		cum += h.q
		h.cumQ = cum
	}
}

// maxImportance is the most occurrences in a year drawn by importance:
// beyond, the product of weights spreads too wide, and occurrences are
// drawn by rate (weight 1). Such years are rare where strata are used.
const maxImportance = 8

// maxYearRate bounds the occurrences of a year: each is an event of the
// simulation, and a file asking for more is a mistake.
const maxYearRate = 10000

// ErrTooFrequent says the file's frequencies ask for more occurrences a
// year than risk simulates: bad input, not a failure of the run.
var ErrTooFrequent = errors.New("risk: faults too frequent")

// timedDrawn says whether drawing a year's timed faults takes any random
// number (a range for at, or a range attribute): if not, every year with no
// frequency-fault occurrence is the same.
func (rr *riskRun) timedDrawn() bool {
	src := &countingSource{src: rand.NewPCG(1, 2)}
	p := &Plan{Experiment: rr.exp}
	p.addYearTimed(rand.New(src))
	return src.n > 0
}

type countingSource struct {
	src rand.Source
	n   int
}

func (c *countingSource) Uint64() uint64 { c.n++; return c.src.Uint64() }

// addYearTimed draws the faults that happen in every year: those with at
// and no every (a fault with both is a frequency for risk).
func (p *Plan) addYearTimed(rng *rand.Rand) {
	for _, f := range p.Experiment.Faults {
		if !f.Timed() || f.Every() > 0 {
			continue
		}
		lo, hi := f.Window()
		at := lo
		if hi > lo {
			at = lo + time.Duration(rng.Int64N(int64((hi-lo)/time.Second)+1))*time.Second
		}
		p.add(f, faults.Occurrence{At: at, Rand: rng})
	}
}

// strata spreads n years over occurrence counts. Counts run from 1 (0 too
// when the timed faults are drawn) to the first whose tail probability is
// negligible next to a year with an occurrence, the last holding the whole
// tail. Each gets its share of n by probability, and at least a few years
// so that its variance is measured, not assumed.
func strata(rate float64, n int, timedDrawn bool) []Stratum {
	p0 := math.Exp(-rate)
	if rate > maxStratifiedRate {
		// frequent faults: nearly every year holds many occurrences, and
		// strata would only spread the years thin. Each year draws its
		// count.
		return []Stratum{{Occurrences: 0, Tail: true, Probability: 1, Years: n}}
	}
	if rate == 0 {
		y := 1
		if timedDrawn {
			y = n
		}
		return []Stratum{{Occurrences: 0, Probability: 1, Years: y}}
	}
	var out []Stratum
	first := 1
	mass := 1 - p0 // the probability the simulated strata cover
	if timedDrawn {
		first, mass = 0, 1
	} else {
		out = append(out, Stratum{Occurrences: 0, Probability: p0, Years: 1})
	}
	pk, tail := p0, mass // P(N = k) and P(N >= k), from k = first
	if mass <= 0 {
		// 1 - e^-rate rounds to 0 below about 1e-16 a year: nothing to draw.
		return out
	}
	minYears := max(2, min(100, n/20))
	for k := first; ; k++ {
		if k > 0 {
			pk *= rate / float64(k)
		}
		if k > first {
			tail -= pk * float64(k) / rate // P(N >= k) = P(N >= k-1) - P(N = k-1)
		}
		// the tail stratum: once what remains is a millionth of the mass,
		// or the counts grow past any rate a file can ask for.
		last := k > first && (tail <= 1e-6*mass || k >= 3*int(rate)+50)
		prob := pk
		if k == 0 {
			prob = p0
		}
		if last {
			prob = max(tail, 0)
		}
		years := max(minYears, int(math.Round(float64(n)*prob/mass)))
		out = append(out, Stratum{Occurrences: k, Tail: last, Probability: prob, Years: years})
		if last {
			break
		}
	}
	return out
}

// splitSingles splits the years with one occurrence by which hazard it
// is, each weighted by P(N = 1) x its share of the rate, and given years
// half alike, half by that share: a rare hazard among common ones is then
// simulated in its own years, and the spread between hazards adds no
// variance.
func (rr *riskRun) splitSingles(ss []Stratum) []Stratum {
	if len(rr.hazards) < 2 {
		return ss
	}
	var out []Stratum
	for _, st := range ss {
		if st.Occurrences != 1 || st.Tail {
			out = append(out, st)
			continue
		}
		for j, h := range rr.hazards {
			name := faults.ID(h.f)
			if h.f.Targets() > 1 {
				name += fmt.Sprintf("[%d]", h.target)
			}
			out = append(out, Stratum{Occurrences: 1, Hazard: name, hz: j + 1, Probability: st.Probability * h.p,
				Years: max(2, int(math.Round(float64(st.Years)*h.q)))})
		}
	}
	return out
}

// yearPlan draws year i of stratum s, and the weight of the year: the
// likelihood of its hazards over that of drawing them.
func (rr *riskRun) yearPlan(s int, i int) (*Plan, float64) {
	st := rr.strata[s]
	rng := rand.New(rand.NewPCG(uint64(rr.exp.Seed)^riskStream, uint64(s)<<40|uint64(i)))
	p := &Plan{Experiment: rr.exp, Trial: i, Seed: int64(rng.Uint64() >> 1)}
	p.addYearTimed(rng)
	k := st.Occurrences
	switch {
	case st.Tail && k == 0:
		k = poissonCount(rng, rr.rate)
	case st.Tail:
		k = poissonTail(rng, rr.rate, k)
	}
	w := 1.0
	byRate := k > maxImportance || len(rr.strata) == 1
	for j := 0; j < k; j++ {
		h := rr.drawHazard(rng, byRate)
		if st.hz > 0 {
			h, byRate = st.hz-1, true
		}
		if !byRate {
			w *= rr.hazards[h].p / rr.hazards[h].q
		}
		at := time.Duration(rng.Int64N(int64(Year/time.Second))) * time.Second
		p.add(rr.hazards[h].f, faults.Occurrence{At: at, Target: rr.hazards[h].target, Rand: rng})
	}
	p.sortEffects()
	return p, w
}

// drawHazard picks which hazard an occurrence is: by q, or by rate.
func (rr *riskRun) drawHazard(rng *rand.Rand, byRate bool) int {
	x := rng.Float64()
	if byRate {
		for i, h := range rr.hazards {
			if x < h.p {
				return i
			}
			x -= h.p
		}
		return len(rr.hazards) - 1
	}
	x *= rr.hazards[len(rr.hazards)-1].cumQ
	i := sort.Search(len(rr.hazards), func(i int) bool { return rr.hazards[i].cumQ > x })
	return min(i, len(rr.hazards)-1)
}

// poissonTail draws a Poisson count conditioned on being at least k, by
// inverting its distribution function from k.
func poissonTail(rng *rand.Rand, rate float64, k int) int {
	// P(N = k) in logs, to stay finite for large k.
	lp := -rate + float64(k)*math.Log(rate) - lgamma(float64(k)+1)
	pk := math.Exp(lp)
	tail := 0.0
	for j, q := k, pk; j < k+10000 && q > 0; j++ {
		tail += q
		q *= rate / float64(j+1)
	}
	u := rng.Float64() * tail
	for j, q := k, pk; ; j++ {
		if u < q || q <= 0 || j >= k+10000 {
			return j
		}
		u -= q
		q *= rate / float64(j+1)
	}
}

// poissonCount draws a Poisson count by counting exponential gaps within
// one unit of time: exact, in time proportional to the rate.
func poissonCount(rng *rand.Rand, rate float64) int {
	k := 0
	for t := rng.ExpFloat64() / rate; t < 1; t += rng.ExpFloat64() / rate {
		k++
	}
	return k
}

func lgamma(x float64) float64 { v, _ := math.Lgamma(x); return v }

// yearFigures are one region's figures over one year.
type yearFigures struct {
	downtime, outOfSLO, lostWrites, loss float64
	incident, rto, rpo, total            bool
	// weight is the year's likelihood ratio (1 unless hazards were drawn
	// by importance): every sum counts weight x figure.
	weight float64
}

// figures reads a year's figures from its result.
func figures(r *RegionResult, reg *experiments.Region) yearFigures {
	var y yearFigures
	o := r.Objectives
	for _, in := range r.Incidents {
		if !in.FaultCaused {
			continue
		}
		y.incident = true
		y.downtime += in.Len().Seconds()
		if o.RTOSet && in.Len() > o.RTO {
			y.rto = true
		}
	}
	y.outOfSLO = r.OutOfSLO.Seconds()
	y.total = r.AllDataLost
	y.lostWrites = float64(r.LostWrites)
	y.rto = o.RTOSet && (y.rto || r.AllDataLost)
	y.rpo = o.RPOSet && (r.AllDataLost || r.DataLoss > o.RPO)
	y.loss = y.downtime / 3600
	if reg.Costs {
		y.loss = y.downtime/3600*reg.DowntimeCost + y.lostWrites*reg.LostWriteCost
	}
	return y
}

// moments sums a figure over a stratum's years.
type moments struct{ sum, sq float64 }

func (m *moments) add(v float64) { m.sum += v; m.sq += v * v }

func (m *moments) merge(o moments) { m.sum += o.sum; m.sq += o.sq }

// stratumAcc holds one region-offer's sums over a stratum's years.
type stratumAcc struct {
	n, incidents                                         int
	downtime, outOfSLO, lost, loss, inc, rto, rpo, total moments
}

func (a *stratumAcc) add(y yearFigures) {
	a.n++
	if y.incident {
		a.incidents++
	}
	w := y.weight
	a.downtime.add(w * y.downtime)
	a.outOfSLO.add(w * y.outOfSLO)
	a.lost.add(w * y.lostWrites)
	a.loss.add(w * y.loss)
	a.inc.add(w * b2f(y.incident))
	a.rto.add(w * b2f(y.rto))
	a.rpo.add(w * b2f(y.rpo))
	a.total.add(w * b2f(y.total))
}

func (a *stratumAcc) merge(o *stratumAcc) {
	a.n += o.n
	a.incidents += o.incidents
	a.downtime.merge(o.downtime)
	a.outOfSLO.merge(o.outOfSLO)
	a.lost.merge(o.lost)
	a.loss.merge(o.loss)
	a.inc.merge(o.inc)
	a.rto.merge(o.rto)
	a.rpo.merge(o.rpo)
	a.total.merge(o.total)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// riskAcc gathers every stratum's sums per row (offer-major, then region)
// and, per row and stratum, histograms of downtime, time out of SLO and
// loss. Histograms count whole years, so the order in which workers add
// them does not matter; sums are merged in the order of the chunks, so
// that the result is the same whatever the number of workers.
type riskAcc struct {
	sums            [][]stratumAcc // [row][stratum]
	down, out, loss [][]hist       // [row][stratum]
}

func newRiskAcc(rows, strata int) *riskAcc {
	a := &riskAcc{}
	for r := 0; r < rows; r++ {
		a.sums = append(a.sums, make([]stratumAcc, strata))
		a.down = append(a.down, make([]hist, strata))
		a.out = append(a.out, make([]hist, strata))
		a.loss = append(a.loss, make([]hist, strata))
		for s := 0; s < strata; s++ {
			a.down[r][s], a.out[r][s], a.loss[r][s] = hist{}, hist{}, hist{}
		}
	}
	return a
}

// chunkDone is a chunk's years, waiting to be merged in order.
type chunkDone struct {
	sums  []stratumAcc
	years []rowYear
}

type rowYear struct {
	row int
	y   yearFigures
}

// simulate runs every chunk of years on the workers.
func (rr *riskRun) simulate(ctx context.Context, workers int, progress func(done, total int)) (*riskAcc, error) {
	total := 0
	for _, c := range rr.chunks {
		total += c
	}
	rows := len(rr.offers) * rr.rows
	acc := newRiskAcc(rows, len(rr.strata))
	var (
		mu        sync.Mutex
		cond      = sync.NewCond(&mu)
		pending   = map[int]*chunkDone{}
		merged    int // chunks merged so far, in order
		next      atomic.Int64
		firstErr  error
		wg        sync.WaitGroup
		yearsDone int
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// a worker waiting for the merge to catch up must wake on cancellation:
	// the chunk it waits for may never come.
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		cond.Broadcast()
		mu.Unlock()
	})
	defer stop()
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		cond.Broadcast()
		mu.Unlock()
		cancel()
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= total || ctx.Err() != nil {
					return
				}
				// bound what waits to be merged: a worker far ahead waits.
				mu.Lock()
				for c-merged > 4*workers && firstErr == nil && ctx.Err() == nil {
					cond.Wait()
				}
				mu.Unlock()
				s, lo, hi := rr.chunk(c)
				done := &chunkDone{sums: make([]stratumAcc, rows)}
				for i := lo; i < hi; i++ {
					ys, err := rr.year(ctx, s, i)
					if err != nil {
						fail(err)
						return
					}
					for row, y := range ys {
						done.sums[row].add(y)
						done.years = append(done.years, rowYear{row, y})
					}
				}
				mu.Lock()
				pending[c] = done
				// merge in the order of the chunks: float sums then do not
				// depend on which worker finished first.
				for {
					p, ok := pending[merged]
					if !ok {
						break
					}
					ms, _, _ := rr.chunk(merged)
					for row := range p.sums {
						acc.sums[row][ms].merge(&p.sums[row])
					}
					for _, ry := range p.years {
						acc.down[ry.row][ms].add(ry.y.downtime, ry.y.weight)
						acc.out[ry.row][ms].add(ry.y.outOfSLO, ry.y.weight)
						acc.loss[ry.row][ms].add(ry.y.loss, ry.y.weight)
					}
					delete(pending, merged)
					merged++
				}
				yearsDone += hi - lo
				d := yearsDone
				cond.Broadcast()
				mu.Unlock()
				if progress != nil {
					progress(d, rr.totalYears())
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
	return acc, nil
}

func (rr *riskRun) totalYears() int {
	t := 0
	for _, s := range rr.strata {
		t += s.Years
	}
	return t
}

// chunk maps a chunk index to its stratum and years.
func (rr *riskRun) chunk(c int) (s, lo, hi int) {
	for s = range rr.chunks {
		if c < rr.chunks[s] {
			lo = c * riskChunk
			return s, lo, min(lo+riskChunk, rr.strata[s].Years)
		}
		c -= rr.chunks[s]
	}
	panic("engine: chunk out of range")
}

// year simulates year i of stratum s on every offer: the same draw for
// each, so that offers are compared on the same years.
func (rr *riskRun) year(ctx context.Context, s, i int) ([]yearFigures, error) {
	p, w := rr.yearPlan(s, i)
	out := make([]yearFigures, 0, len(rr.offers)*rr.rows)
	for o, oe := range rr.offers {
		po := *p
		po.Experiment = oe
		obs, err := rr.drv.Run(ctx, &po)
		if err != nil {
			return nil, fmt.Errorf("year %d (%d occurrences) on %s driver: %w", i+1, rr.strata[s].Occurrences, rr.drv.Name(), err)
		}
		rs, err := summarise(ctx, oe, obs, rr.bases[o], rr.sustain, false)
		if err != nil {
			return nil, err
		}
		for j := range rs {
			y := figures(&rs[j], oe.Regions[j])
			y.weight = w
			out = append(out, y)
		}
	}
	return out, nil
}

// rows turns the sums into estimates, one row per offer and region.
func (a *riskAcc) rows(rr *riskRun, res *Risk) []RiskRow {
	var out []RiskRow
	for o, oe := range rr.offers {
		for j, reg := range oe.Regions {
			row := o*rr.rows + j
			out = append(out, rr.row(a, row, reg, res))
		}
	}
	return out
}

func (rr *riskRun) row(a *riskAcc, row int, reg *experiments.Region, res *Risk) RiskRow {
	h := reg.Hosting
	r := RiskRow{Region: reg.Name, Hosting: h.Name, MonthlyCost: h.MonthlyCost, Objectives: reg.Objectives, Costs: reg.Costs}
	if h.Primary != nil && h.Primary.Provider != nil {
		r.AvailabilitySLA = h.Primary.Provider.AvailabilitySLA
	}
	sums := a.sums[row]
	est := func(m func(*stratumAcc) moments) Estimate {
		var e Estimate
		var v float64
		for s, st := range rr.strata {
			sa := &sums[s]
			if sa.n == 0 {
				continue
			}
			mm := m(sa)
			n := float64(sa.n)
			mean := mm.sum / n
			e.Mean += st.Probability * mean
			if sa.n > 1 {
				s2 := max(0, (mm.sq-mm.sum*mean)/(n-1))
				v += st.Probability * st.Probability * s2 / n
			}
		}
		e.StdErr = math.Sqrt(v)
		return e
	}
	for s := range rr.strata {
		r.YearsWithIncident += sums[s].incidents
	}
	r.PIncident = est(func(s *stratumAcc) moments { return s.inc })
	r.Downtime = est(func(s *stratumAcc) moments { return s.downtime })
	out := est(func(s *stratumAcc) moments { return s.outOfSLO })
	yr := Year.Seconds()
	r.Availability = Estimate{Mean: 100 * (1 - out.Mean/yr), StdErr: 100 * out.StdErr / yr}
	if reg.Objectives.RTOSet {
		e := est(func(s *stratumAcc) moments { return s.rto })
		r.PRTOBreach = &e
	}
	if reg.Objectives.RPOSet {
		e := est(func(s *stratumAcc) moments { return s.rpo })
		r.PRPOBreach = &e
	}
	r.PTotalLoss = est(func(s *stratumAcc) moments { return s.total })
	r.LostWrites = est(func(s *stratumAcc) moments { return s.lost })
	if reg.Costs {
		r.ALE = est(func(s *stratumAcc) moments { return s.loss })
	}
	r.TCO = Estimate{Mean: 12*h.MonthlyCost + r.ALE.Mean, StdErr: r.ALE.StdErr}

	weights := make([]float64, len(rr.strata))
	for s, st := range rr.strata {
		if sums[s].n > 0 {
			weights[s] = st.Probability / float64(sums[s].n)
		}
	}
	down := mixture(a.down[row], weights)
	r.DowntimeP50, r.DowntimeP95, r.DowntimeP99 = down.quantile(0.50), down.quantile(0.95), down.quantile(0.99)
	r.AvailabilityP5 = 100 * (1 - mixture(a.out[row], weights).quantile(0.95)/yr)
	r.Exceedance = mixture(a.loss[row], weights).exceedance()
	r.Distribution = down.bins(3600)
	judgeRisk(&r)
	return r
}

// judgeRisk checks the annual objectives: the mean availability, and the
// yearly probabilities of breaching the RTO and the RPO.
func judgeRisk(r *RiskRow) {
	o := r.Objectives
	r.Verdicts = nil
	if o.AnnualAvailability > 0 {
		r.Verdicts = append(r.Verdicts, Verdict{Objective: "annual_availability",
			Target: fmt.Sprintf("≥ %s%%", trimFloat(o.AnnualAvailability)),
			Actual: fmt.Sprintf("%.4f%%", r.Availability.Mean),
			Pass:   r.Availability.Mean >= o.AnnualAvailability})
	}
	if o.AnnualRTOBreachSet && r.PRTOBreach != nil {
		r.Verdicts = append(r.Verdicts, Verdict{Objective: "annual_rto_breach",
			Target: fmt.Sprintf("≤ %s%% of years", trimFloat(o.AnnualRTOBreach)),
			Actual: fmt.Sprintf("%.3f%%", 100*r.PRTOBreach.Mean),
			Pass:   100*r.PRTOBreach.Mean <= o.AnnualRTOBreach})
	}
	if o.AnnualRPOBreachSet && r.PRPOBreach != nil {
		r.Verdicts = append(r.Verdicts, Verdict{Objective: "annual_rpo_breach",
			Target: fmt.Sprintf("≤ %s%% of years", trimFloat(o.AnnualRPOBreach)),
			Actual: fmt.Sprintf("%.3f%%", 100*r.PRPOBreach.Mean),
			Pass:   100*r.PRPOBreach.Mean <= o.AnnualRPOBreach})
	}
	r.Pass = true
	for _, v := range r.Verdicts {
		r.Pass = r.Pass && v.Pass
	}
}

// rankRisk ranks the offers within each region by RiskRankRule.
func rankRisk(rows []RiskRow) {
	missed := func(r *RiskRow) int {
		n := 0
		for _, v := range r.Verdicts {
			if !v.Pass {
				n++
			}
		}
		return n
	}
	byRegion := map[string][]int{}
	var order []string
	for i := range rows {
		if _, ok := byRegion[rows[i].Region]; !ok {
			order = append(order, rows[i].Region)
		}
		byRegion[rows[i].Region] = append(byRegion[rows[i].Region], i)
	}
	for _, reg := range order {
		idx := byRegion[reg]
		sort.SliceStable(idx, func(a, b int) bool {
			x, y := &rows[idx[a]], &rows[idx[b]]
			if mx, my := missed(x), missed(y); mx != my {
				return mx < my
			}
			if x.TCO.Mean != y.TCO.Mean {
				return x.TCO.Mean < y.TCO.Mean
			}
			return x.Downtime.Mean < y.Downtime.Mean
		})
		for rank, i := range idx {
			rows[i].Rank = rank + 1
		}
	}
}
