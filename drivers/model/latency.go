package model

import (
	"math"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/queueing"
)

// How the model predicts response time (issue 21).
//
// An app server runs workers: replica_rps = workers / service time, so with
// the 50 ms serviceTime a 400 req/s server has 20 workers. The load
// balancer spreads requests evenly over the live servers, and each server
// queues its own: an M/M/c queue per server (queueing.MMc), c its workers,
// μ one over the time a request holds a worker. That hold is serviceTime
// for a read and serviceTime plus the round trip to a synchronous standby
// (with any latency fault on that link) for a write; the mean hold is what
// capacity divides by, so capacity and response time come from one figure.
//
// The p-quantile of response time is the M/M/c waiting quantile plus the
// service: serviceTime, plus the commit's round trip when writes are more
// than 1-p of requests (the slowest 5 % are then writes).
//
// Without admission control users are an open stream: beyond saturation
// the queue has no steady state and grows for as long as demand stays
// above capacity, and congestion collapse sets in (see Service). Nothing
// bounds the wait then but the proxy in front of the app, which answers
// 504 after proxyTimeout: the model reports that bound.
//
// With admission control the admitted users are a closed population: each
// waits for a page before asking the next, so at most max_sessions requests
// are ever in the system and their wait is bounded. A user's cycle is a
// think time Z plus the response time R; Z is what makes an ordinary cycle
// last 1/requests-per-second: Z = 60/requests_per_user_minute - serviceTime.
// The admitted users' throughput X solves X = N / (Z + R(X)) (the
// interactive response time law, Denning and Buzen 1978), with R from the
// M/M/c queue at X. Beyond saturation X tends to capacity and R to N/X - Z:
// the admitted are answered, slowly, and send fewer requests; they are not
// turned away, so the moment is slow, not degraded.

// Constants of the latency model, each with its reason.
const (
	// proxyTimeout bounds what a user can see when nothing else does:
	// nginx's default proxy_read_timeout, after which it answers 504.
	proxyTimeout = 60 * time.Second
)

// workers is how many workers an app server of h runs, and how long a read
// holds one: replica_rps x serviceTime rounded, at least one, and the
// service time that gives exactly replica_rps with that many.
func workers(h *experiments.Hosting) (int, float64) {
	if h.ReplicaRPS <= 0 {
		return 1, serviceTime.Seconds()
	}
	c := max(1, int(math.Round(h.ReplicaRPS*serviceTime.Seconds())))
	return c, float64(c) / h.ReplicaRPS
}

// queue is the app tier's queue at a moment: n servers of c workers each.
type queue struct {
	n, c  int
	cap   float64 // n c / hold, requests per second
	hold  float64 // mean seconds a request holds a worker
	read  float64 // seconds a read holds its worker
	extra float64 // what a write adds to read: the commit's round trip
}

// server is one server's M/M/c at total arrival rate lambda.
func (q queue) server(lambda float64) queueing.MMc {
	return queueing.MMc{Lambda: lambda / float64(q.n), Mu: 1 / q.hold, C: q.c}
}

// quantile is the p-quantile of response time at arrival rate lambda, in
// seconds; +Inf without a steady state. ws is the write share.
func (q queue) quantile(lambda, p, ws float64) float64 {
	if q.n <= 0 {
		return math.Inf(1)
	}
	w := q.server(lambda).WaitQuantile(p)
	r := w + q.read
	if ws > 1-p {
		r += q.extra
	}
	return r
}

// meanResponse is the mean response time at arrival rate lambda, seconds.
func (q queue) meanResponse(lambda float64) float64 {
	return q.server(lambda).MeanWait() + q.hold
}

// closed solves the admitted users' throughput X = N / (Z + R(X + attack))
// by bisection: X (Z + R) grows with X, from 0 to at least N at the upper
// bound. attack is open traffic that shares the queue.
func (q queue) closed(users, think, attack float64) float64 {
	hi := min(users/(think+q.hold), q.cap-attack)
	if hi <= 0 {
		return 0
	}
	f := func(x float64) float64 { return x*(think+q.meanResponse(x+attack)) - users }
	if f(hi*(1-1e-9)) <= 0 {
		return hi
	}
	lo := 0.0
	for hi-lo > 1e-9*hi {
		m := lo + (hi-lo)/2
		if f(m) <= 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// seconds converts a model figure to a Duration, with +Inf and anything
// beyond it at proxyTimeout.
func seconds(s float64) time.Duration {
	if s >= proxyTimeout.Seconds() || math.IsInf(s, 1) || math.IsNaN(s) {
		return proxyTimeout
	}
	return time.Duration(s * float64(time.Second))
}
