package containers

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestGeneratorSchedule measures that the generator holds its schedule:
// requests received vs. scheduled within 1 %, at a constant maxRPS (the
// highest rate the driver sends a region) and on a ramp from 0 to it,
// against a loopback server that answers at once.
func TestGeneratorSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("sends load for seconds; skipped with -short")
	}
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	const long = 5 * time.Second
	tests := []struct {
		name string
		rate func(time.Duration) float64
		// want: constant, maxRPS x 5 s = 800 x 5 = 4000; ramp, the
		// integral of maxRPS x t/5s over 5 s = 800 x 5 / 2 = 2000.
		want float64
	}{
		{"constant", func(time.Duration) float64 { return maxRPS }, maxRPS * long.Seconds()},
		{"ramp", func(t time.Duration) float64 { return maxRPS * t.Seconds() / long.Seconds() }, maxRPS * long.Seconds() / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got.Store(0)
			// A clock at 1:1: experiment time is wall time since start.
			c := newClock(time.Now(), 1)
			var results, ok int
			var late time.Duration
			gen(context.Background(), c, long, tt.rate, pupilTargeter(srv.URL), loadTimeout, func(_ time.Duration, r *vegeta.Result) {
				results++
				if r.Code == http.StatusOK {
					ok++
				}
			}, &late)
			dev := math.Abs(float64(got.Load())-tt.want) / tt.want
			t.Logf("%s: scheduled %.0f, sent %d, answered OK %d, deviation %.2f%%, behind at the end %s", tt.name, tt.want, got.Load(), ok, 100*dev, late)
			if dev > 0.01 {
				t.Errorf("sent %d requests for %.0f scheduled: %.2f%% off; want within 1%%", got.Load(), tt.want, 100*dev)
			}
			if results != int(got.Load()) {
				t.Errorf("%d results for %d requests received", results, got.Load())
			}
		})
	}
}

// TestBotTargeter checks the botnet's make-up: 10 % of its requests from
// addresses that each stay under the rate limit (so rate limiting lets
// RateLimitPass through), and 0.1 % without the scrubbing signature.
func TestBotTargeter(t *testing.T) {
	// 500 requests/s: 50/s from wide addresses, each sending 2/s (a fifth
	// of the 10/s limit): 25 addresses.
	tr := botTargeter("http://x", 500)
	perAddr := map[string]int{}
	wide, unmarked := 0, 0
	const n = 100000
	for range n {
		var tg vegeta.Target
		if err := tr(&tg); err != nil {
			t.Fatal(err)
		}
		a := tg.Header.Get("X-Forwarded-For")
		perAddr[a]++
		if a != "198.51.100.1" {
			wide++
		}
		if tg.Header.Get("X-Firedrill-Bot") == "" {
			unmarked++
		}
	}
	if wide != n/10 || unmarked != n/1000 {
		t.Errorf("%d of %d from wide addresses, %d unmarked; want %d and %d", wide, n, unmarked, n/10, n/1000)
	}
	if got := len(perAddr) - 1; got != 25 {
		t.Errorf("%d wide addresses; want 25 (50 requests/s at 2/s each)", got)
	}
}
