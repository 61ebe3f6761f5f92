package containers

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestGeneratorSchedule measures that the generator holds its schedule,
// at a constant maxRPS (the highest rate the driver sends a region) and on
// a ramp from 0 to it, against a loopback server that answers at once. The
// requests are a Poisson stream: their count over the 5 s is Poisson with
// the scheduled mean m, whose standard deviation is √m; the count must lie
// within 4 √m of m (an even-spaced stream would hit m itself). At the
// constant rate the gaps between arrivals are exponential, whose standard
// deviation equals their mean: their coefficient of variation must be near
// 1 (0.8-1.2; an even-spaced stream's is near 0).
func TestGeneratorSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("sends load for seconds; skipped with -short")
	}
	var (
		mu  sync.Mutex
		arr []time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arr = append(arr, time.Now())
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	const long = 5 * time.Second
	tests := []struct {
		name string
		rate func(time.Duration) float64
		// want: constant, maxRPS x 5 s = 800 x 5 = 4000 (4 √4000 = 253);
		// ramp, the integral of maxRPS x t/5s over 5 s = 800 x 5 / 2 =
		// 2000 (4 √2000 = 179).
		want float64
	}{
		{"constant", func(time.Duration) float64 { return maxRPS }, maxRPS * long.Seconds()},
		{"ramp", func(t time.Duration) float64 { return maxRPS * t.Seconds() / long.Seconds() }, maxRPS * long.Seconds() / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			arr = nil
			mu.Unlock()
			// A clock at 1:1: experiment time is wall time since start.
			c := newClock(time.Now(), 1)
			var results, ok int
			var late time.Duration
			gen(context.Background(), c, long, tt.rate, pupilTargeter(srv.URL), loadTimeout, 1, func(_ time.Duration, r *vegeta.Result) {
				results++
				if r.Code == http.StatusOK {
					ok++
				}
			}, &late)
			mu.Lock()
			got := slices.Clone(arr)
			mu.Unlock()
			n := float64(len(got))
			t.Logf("%s: scheduled %.0f, sent %d, answered OK %d, %.1f standard deviations off, behind at the end %s", tt.name, tt.want, len(got), ok, (n-tt.want)/math.Sqrt(tt.want), late)
			if math.Abs(n-tt.want) > 4*math.Sqrt(tt.want) {
				t.Errorf("sent %d requests for %.0f scheduled; want within 4 √%.0f = %.0f", len(got), tt.want, tt.want, 4*math.Sqrt(tt.want))
			}
			if results != len(got) {
				t.Errorf("%d results for %d requests received", results, len(got))
			}
			if tt.name != "constant" || len(got) < 2 {
				return
			}
			slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
			var sum, sq float64
			for i := 1; i < len(got); i++ {
				g := got[i].Sub(got[i-1]).Seconds()
				sum, sq = sum+g, sq+g*g
			}
			k := float64(len(got) - 1)
			mean := sum / k
			cv := math.Sqrt(sq/k-mean*mean) / mean
			t.Logf("gaps: mean %.3f ms, coefficient of variation %.2f", 1000*mean, cv)
			if cv < 0.8 || cv > 1.2 {
				t.Errorf("gaps' coefficient of variation %.2f; want about 1, a Poisson stream's", cv)
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
