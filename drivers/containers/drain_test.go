package containers

import (
	"context"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// TestDrain: a load ends with the service out; its backlog clears 400 ms
// later (the prober's next ten answers are fine). The clock, compressed
// 120 times before, runs at 1:1 over those 400 ms: they count 400 ms of
// experiment time, not 120 x 0.4 s = 48 s, and the drain is reported as a
// measured step of about 400 ms.
func TestDrain(t *testing.T) {
	start := time.Now().Add(-time.Second)
	g := &region{clock: newClock(start, 120), probes: &series{}}
	for i := range sustain {
		g.probes.add(result{sent: start.Add(time.Duration(i) * time.Millisecond), ok: false})
	}
	end := time.Now()
	g.clock.real(end)
	go func() {
		time.Sleep(400 * time.Millisecond)
		for i := range sustain {
			g.probes.add(result{sent: time.Now().Add(time.Duration(i) * time.Millisecond), ok: true})
		}
	}()
	g.drain(context.Background(), end, true)
	after := time.Now()
	if len(g.mech.steps) != 1 || g.mech.steps[0].Kind != engine.StepDrain || g.mech.steps[0].Basis != engine.Measured {
		t.Fatalf("steps %+v, want one measured drain", g.mech.steps)
	}
	took := g.mech.steps[0].Took
	if took < 400*time.Millisecond || took > 400*time.Millisecond+2*probeEvery+100*time.Millisecond {
		t.Errorf("drain took %s, want about 400ms (the prober's next round)", took)
	}
	// Experiment time now: the compressed second before end (120 s),
	// then the drain at 1:1, then what little came after, compressed.
	want := time.Duration(float64(end.Sub(start))*120) + took
	if got := g.clock.exp(after); got < want || got > want+time.Duration(float64(after.Sub(end)-took)*120)+time.Millisecond {
		t.Errorf("experiment time %s, want %s plus the compressed moments after the drain", got, want)
	}
	if len(g.timeline) != 1 || g.timeline[0].Kind != engine.EventRestored {
		t.Errorf("timeline %+v, want the service restored", g.timeline)
	}
}

// TestDrainNothing: a load that ends with the service in its SLO has no
// drain to report, and the clock compresses again at once.
func TestDrainNothing(t *testing.T) {
	start := time.Now().Add(-time.Second)
	g := &region{clock: newClock(start, 120), probes: &series{}}
	for i := range sustain {
		g.probes.add(result{sent: start.Add(time.Duration(i) * time.Millisecond), ok: true})
	}
	end := time.Now()
	g.clock.real(end)
	g.drain(context.Background(), end, false)
	if len(g.mech.steps) != 0 || len(g.timeline) != 0 {
		t.Errorf("steps %+v, timeline %+v: want none", g.mech.steps, g.timeline)
	}
	g.clock.mu.Lock()
	depth := g.clock.depth
	g.clock.mu.Unlock()
	if depth != 0 {
		t.Errorf("clock still held at 1:1 (depth %d)", depth)
	}
}
