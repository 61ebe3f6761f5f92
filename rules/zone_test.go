package rules

import (
	"math"
	"testing"
	"time"

	"github.com/firedrill/firedrill/experiments"
)

// In Europe/Paris, 2021: on 28 March the clocks jump from 02:00 CET
// (01:00 UTC) to 03:00 CEST; on 31 October they fall back from 03:00 CEST
// (01:00 UTC) to 02:00 CET, so 02:00-03:00 happens twice.
func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestZonedBackups works each schedule's UTC times by hand. spring starts
// on 27 March 2021 at 00:00 CET = 26 March 23:00 UTC; fall on 30 October
// at 00:00 CEST = 29 October 22:00 UTC.
func TestZonedBackups(t *testing.T) {
	loc := paris(t)
	spring := time.Date(2021, 3, 27, 0, 0, 0, 0, loc)
	fall := time.Date(2021, 10, 30, 0, 0, 0, 0, loc)
	fixed := time.Date(2021, 3, 27, 0, 0, 0, 0, time.FixedZone("", 3600))
	const m = time.Minute
	daily2 := experiments.Backup{Every: 24 * h, Offset: 2 * h}
	for _, c := range []struct {
		name  string
		start time.Time
		b     experiments.Backup
		times []time.Duration // every backup in the first 50 h
	}{
		// 27 Mar 02:00 CET = 01:00 UTC = +2h. 28 Mar 02:00 does not
		// exist: it runs at the jump, 03:00 CEST = 01:00 UTC = +26h.
		// 29 Mar 02:00 CEST = 00:00 UTC = +49h.
		{"daily 02:00 across the March change", spring, daily2, []time.Duration{2 * h, 26 * h, 49 * h}},
		// A fixed +01:00 ignores the change: 02:00 every 24 h, the last
		// at 29 Mar 01:00 UTC = +50h (03:00 CEST on the wall).
		{"fixed offset", fixed, daily2, []time.Duration{2 * h, 26 * h}},
		// 03/09/15/21 local: 27 Mar 03:00 CET = +3h, 09:00 = +9h, 15:00 =
		// +15h, 21:00 = +21h; 28 Mar 03:00 CEST = 01:00 UTC = +26h (5 h
		// after 21:00 CET), 09:00 CEST = +32h, 15:00 = +38h, 21:00 = +44h;
		// 29 Mar 03:00 CEST = +50h, out of range.
		{"6-hourly at 03:00", spring, experiments.Backup{Every: 6 * h, Offset: 3 * h},
			[]time.Duration{3 * h, 9 * h, 15 * h, 21 * h, 26 * h, 32 * h, 38 * h, 44 * h}},
		// 02:30 on 31 Oct happens twice: it runs once, at the first, 02:30
		// CEST = 00:30 UTC = +26h30m (not 01:30 UTC). 30 Oct 02:30 CEST =
		// +2h30m; 1 Nov 02:30 CET = 01:30 UTC = +51h30m, out of range.
		{"daily 02:30 across the October change", fall, experiments.Backup{Every: 24 * h, Offset: 2*h + 30*m},
			[]time.Duration{2*h + 30*m, 26*h + 30*m}},
		// Every 2 days at 02:00 from 27 Mar: 27 Mar (+2h), 29 Mar 02:00
		// CEST (+49h).
		{"every 2 days", spring, experiments.Backup{Every: 48 * h, Offset: 2 * h}, []time.Duration{2 * h, 49 * h}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []time.Duration
			for bt, ok := NextBackup(c.start, c.b, -1); ok && bt < 50*h; bt, ok = NextBackup(c.start, c.b, bt) {
				got = append(got, bt)
				if last, _ := LastBackup(c.start, c.b, bt+time.Minute); last != bt {
					t.Errorf("LastBackup(%s) = %s, want %s", bt+time.Minute, last, bt)
				}
				if len(got) > 20 {
					break
				}
			}
			if len(got) != len(c.times) {
				t.Fatalf("backups at %v, want %v", got, c.times)
			}
			for i := range got {
				if got[i] != c.times[i] {
					t.Fatalf("backups at %v, want %v", got, c.times)
				}
			}
		})
	}
}

// TestZonedTimeOfDay: the daily profile reads the wall clock. From 27 March
// 00:00 CET, +25h59m is 28 March 01:59 CET, and +26h is 03:00 CEST (02:00
// with a fixed +01:00).
func TestZonedTimeOfDay(t *testing.T) {
	loc := paris(t)
	spring := time.Date(2021, 3, 27, 0, 0, 0, 0, loc)
	fixed := time.Date(2021, 3, 27, 0, 0, 0, 0, time.FixedZone("", 3600))
	r := &experiments.Region{Users: 1, Workload: &experiments.Workload{PeakConcurrency: 1}}
	for _, c := range []struct {
		start time.Time
		at    time.Duration
		want  time.Duration
	}{
		{spring, 25*h + 59*time.Minute, h + 59*time.Minute},
		{spring, 26 * h, 3 * h},
		{spring, 48 * h, h}, // 29 Mar 00:00 UTC = 01:00 CEST
		{fixed, 26 * h, 2 * h},
		{spring, -h, 23 * h}, // before t0: 26 Mar 23:00 CET
	} {
		if got := TimeOfDay(c.start, c.at); got != c.want {
			t.Errorf("TimeOfDay(%s, %s) = %s, want %s", c.start, c.at, got, c.want)
		}
		if got := NewDemand(r, c.start).TimeOfDay(c.at); got != c.want {
			t.Errorf("Demand.TimeOfDay(%s, %s) = %s, want %s", c.start, c.at, got, c.want)
		}
	}
	// the demand's next change of offset after t0 is the jump, at +26h.
	if got := NewDemand(r, spring).NextShift(0); got != 26*h {
		t.Errorf("NextShift = %s, want 26h", got)
	}
	if got := NewDemand(r, fixed).NextShift(0); got != Never {
		t.Errorf("NextShift with a fixed offset = %s, want never", got)
	}
}

// TestZonedBackupsAtTheLongestHorizon: on the wall clock, too, nothing
// overflows at the longest Duration. From 27 March 2021 00:00 CET (26 March
// 23:00 UTC), math.MaxInt64 ns = 106751d 23h47m16.854775807s later is
// 7 July 2313 00:47:16.85 CEST (summer time: +02:00). The newest daily
// 02:00 backup is 6 July 02:00 CEST = 00:00 UTC, 22h47m16.854775807s
// earlier: 106751d + 1h. The next is past the longest Duration:
// NextBackup saturates, as faults.AddDurations does.
func TestZonedBackupsAtTheLongestHorizon(t *testing.T) {
	start := time.Date(2021, 3, 27, 0, 0, 0, 0, paris(t))
	daily2 := experiments.Backup{Every: 24 * h, Offset: 2 * h}
	want := 106751*24*h + h
	if got, ok := LastBackup(start, daily2, math.MaxInt64); !ok || got != want {
		t.Errorf("LastBackup(longest) = %s, %v; want %s", got, ok, want)
	}
	if got, ok := NextBackup(start, daily2, want-1); !ok || got != want {
		t.Errorf("NextBackup(just before) = %s, %v; want %s", got, ok, want)
	}
	if got, ok := NextBackup(start, daily2, math.MaxInt64); !ok || got != math.MaxInt64 {
		t.Errorf("NextBackup(longest) = %s, %v; want the longest Duration", got, ok)
	}
}
