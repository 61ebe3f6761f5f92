// Package queueing holds the textbook formulas of the multi-server queue
// that the model driver uses to predict response time.
//
// The formulas, with their sources:
//
//   - Erlang B, the blocking probability of c servers offered a = λ/μ
//     erlangs, by the stable recurrence B(0) = 1, B(k) = a B(k-1) / (k +
//     a B(k-1)) (Kleinrock, Queueing Systems vol. 1, §3.7; the Octave
//     queueing package, inst/erlangb.m).
//   - Erlang C, the probability that an arrival waits in M/M/c, from Erlang
//     B: C = B / (1 - ρ(1 - B)), ρ = a/c (inst/erlangc.m).
//   - M/M/c waiting: Wq = C / (cμ - λ) on average, and P(Wq > t) =
//     C e^(-(cμ - λ) t), so the p-quantile of waiting is ln(C/(1-p)) /
//     (cμ - λ) when C > 1-p, else 0 (Kleinrock §3.4; inst/qsmmm.m). The
//     mean response is Wq + 1/μ.
//   - M/M/c/K, a finite room of K (c serving, K-c waiting): p_n = p0 a^n/n!
//     for n <= c and p0 a^c/c! ρ^(n-c) for c < n <= K; an arrival is lost
//     with probability p_K, the throughput is λ(1 - p_K) and the mean
//     response L / (λ(1 - p_K)) by Little's law (Gross and Harris,
//     Fundamentals of Queueing Theory §2.6; inst/qsmmmk.m).
//
// The tests check these against the Octave package's published vectors.
package queueing

import "math"

// ErlangB is the probability that an arrival finds all c servers busy in a
// loss system offered a erlangs.
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC is the probability that an arrival waits in an M/M/c queue
// offered a erlangs; 1 at or beyond saturation (a >= c).
func ErlangC(c int, a float64) float64 {
	if c <= 0 || a >= float64(c) {
		return 1
	}
	b := ErlangB(c, a)
	rho := a / float64(c)
	return b / (1 - rho*(1-b))
}

// MMc is an M/M/c queue: Poisson arrivals at Lambda per second, C servers
// each serving Mu per second with exponential service times.
type MMc struct {
	Lambda, Mu float64
	C          int
}

// Stable says whether the queue has a steady state (λ < cμ).
func (q MMc) Stable() bool { return q.C > 0 && q.Mu > 0 && q.Lambda < float64(q.C)*q.Mu }

// Utilisation is ρ = λ / (cμ).
func (q MMc) Utilisation() float64 { return q.Lambda / (float64(q.C) * q.Mu) }

// Wait is the probability of waiting (Erlang C).
func (q MMc) Wait() float64 { return ErlangC(q.C, q.Lambda/q.Mu) }

// MeanWait is Wq in seconds; +Inf when the queue is not stable.
func (q MMc) MeanWait() float64 {
	if !q.Stable() {
		return math.Inf(1)
	}
	return q.Wait() / (float64(q.C)*q.Mu - q.Lambda)
}

// MeanResponse is the mean time in the system, waiting plus service, in
// seconds; +Inf when the queue is not stable.
func (q MMc) MeanResponse() float64 { return q.MeanWait() + 1/q.Mu }

// WaitQuantile is the p-quantile of the waiting time in seconds (0 < p <
// 1); +Inf when the queue is not stable.
func (q MMc) WaitQuantile(p float64) float64 {
	if !q.Stable() {
		return math.Inf(1)
	}
	c := q.Wait()
	if c <= 1-p {
		return 0
	}
	return math.Log(c/(1-p)) / (float64(q.C)*q.Mu - q.Lambda)
}

// MMcK is an M/M/c/K queue: as MMc, with room for K requests in all (K >=
// C); an arrival that finds K is lost.
type MMcK struct {
	Lambda, Mu float64
	C, K       int
}

// sums are the unnormalised weights' sums Σ w_n and Σ n w_n, with w_0 = 1,
// and the last weight w_K: every figure follows from them, in O(K).
func (q MMcK) sums() (sum, mean, last float64) {
	a := q.Lambda / q.Mu
	rho := a / float64(q.C)
	w := 1.0
	sum = 1
	for n := 1; n <= q.K; n++ {
		if n <= q.C {
			w *= a / float64(n)
		} else {
			w *= rho
		}
		sum += w
		mean += float64(n) * w
	}
	return sum, mean, w
}

// P0 is the probability that the system is empty.
func (q MMcK) P0() float64 {
	s, _, _ := q.sums()
	return 1 / s
}

// Loss is p_K, the probability that an arrival finds the system full and
// is lost.
func (q MMcK) Loss() float64 {
	s, _, w := q.sums()
	return w / s
}

// Throughput is the rate of admitted arrivals, λ(1 - p_K).
func (q MMcK) Throughput() float64 { return q.Lambda * (1 - q.Loss()) }

// MeanResponse is the mean time an admitted request spends in the system,
// by Little's law.
func (q MMcK) MeanResponse() float64 {
	s, m, w := q.sums()
	x := q.Lambda * (1 - w/s)
	if x <= 0 {
		return 0
	}
	return m / s / x
}
