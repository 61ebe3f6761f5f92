package engine

import (
	"math"
	"sort"
)

// hist counts a stratum's yearly figures in buckets 0.5 % wide (exact
// zero apart), each remembering the smallest value that fell in it: a
// quantile is then a figure some simulated year really produced, to 0.5 %,
// in memory that does not grow with the number of years. Years are added
// in the order of their chunks, so that the weights' sums are the same on
// every run.
type hist map[int32]*histCell

type histCell struct {
	min float64
	w   float64 // years that fell in it, each by its weight
}

const histGamma = 1.005

func histKey(v float64) int32 {
	if v <= 0 {
		return math.MinInt32
	}
	return int32(math.Floor(math.Log(v) / math.Log(histGamma)))
}

func (h hist) add(v, w float64) {
	v = max(v, 0)
	k := histKey(v)
	if c := h[k]; c != nil {
		c.w += w
		c.min = min(c.min, v)
	} else {
		h[k] = &histCell{min: v, w: w}
	}
}

// weightedCell is a bucket of the mixture of strata: its smallest value
// and its probability.
type weightedCell struct {
	min, p float64
}

// weighted is a distribution over years: the strata's histograms, each year
// weighted by its stratum's probability over its number of years.
type weighted []weightedCell

// mixture merges the strata's histograms, weights[s] being what one year
// of stratum s stands for.
func mixture(hs []hist, weights []float64) weighted {
	byKey := map[int32]*weightedCell{}
	for s, h := range hs {
		for k, c := range h {
			w := byKey[k]
			if w == nil {
				w = &weightedCell{min: c.min}
				byKey[k] = w
			}
			w.min = min(w.min, c.min)
			w.p += c.w * weights[s]
		}
	}
	out := make(weighted, 0, len(byKey))
	for _, w := range byKey {
		if w.p > 0 {
			out = append(out, *w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].min < out[j].min })
	return out
}

func (w weighted) total() float64 {
	t := 0.0
	for _, c := range w {
		t += c.p
	}
	return t
}

// quantile is the smallest value whose cumulative probability reaches q.
func (w weighted) quantile(q float64) float64 {
	t := w.total()
	cum := 0.0
	for _, c := range w {
		cum += c.p
		if cum >= q*t*(1-1e-12) {
			return c.min
		}
	}
	if len(w) == 0 {
		return 0
	}
	return w[len(w)-1].min
}

// maxCurve bounds the points of an exceedance curve.
const maxCurve = 160

// exceedance is P(value > x) at 0 and at every bucket's smallest value,
// thinned to at most maxCurve points (the first and last kept).
func (w weighted) exceedance() []CurvePoint {
	t := w.total()
	if t <= 0 {
		return nil
	}
	var pts []CurvePoint
	above := t
	for _, c := range w {
		// at x just below c.min, everything from c on exceeds x.
		pts = append(pts, CurvePoint{X: c.min, P: above / t})
		above -= c.p
	}
	if len(pts) > maxCurve {
		step := float64(len(pts)-1) / float64(maxCurve-1)
		thin := make([]CurvePoint, 0, maxCurve)
		for i := 0; i < maxCurve; i++ {
			thin = append(thin, pts[int(math.Round(float64(i)*step))])
		}
		pts = thin
	}
	return pts
}

// RiskBin is one bar of a yearly distribution: P years had figures from
// From up to the next bar's From (in the bar's unit).
type RiskBin struct {
	From, P float64
}

// bins groups the distribution into bars a factor of 2 wide (zero apart),
// values divided by unit.
func (w weighted) bins(unit float64) []RiskBin {
	t := w.total()
	var out []RiskBin
	for _, c := range w {
		v := c.min / unit
		from := 0.0
		if v > 0 {
			from = math.Pow(2, math.Floor(math.Log2(v)))
		}
		if n := len(out); n > 0 && out[n-1].From == from {
			out[n-1].P += c.p / t
			continue
		}
		out = append(out, RiskBin{From: from, P: c.p / t})
	}
	return out
}
