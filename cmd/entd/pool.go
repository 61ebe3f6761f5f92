package main

import (
	"net/http"
	"time"

	"github.com/firedrill/firedrill/internal/workerpool"
)

// pool is the app server's worker pool, as an ENT's PHP-FPM or servlet
// pool sizes it: workers requests at a time, each holding its worker for
// at least hold, so that the server serves workers/hold requests per
// second whatever the host's CPU does around it. A worker takes the next
// request even when its client has given up: that wasted work is why an
// overloaded pool collapses instead of serving its capacity, unless the
// edge in front holds the queue and bounds its wait (queue_timeout).
type pool struct {
	slots chan struct{}
	hold  time.Duration
}

// newPool sizes a pool that serves rate requests per second
// (workerpool.Size); nil (no limit) for rate 0.
func newPool(rate float64) *pool {
	n, hold := workerpool.Size(rate)
	if n == 0 {
		return nil
	}
	return &pool{slots: make(chan struct{}, n), hold: hold}
}

// wrap runs h in a worker, waiting in line for one.
func (p *pool) wrap(h http.Handler) http.Handler {
	if p == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.slots <- struct{}{}
		start := time.Now()
		defer func() {
			time.Sleep(time.Until(start.Add(p.hold)))
			<-p.slots
		}()
		h.ServeHTTP(w, r)
	})
}
