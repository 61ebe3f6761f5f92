package engine

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// TestStrata: the strata's probabilities add up to 1 (the Poisson
// distribution, its tail included), the no-occurrence year is computed
// once unless something else in a year is drawn, and the years follow the
// probabilities.
func TestStrata(t *testing.T) {
	for _, tc := range []struct {
		rate       float64
		timedDrawn bool
	}{{0.001, false}, {0.25, false}, {1.02, true}, {5, false}, {0, false}, {0, true}, {40, false}} {
		ss := strata(tc.rate, 10000, tc.timedDrawn)
		sum := 0.0
		for i, s := range ss {
			sum += s.Probability
			if s.Tail != (i == len(ss)-1) && tc.rate > 0 {
				t.Errorf("rate %g: stratum %d tail %v", tc.rate, i, s.Tail)
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("rate %g: probabilities add up to %.15f", tc.rate, sum)
		}
		first := ss[0]
		switch {
		case tc.rate > maxStratifiedRate:
			if len(ss) != 1 || first.Years != 10000 || !first.Tail {
				t.Errorf("rate %g: %+v, want one stratum drawing each year's count", tc.rate, ss)
			}
		case tc.timedDrawn:
			if first.Occurrences != 0 || first.Years < 2 {
				t.Errorf("rate %g with timed draws: the no-occurrence years are simulated too, got %+v", tc.rate, first)
			}
		default:
			if first.Occurrences != 0 || first.Years != 1 || math.Abs(first.Probability-math.Exp(-tc.rate)) > 1e-15 {
				t.Errorf("rate %g: first stratum %+v, want the no-occurrence year once, P = e^-rate", tc.rate, first)
			}
		}
		// a rate of 0.25: P(N = 1) / P(N >= 1) = 0.25 e^-0.25 / (1 - e^-0.25)
		// = 0.8802 of 10,000 years.
		if tc.rate == 0.25 && ss[1].Years != 8802 {
			t.Errorf("rate 0.25: %d years with one occurrence, want 8,802", ss[1].Years)
		}
	}
}

// TestPoissonDraws: the tail stratum's counts follow the Poisson
// distribution conditioned on being at least k, and an unstratified count
// the Poisson distribution itself. For rate 2 and k = 3: E[N | N >= 3] =
// (2 - P(N=1) - 2 P(N=2)) / P(N >= 3) = (2 - 0.27067 - 0.54134) / 0.32332
// = 3.6740.
func TestPoissonDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	sum := 0
	for i := 0; i < n; i++ {
		k := poissonTail(rng, 2, 3)
		if k < 3 {
			t.Fatalf("drew %d, below 3", k)
		}
		sum += k
	}
	// the conditional variance is about 0.84: 3 standard errors of the mean
	// are 3 x sqrt(0.84 / 200,000) = 0.0061.
	if m := float64(sum) / n; math.Abs(m-3.6740) > 0.0061 {
		t.Errorf("E[N | N >= 3] = %.4f, want 3.6740", m)
	}
	sum = 0
	for i := 0; i < n; i++ {
		sum += poissonCount(rng, 30)
	}
	// mean 30, variance 30: 3 standard errors are 3 x sqrt(30 / 200,000) = 0.037.
	if m := float64(sum) / n; math.Abs(m-30) > 0.037 {
		t.Errorf("E[N] = %.4f, want 30", m)
	}
}

// TestRiskCancelled: cancelling a risk run mid-way returns promptly with
// the context's error, whatever the workers were doing.
func TestRiskCancelled(t *testing.T) {
	e := loadFire(t)
	ctx, cancel := context.WithCancel(context.Background())
	d := &cancellingDriver{after: 200, cancel: cancel}
	done := make(chan error, 1)
	go func() {
		_, err := RunRisk(ctx, e, d, nil, RiskOptions{Years: 1000000, Workers: 4})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("risk did not return after cancellation")
	}
}

// cancellingDriver serves the step driver's observations and cancels the
// run after a number of them.
type cancellingDriver struct {
	n      atomic.Int64
	after  int64
	cancel context.CancelFunc
}

func (d *cancellingDriver) Name() string { return "cancelling" }

func (d *cancellingDriver) Run(ctx context.Context, p *Plan) (*Observation, error) {
	if d.n.Add(1) == d.after {
		d.cancel()
	}
	return stepDriver{}.Run(ctx, p)
}
