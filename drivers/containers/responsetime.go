package containers

import (
	"slices"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// Response time on real stacks (issue 21): every request the driver sent
// and got an answer to (the prober's, the teachers' grades, the users'
// generated load) carries its latency. Per served bucket (one second of
// wall time) the 95th and 99th percentiles of the answered requests are
// the moment's response time; a bucket whose share served meets the
// success ratio but whose percentiles miss latency_p95 or latency_p99 is
// slow, and a run of slow buckets is a slow outage, unless a worse one
// (down, degraded) holds it already. Under a scale mapping one real request
// stands for many of the experiment's, but its response time is what the
// real stack answered, not scaled.

// quantiles are the 95th and 99th percentiles of ls (nearest rank), which
// it sorts; zero when empty.
func quantiles(ls []time.Duration) (p95, p99 time.Duration) {
	if len(ls) == 0 {
		return 0, 0
	}
	slices.Sort(ls)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ls))+0.999999999) - 1
		return ls[max(0, min(i, len(ls)-1))]
	}
	return rank(0.95), rank(0.99)
}

// bucketLatency is one served bucket's response time, at its experiment
// time.
type bucketLatency struct {
	at       time.Duration
	p95, p99 time.Duration
	success  float64
}

// slowSpans are the runs of buckets that served enough (success >= thr) but
// missed a latency objective, in experiment time: a run starts at its first
// slow bucket and ends at the first bucket after it that is not slow (the
// horizon when none).
func slowSpans(bs []bucketLatency, o experiments.Objectives, thr float64, horizon time.Duration) []engine.Span {
	if o.LatencyP95 <= 0 && o.LatencyP99 <= 0 {
		return nil
	}
	slow := func(b bucketLatency) bool {
		if b.success < thr || b.p95 == 0 {
			return false
		}
		return (o.LatencyP95 > 0 && b.p95 > o.LatencyP95) || (o.LatencyP99 > 0 && b.p99 > o.LatencyP99)
	}
	var out []engine.Span
	open := false
	var start time.Duration
	for _, b := range bs {
		switch s := slow(b); {
		case s && !open:
			open, start = true, b.at
		case !s && open:
			out = append(out, engine.Span{Start: start, End: min(b.at, horizon)})
			open = false
		}
	}
	if open {
		out = append(out, engine.Span{Start: start, End: horizon})
	}
	return out
}

// addSlow adds the slow spans to the outages where no worse outage holds
// them, keeping the outages sorted; cause gives each its faults.
func addSlow(outs []engine.Outage, slow []engine.Span, cause func(engine.Span) []string) []engine.Outage {
	for _, s := range slow {
		// cut s around the outages already there.
		parts := []engine.Span{s}
		for _, o := range outs {
			var next []engine.Span
			for _, p := range parts {
				if o.End <= p.Start || o.Start >= p.End {
					next = append(next, p)
					continue
				}
				if o.Start > p.Start {
					next = append(next, engine.Span{Start: p.Start, End: o.Start})
				}
				if o.End < p.End {
					next = append(next, engine.Span{Start: o.End, End: p.End})
				}
			}
			parts = next
		}
		for _, p := range parts {
			outs = append(outs, engine.Outage{Span: p, State: engine.StateSlow, Cause: cause(p), Recovery: engine.RecoveryLoadSubsided})
		}
	}
	slices.SortFunc(outs, func(a, b engine.Outage) int { return int(a.Start - b.Start) })
	return outs
}

// worstLatency is the worst p95 and p99 over the buckets outside down
// outages (nothing is answered then, and a timeout is not a response time).
func worstLatency(bs []bucketLatency, outs []engine.Outage) (p95, p99 time.Duration) {
	for _, b := range bs {
		down := false
		for _, o := range outs {
			if o.State == engine.StateDown && o.Start <= b.at && b.at < o.End {
				down = true
				break
			}
		}
		if !down {
			p95, p99 = max(p95, b.p95), max(p99, b.p99)
		}
	}
	return p95, p99
}
