package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolSize(t *testing.T) {
	for _, c := range []struct {
		rate    float64
		workers int
		hold    time.Duration
	}{
		// 200 req/s x 40 ms = 8 workers, each held 8/200 s = 40 ms.
		{200, 8, 40 * time.Millisecond},
		// 30 x 0.04 = 1.2, rounded up to 2 workers: 2/30 s = 66.67 ms.
		{30, 2, 66666666 * time.Nanosecond},
		// 10 x 0.04 = 0.4: 1 worker, held 1/10 s.
		{10, 1, 100 * time.Millisecond},
	} {
		p := newPool(c.rate)
		if cap(p.slots) != c.workers || p.hold != c.hold {
			t.Errorf("newPool(%g): %d workers held %s; want %d held %s", c.rate, cap(p.slots), p.hold, c.workers, c.hold)
		}
		// The pool's rate is exactly the one asked for.
		if got := float64(cap(p.slots)) / p.hold.Seconds(); got < c.rate*0.999 || got > c.rate*1.001 {
			t.Errorf("newPool(%g) serves %g requests/s", c.rate, got)
		}
	}
	if newPool(0) != nil {
		t.Error("newPool(0): want no pool")
	}
}

// TestPoolBounds: no more requests run at once than the pool has workers,
// each holds its worker at least the pool's hold, and the health check
// answers while every worker is busy.
func TestPoolBounds(t *testing.T) {
	p := newPool(100) // 4 workers, 40 ms each
	var running, most atomic.Int32
	release := make(chan struct{})
	h := p.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		running.Add(-1)
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/", h)
	s := httptest.NewServer(mux)
	defer s.Close()

	var wg sync.WaitGroup
	held := make(chan time.Duration, 10)
	for range 10 {
		wg.Go(func() {
			start := time.Now()
			resp, err := http.Get(s.URL + "/api/probe")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			held <- time.Since(start)
		})
	}
	// Wait until the pool is full, then check the health check.
	for running.Load() < 4 {
		time.Sleep(time.Millisecond)
	}
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health check with the pool full: %v %v", resp, err)
	}
	resp.Body.Close()
	close(release)
	wg.Wait()
	close(held)
	if m := most.Load(); m != 4 {
		t.Errorf("%d requests ran at once; want the pool's 4", m)
	}
	for d := range held {
		if d < p.hold {
			t.Errorf("a request was answered in %s, under the pool's hold of %s", d, p.hold)
		}
	}
}
