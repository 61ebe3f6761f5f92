package containers

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

const (
	// maxRPS caps what one generator sends to one region, whatever the
	// experiment asks: the load stays bounded on a laptop.
	maxRPS = 400
	// loadTimeout is a generated request's deadline.
	loadTimeout = 2 * time.Second
	// botnet is how many addresses a flood comes from.
	botnet = 50
)

// loads generates surges and floods against the regions' entry points.
type loads struct {
	scale int
	mu    sync.Mutex
	peak  map[string]float64 // region -> highest rate sent, per second
}

// rate is a virtual request rate at wall time w of an effect.
type rateFunc func(elapsed time.Duration) float64

func (l *loads) run(ctx context.Context, g *region, e faults.Effect) error {
	exp := g.run.exp
	wall := g.clock.wallFor(e.For)
	var rate rateFunc
	bot := e.Action == faults.Flood
	if bot {
		v := e.RPS / float64(max(l.scale, 1))
		rate = func(time.Duration) float64 { return v }
	} else {
		w := g.r.Workload
		at := exp.Start.Add(e.At)
		base := float64(g.r.Users) * w.PeakConcurrency * w.Level(at.Sub(midnight(at))) * w.RequestsPerUserMinute / 60 / float64(max(l.scale, 1))
		ramp, hold := g.clock.wallFor(e.Ramp), g.clock.wallFor(e.Hold)
		rate = func(t time.Duration) float64 {
			f := 1.0
			switch {
			case t < ramp:
				f = float64(t) / float64(ramp)
			case t > ramp+hold:
				f = max(0, 1-float64(t-ramp-hold)/float64(max(ramp, 1)))
			}
			return base * (1 + (e.Multiplier-1)*f)
		}
	}
	sent, ok := l.generate(ctx, g, wall, rate, bot)
	g.event(engine.EventFaultEnded, engine.Measured, e.Fault, 0, "%s ended: %d requests sent, %d answered 2xx", e.Fault, sent, ok)
	return nil
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// generate sends requests on schedule (an open model: a slow answer does
// not slow the sender, so overload is not hidden by coordinated omission)
// for wall time long, and records them in the region's load series.
func (l *loads) generate(ctx context.Context, g *region, long time.Duration, rate rateFunc, bot bool) (sent, ok int) {
	hc := &http.Client{Timeout: loadTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer hc.CloseIdleConnections()
	start := time.Now()
	sem := make(chan struct{}, 4*maxInFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := start
	for n := 0; ; n++ {
		el := next.Sub(start)
		if el >= long || ctx.Err() != nil {
			break
		}
		r := min(rate(el), maxRPS)
		l.mu.Lock()
		l.peak[g.r.Name] = max(l.peak[g.r.Name], r)
		l.mu.Unlock()
		if r <= 0 {
			next = next.Add(100 * time.Millisecond)
			continue
		}
		if !sleepUntil(ctx, next) {
			break
		}
		next = next.Add(time.Duration(float64(time.Second) / r))
		sent++
		select {
		case sem <- struct{}{}:
		default:
			if !bot {
				g.load.add(result{sent: time.Now(), latency: loadTimeout})
			}
			continue
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			defer func() { <-sem }()
			t := time.Now()
			var req *http.Request
			if bot {
				req, _ = http.NewRequestWithContext(ctx, http.MethodPost, g.entry+"/api/login",
					strings.NewReader(`{"login":"admin","password":"123456"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Firedrill-Bot", "1")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 1+n%botnet))
			} else {
				req, _ = http.NewRequestWithContext(ctx, http.MethodGet, g.entry+"/api/probe", nil)
				// Each request comes from one of many pupils' homes.
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", 1+n%200, (n/200)%250, 1+(n/50000)%250))
			}
			resp, err := hc.Do(req)
			good := err == nil && resp.StatusCode/100 == 2
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if good {
				mu.Lock()
				ok++
				mu.Unlock()
			}
			if !bot {
				g.load.add(result{sent: t, latency: time.Since(t), ok: good})
			}
		}(n)
	}
	wg.Wait()
	return sent, ok
}

// peakNote describes the load generated, for the report's notes.
func (l *loads) notes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	names := make([]string, 0, len(l.peak))
	for n := range l.peak {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, fmt.Sprintf("%s: generated load peaked at %.0f requests/s (each stands for %d real ones)", n, math.Round(l.peak[n]), l.scale))
	}
	return out
}
