// Package workerpool sizes an app server's worker pool from the request
// rate it must serve. The ENT app server (cmd/entd) builds its pool with
// it, and the containers driver tells the edge how many requests each
// server takes at once, so that the two never disagree on the figure.
package workerpool

import (
	"math"
	"time"
)

// Hold is about how long a request holds its worker: far under the
// probes' 250 ms SLO at low load, and long enough that the request's real
// work (a query or two) fits in it.
const Hold = 40 * time.Millisecond

// Size is the pool that serves rate requests per second: workers requests
// at a time, each holding its worker hold, workers/hold = rate. It is 0, 0
// for rate 0 (no pool).
func Size(rate float64) (workers int, hold time.Duration) {
	if rate <= 0 {
		return 0, 0
	}
	n := max(1, int(math.Ceil(rate*Hold.Seconds())))
	return n, time.Duration(float64(n) / rate * float64(time.Second))
}
