package faults_test

import (
	"math"
	"testing"
	"time"

	"github.com/firedrill/firedrill/faults"
)

// TestLongFaultsSaturate: a fault longer than what a Duration holds, or
// one that would end past it, lasts for ever instead of wrapping to a
// negative length (which made a surge end before it began).
func TestLongFaultsSaturate(t *testing.T) {
	// 2 x 60,000d + 60,000d = 180,000 days: past the 106,751 a Duration
	// holds.
	f, err := decode(t, `
fault "connection_surge" "s" {
  at         = "1h"
  regions    = [region.r1]
  multiplier = 2
  ramp       = "60000d"
  hold       = "60000d"
}`)
	if err != nil {
		t.Fatal(err)
	}
	e := f.Effects(faults.Occurrence{At: time.Hour})[0]
	if e.For != math.MaxInt64 || e.End() != math.MaxInt64 {
		t.Errorf("surge lasts %d ns and ends at %d, want both saturated", e.For, e.End())
	}
	// a power cut of 100,000 days from day 10,000 ends past a Duration too.
	e = faults.Effect{At: 10000 * 24 * time.Hour, For: 100000 * 24 * time.Hour}
	if e.End() != math.MaxInt64 {
		t.Errorf("end %d, want saturated", e.End())
	}
	if got := faults.AddDurations(-3*time.Hour, time.Hour, math.MinInt64); got != math.MinInt64 {
		t.Errorf("AddDurations saturates downwards too: got %d", got)
	}
}
