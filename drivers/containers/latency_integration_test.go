package containers

import (
	"math"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// TestLatency runs testdata/latency.hcl, a flat day with no fault, on the
// model and on real stacks: the region at about half its capacity meets
// latency_p95 = 3 x the service time, the one at about 95 % misses it and
// is slow, neither down nor degraded, on both drivers.
//
// The model (drivers/model/latency.go: replica_rps x 50 ms workers, M/M/c):
//   - half: 300 x 0.05 = 15 workers of 50 ms, 160 requests/s, a = 8
//     erlangs, ρ = 0.533; Erlang B(15, 8) = 0.009101, C = 0.009101 / (1 -
//     0.533 x 0.990899) = 0.019301 < 0.05: the 95th percentile does not
//     wait, p95 = 50 ms, under 150 ms. p99 = ln(0.019301 / 0.01) / (300 -
//     160) + 0.05 = 0.65755 / 140 + 0.05 = 54.70 ms.
//   - busy: 168 x 0.05 = 8.4, 8 workers of 8 / 168 = 47.62 ms; a = 160 x
//     0.047619 = 7.619 erlangs, ρ = 0.952; Erlang B(8, 7.619) = 0.214210,
//     C = 0.214210 / (1 - 0.952381 x 0.785790) = 0.851294; p95 = ln(0.851294
//     / 0.05) / (168 - 160) + 0.047619 = 2.83491 / 8 + 0.047619 = 401.96 ms
//     > 150 ms: slow the whole 2 h, every request answered.
//
// The real stacks: each region's users' stream is its demand mapped to
// its stack's measured capacity (160 / 300 and 160 / 168 of it), on an app
// server whose worker pool holds each request 40 ms (cmd/entd/pool.go).
// Its capacity is measured at saturation (146 requests/s on a pool of 6
// workers of 40 ms, 150/s), so half's users keep it busy 53 % of the time
// and busy's 95 %, as on the model. The objective is 3 x the model's 50
// ms, 3.75 x the real hold; the response time is what the stack answered.
// The real hold is fixed, not exponential: an M/D/c queue waits about half
// as long as the model's M/M/c (M/M/6 at ρ = 0.95 and 40 ms: p95 = 432 ms;
// half the wait, about 236 ms), and over 1-second buckets of ~140 requests
// busy's p95 crosses 150 ms in spells, not all along.
// Measured (2 CPU host, 1m36s): half worst p95 62 ms, never slow; busy
// worst p95 275 ms, slow 24 min of the 2 h in four spells, every request
// answered.
func TestLatency(t *testing.T) {
	cli := needDocker(t)
	mres, res, _ := runBoth(t, cli, "testdata/latency.hcl")
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	want := map[string]struct{ p95, p99 time.Duration }{
		"half": {50 * time.Millisecond, ms(54.70)},
		"busy": {ms(401.96), 0},
	}
	for _, r := range mres.Regions {
		w := want[r.Region]
		if math.Abs(float64(r.P95-w.p95)) > float64(ms(0.05)) {
			t.Errorf("model: %s p95 %s, want %s", r.Region, r.P95, w.p95)
		}
		if w.p99 > 0 && math.Abs(float64(r.P99-w.p99)) > float64(ms(0.05)) {
			t.Errorf("model: %s p99 %s, want %s", r.Region, r.P99, w.p99)
		}
	}

	for _, set := range []struct {
		driver string
		res    *engine.Result
	}{{"model", mres}, {"containers", res}} {
		for _, r := range set.res.Regions {
			t.Logf("%s: %s worst p95 %s, p99 %s, slow %s, served %.2f%%, availability %.2f%%",
				set.driver, r.Region, r.P95, r.P99, r.Slow, 100*r.ServedRatio, r.Availability)
			for _, in := range r.Incidents {
				t.Logf("%s: %s: %s %s - %s", set.driver, r.Region, in.State, in.Start, in.End)
			}
			var slow time.Duration
			for _, in := range r.Incidents {
				if in.State != engine.StateSlow {
					t.Errorf("%s: %s is %s from %s to %s; want only slow: every request was answered", set.driver, r.Region, in.State, in.Start, in.End)
				}
				slow += in.Len()
			}
			var verdict *engine.Verdict
			for k := range r.Verdicts {
				if r.Verdicts[k].Objective == "latency_p95" {
					verdict = &r.Verdicts[k]
				}
			}
			if verdict == nil {
				t.Errorf("%s: %s has no latency_p95 verdict", set.driver, r.Region)
				continue
			}
			switch r.Region {
			case "half":
				if slow > 0 || !verdict.Pass {
					t.Errorf("%s: half slow %s, latency verdict %+v; want it met all along at about half its capacity", set.driver, slow, *verdict)
				}
			case "busy":
				if slow == 0 || verdict.Pass {
					t.Errorf("%s: busy slow %s, latency verdict %+v; want it slow and the objective missed at about 95 %% of its capacity", set.driver, slow, *verdict)
				}
			}
		}
	}
}
