package reports

import (
	"math"
	"testing"
	"time"
)

// TestTicksLongHorizon: the service chart's axis keeps at most eight
// ticks over any horizon up to the longest Duration (106,751 days), with
// steps a reader thinks in. Past eight weeks it used to tick weekly (521
// ticks over 10 years, 15,250 over 292, and an overflow past that).
func TestTicksLongHorizon(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		horizon, want time.Duration
	}{
		{72 * time.Hour, 12 * time.Hour}, // 6 ticks
		{90 * day, 14 * day},             // 6 ticks
		{3650 * day, 2 * 365 * day},      // 10 years: 5
		{36500 * day, 20 * 365 * day},    // 100 years: 5
		{math.MaxInt64, 50 * 365 * day},  // 292 years: 5 (every 20 years: 14)
	} {
		if got := svgTicks(tc.horizon, 8); got != tc.want {
			t.Errorf("ticks over %s: every %s, want every %s", fmtDur(tc.horizon), fmtDur(got), fmtDur(tc.want))
		}
	}
}
