package containers

import (
	"slices"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

const ms = time.Millisecond

// TestQuantiles: nearest rank. 20 answers of 1..20 ms: the 95th percentile
// is the 19th (0.95 x 20 = 19), the 99th the 20th (19.8 rounds up).
func TestQuantiles(t *testing.T) {
	var ls []time.Duration
	for i := 20; i >= 1; i-- {
		ls = append(ls, time.Duration(i)*ms)
	}
	if p95, p99 := quantiles(ls); p95 != 19*ms || p99 != 20*ms {
		t.Errorf("p95 %s p99 %s, want 19ms 20ms", p95, p99)
	}
	if p95, p99 := quantiles([]time.Duration{7 * ms}); p95 != 7*ms || p99 != 7*ms {
		t.Errorf("one answer: %s %s", p95, p99)
	}
	if p95, _ := quantiles(nil); p95 != 0 {
		t.Errorf("no answer: %s, want 0", p95)
	}
}

// TestSlowSpans: buckets every minute, p95 objective 150 ms, success ratio
// 0.95. 2-4 min answered at 186 ms, all served: slow 2m-5m. 6 min is at
// 200 ms but serves 0.5: not slow (the share outage holds it). 8 min
// onwards slow to the horizon. p99 only counts where set.
func TestSlowSpans(t *testing.T) {
	b := func(m int, p95 time.Duration, succ float64) bucketLatency {
		return bucketLatency{at: time.Duration(m) * time.Minute, p95: p95, p99: p95 + 50*ms, success: succ}
	}
	bs := []bucketLatency{b(0, 50*ms, 1), b(1, 60*ms, 1), b(2, 186*ms, 1), b(3, 190*ms, 1), b(4, 186*ms, 0.97),
		b(5, 50*ms, 1), b(6, 200*ms, 0.5), b(7, 50*ms, 1), b(8, 300*ms, 1), b(9, 300*ms, 1)}
	o := experiments.Objectives{LatencyP95: 150 * ms}
	got := slowSpans(bs, o, 0.95, 10*time.Minute)
	want := []engine.Span{{Start: 2 * time.Minute, End: 5 * time.Minute}, {Start: 8 * time.Minute, End: 10 * time.Minute}}
	if !slices.Equal(got, want) {
		t.Errorf("slow %v, want %v", got, want)
	}
	// p99 objective 240 ms: p99 = p95 + 50 ms, over 240 ms from p95 191 ms.
	got = slowSpans(bs, experiments.Objectives{LatencyP99: 240 * ms}, 0.95, 10*time.Minute)
	want = []engine.Span{{Start: 8 * time.Minute, End: 10 * time.Minute}}
	if !slices.Equal(got, want) {
		t.Errorf("slow on p99 %v, want %v", got, want)
	}
	if got := slowSpans(bs, experiments.Objectives{}, 0.95, 10*time.Minute); got != nil {
		t.Errorf("no objective, slow %v", got)
	}
}

// TestAddSlow: a slow span 1m-10m around a down outage 3m-4m becomes two
// slow outages, 1m-3m and 4m-10m, in order; the worst p95 skips the down
// minute's bucket (a timeout is not a response time).
func TestAddSlow(t *testing.T) {
	outs := []engine.Outage{{Span: engine.Span{Start: 3 * time.Minute, End: 4 * time.Minute}, State: engine.StateDown}}
	outs = addSlow(outs, []engine.Span{{Start: time.Minute, End: 10 * time.Minute}}, func(engine.Span) []string { return []string{"f"} })
	var got []string
	for _, o := range outs {
		got = append(got, string(o.State)+" "+o.Start.String()+"-"+o.End.String())
	}
	want := []string{"slow 1m0s-3m0s", "down 3m0s-4m0s", "slow 4m0s-10m0s"}
	if !slices.Equal(got, want) {
		t.Errorf("outages %v, want %v", got, want)
	}
	bs := []bucketLatency{{at: 2 * time.Minute, p95: 400 * ms, p99: 500 * ms}, {at: 3 * time.Minute, p95: 1000 * ms, p99: 1000 * ms}, {at: 5 * time.Minute, p95: 300 * ms, p99: 700 * ms}}
	if p95, p99 := worstLatency(bs, outs); p95 != 400*ms || p99 != 700*ms {
		t.Errorf("worst %s %s, want 400ms 700ms", p95, p99)
	}
}
