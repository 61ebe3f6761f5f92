package queueing

import (
	"math"
	"testing"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestMMc checks the Octave queueing package's qsmmm tests (λ = 9, μ = 5):
//
//	c = 2: a = 1.8, B = a²/2 / (1 + a + a²/2) = 1.62/4.42 = 0.36652,
//	       ρ = 0.9, C = B/(1 - 0.9 × 0.63348) = 0.85263,
//	       R = C/(10 - 9) + 1/5 = 1.0526;
//	c = 4: ρ = 0.45, B = 0.075034 (the recurrence: 0.642857, 0.366516,
//	       0.180267, 0.075034), C = 0.075034/(1 - 0.45 × 0.924966) =
//	       0.128535, R = 0.128535/11 + 0.2 = 0.2117.
func TestMMc(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    int
		r    float64
	}{
		{"c=2", 2, 1.053},
		{"c=4", 4, 0.212},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := MMc{Lambda: 9, Mu: 5, C: tc.c}
			if got := q.MeanResponse(); !near(got, tc.r, 5e-4) {
				t.Errorf("R = %.5f, want %.3f", got, tc.r)
			}
		})
	}
}

// TestErlang: c = 2, a = 1.8 as worked out above.
func TestErlang(t *testing.T) {
	if got := ErlangB(2, 1.8); !near(got, 1.62/4.42, 1e-12) {
		t.Errorf("B = %v, want %v", got, 1.62/4.42)
	}
	b := 1.62 / 4.42
	if got := ErlangC(2, 1.8); !near(got, b/(1-0.9*(1-b)), 1e-12) {
		t.Errorf("C = %v", got)
	}
	if got := ErlangC(2, 2); got != 1 {
		t.Errorf("C at saturation = %v, want 1", got)
	}
}

// TestWaitQuantile: c = 2, λ = 9, μ = 5 gives C = 0.85263 and cμ - λ = 1,
// so P(Wq > t) = 0.85263 e^-t; its 95th percentile is ln(0.85263/0.05) =
// 2.8362 s. With c = 4, C = 0.128535 > 0.05: ln(0.128535/0.05)/11 =
// 0.0858 s; at p = 0.5 the waiting share 0.1285 is under 0.5, so the median
// wait is 0.
func TestWaitQuantile(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    int
		p    float64
		want float64
	}{
		{"c=2 p95", 2, 0.95, 2.8362},
		{"c=4 p95", 4, 0.95, 0.0858},
		{"c=4 p50", 4, 0.5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := MMc{Lambda: 9, Mu: 5, C: tc.c}
			if got := q.WaitQuantile(tc.p); !near(got, tc.want, 5e-4) {
				t.Errorf("quantile = %.5f, want %.4f", got, tc.want)
			}
		})
	}
	if got := (MMc{Lambda: 10, Mu: 5, C: 2}).WaitQuantile(0.95); !math.IsInf(got, 1) {
		t.Errorf("saturated quantile = %v, want +Inf", got)
	}
}

// TestMMcK checks qsmmmk's tests: M/M/3/7 with λ = 40, μ = 30 (a = 4/3,
// ρ = 4/9) gives p0 = 0.255037 and R = 0.036517; M/M/4/6 with λ = 50,
// μ = 10 (a = 5, ρ = 1.25) gives p_K = 0.293543.
func TestMMcK(t *testing.T) {
	q := MMcK{Lambda: 40, Mu: 30, C: 3, K: 7}
	if got := q.P0(); !near(got, 0.255037, 5e-7) {
		t.Errorf("M/M/3/7 p0 = %.6f, want 0.255037", got)
	}
	if got := q.MeanResponse(); !near(got, 0.036517, 5e-7) {
		t.Errorf("M/M/3/7 R = %.6f, want 0.036517", got)
	}
	q = MMcK{Lambda: 50, Mu: 10, C: 4, K: 6}
	if got := q.Loss(); !near(got, 0.293543, 5e-7) {
		t.Errorf("M/M/4/6 p_K = %.6f, want 0.293543", got)
	}
	if got, want := q.Throughput(), 50*(1-q.Loss()); !near(got, want, 1e-12) {
		t.Errorf("throughput = %v, want %v", got, want)
	}
}
