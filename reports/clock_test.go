package reports

import (
	"strings"
	"testing"
	"time"
)

// TestOffsetAgreesWithClock: a timeline line's offset and its wall clock
// name the same second. Offsets round to the nearest second (2d8h16m34.6s
// reads +2d8h16m35s), and so must the clock: 08:16:35, not 08:16:34.
func TestOffsetAgreesWithClock(t *testing.T) {
	start := time.Date(2021, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at           time.Duration
		offset, wall string
	}{
		{2*24*time.Hour + 8*time.Hour + 16*time.Minute + 34600*time.Millisecond, "2d8h16m35s", "2021-03-12T08:16:35Z"},
		{2*24*time.Hour + 8*time.Hour + 16*time.Minute + 34400*time.Millisecond, "2d8h16m34s", "2021-03-12T08:16:34Z"},
		{10*time.Minute + 59500*time.Millisecond, "11m", "2021-03-10T00:11:00Z"},
	} {
		if got := fmtDur(tc.at); got != tc.offset {
			t.Errorf("offset %v reads %s, want %s", tc.at, got, tc.offset)
		}
		if got := wallClock(start, tc.at); got != tc.wall {
			t.Errorf("wall clock at %v reads %s, want %s", tc.at, got, tc.wall)
		}
		if got := clockAt(start, tc.at).Format("15:04:05"); !strings.HasSuffix(tc.wall, got+"Z") {
			t.Errorf("clock at %v reads %s, want the second of %s", tc.at, got, tc.wall)
		}
	}
}
