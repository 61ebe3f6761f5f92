package engine

import (
	"math"
	"sort"
	"time"
)

// accumulator gathers every trial's figures per region in bounded memory.
type accumulator struct {
	regions []regionAcc
}

type regionAcc struct {
	n, passed, allLost, unrecovered int
	down, loss, lost, avail, served sketch
	p95, p99, slow                  sketch
}

func newAccumulator(n int) *accumulator {
	return &accumulator{regions: make([]regionAcc, n)}
}

func (a *accumulator) add(rs []RegionResult) {
	if len(a.regions) < len(rs) {
		a.regions = append(a.regions, make([]regionAcc, len(rs)-len(a.regions))...)
	}
	for i := range rs {
		r, ra := &rs[i], &a.regions[i]
		ra.n++
		if r.Pass {
			ra.passed++
		}
		if r.AllDataLost {
			ra.allLost++
		}
		if !r.Recovered {
			ra.unrecovered++
		}
		ra.down.add(r.Downtime.Seconds())
		ra.loss.add(r.DataLoss.Seconds())
		ra.lost.add(float64(r.LostWrites))
		// for availability and the served share the bad tail is the low
		// end: negated, the 95th percentile is the bad one.
		ra.avail.add(-r.Availability)
		ra.served.add(-r.ServedRatio)
		if o := r.Objectives; o.LatencyP95 > 0 || o.LatencyP99 > 0 {
			ra.p95.add(r.P95.Seconds())
			ra.p99.add(r.P99.Seconds())
		}
		ra.slow.add(r.Slow.Seconds())
	}
}

// results returns one result per region whose headline figures are the 95th
// percentiles, judged against the objectives; the rest (timeline, series)
// is the first trial's.
func (a *accumulator) results(first []RegionResult) []RegionResult {
	out := make([]RegionResult, len(first))
	for i := range first {
		ra := &a.regions[i]
		d := &Distribution{N: ra.n, Passed: ra.passed, AllDataLost: ra.allLost, Unrecovered: ra.unrecovered}
		d.Downtime, d.DataLoss, d.LostWrites = ra.down.quantiles(), ra.loss.quantiles(), ra.lost.quantiles()
		q := ra.avail.quantiles()
		d.Availability = Quantiles{P50: -q.P50, P95: -q.P95, Max: -q.Max}
		q = ra.served.quantiles()
		d.ServedRatio = Quantiles{P50: -q.P50, P95: -q.P95, Max: -q.Max}
		d.Downtimes, d.DataLosses = ra.down.bins(), ra.loss.bins()

		rr := first[i]
		rr.Trials = d
		rr.Downtime = secs(d.Downtime.P95)
		rr.DataLoss = secs(d.DataLoss.P95)
		rr.LostWrites = int64(math.Round(d.LostWrites.P95))
		rr.Availability = d.Availability.P95
		rr.ServedRatio = d.ServedRatio.P95
		rr.Slow = secs(ra.slow.quantiles().P95)
		// response time is worked out in every trial only where an
		// objective needs it; elsewhere the figures are the first trial's.
		if o := rr.Objectives; o.LatencyP95 > 0 || o.LatencyP99 > 0 {
			rr.P95, rr.P99 = secs(ra.p95.quantiles().P95), secs(ra.p99.quantiles().P95)
		}
		// the 95th percentile trial is all-data-lost or unrecovered when more
		// than 5% of trials were.
		rr.AllDataLost = float64(ra.allLost) > 0.05*float64(d.N)
		rr.Recovered = float64(ra.unrecovered) <= 0.05*float64(d.N)
		judge(&rr)
		out[i] = rr
	}
	return out
}

func secs(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// Bin is a histogram bar: Count trials gave figures from Value up to the
// next bin's.
type Bin struct {
	Value time.Duration
	Count int
}

// sketch counts values exactly while there are few distinct ones, then in
// buckets 0.1 % wide. Each bucket remembers the smallest value that fell in
// it, so every quantile is a figure some trial really produced (to 0.1 %).
type sketch struct {
	n      int
	max    float64
	counts map[float64]*cell
	merged bool
}

type cell struct {
	min float64
	n   int
}

const (
	sketchExact = 4096  // distinct values kept exactly
	sketchGamma = 1.001 // bucket width once merged
)

func (s *sketch) key(v float64) float64 {
	if !s.merged || v == 0 {
		return v
	}
	k := math.Floor(math.Log(math.Abs(v)) / math.Log(sketchGamma))
	if v < 0 {
		return -k - 1e9 // negative values in their own key space
	}
	return k + 1e9
}

func (s *sketch) add(v float64) {
	if s.counts == nil {
		s.counts = map[float64]*cell{}
	}
	if s.n == 0 || v > s.max {
		s.max = v
	}
	s.n++
	k := s.key(v)
	if c := s.counts[k]; c != nil {
		c.n++
		c.min = min(c.min, v)
	} else {
		s.counts[k] = &cell{min: v, n: 1}
	}
	if !s.merged && len(s.counts) > sketchExact {
		old := s.counts
		s.counts, s.merged = map[float64]*cell{}, true
		for _, c := range old {
			k := s.key(c.min)
			if m := s.counts[k]; m != nil {
				m.n += c.n
				m.min = min(m.min, c.min)
			} else {
				s.counts[k] = &cell{min: c.min, n: c.n}
			}
		}
	}
}

func (s *sketch) sorted() []cell {
	cs := make([]cell, 0, len(s.counts))
	for _, c := range s.counts {
		cs = append(cs, *c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].min < cs[j].min })
	return cs
}

// quantiles returns p50, p95 and max by the nearest-rank method.
func (s *sketch) quantiles() Quantiles {
	cs := s.sorted()
	if len(cs) == 0 {
		return Quantiles{}
	}
	rank := func(p float64) float64 {
		r := max(int(math.Ceil(p*float64(s.n))), 1)
		seen := 0
		for _, c := range cs {
			seen += c.n
			if seen >= r {
				return c.min
			}
		}
		return cs[len(cs)-1].min
	}
	return Quantiles{P50: rank(0.50), P95: rank(0.95), Max: s.max}
}

func (s *sketch) bins() []Bin {
	cs := s.sorted()
	out := make([]Bin, len(cs))
	for i, c := range cs {
		out[i] = Bin{Value: secs(c.min), Count: c.n}
	}
	return out
}
