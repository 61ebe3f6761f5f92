package containers

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCPULine(t *testing.T) {
	for _, tc := range []struct {
		line        string
		busy, total uint64
		err         bool
	}{
		// user 100 + nice 10 + system 50 + irq 5 + softirq 5 + steal 30 =
		// 200 busy; with idle 700 and iowait 100, 1000 in all. Guest
		// time (the last two) is already in user.
		{line: "cpu  100 10 50 700 100 5 5 30 20 0\n", busy: 200, total: 1000},
		// Old kernels stop at steal.
		{line: "cpu 1 0 1 8 0 0 0 0", busy: 2, total: 10},
		{line: "cpu0 1 0 1 8 0 0 0 0", err: true},
		{line: "cpu 1 0 1", err: true},
		{line: "cpu 1 x 1 8 0 0 0 0", err: true},
	} {
		busy, total, err := parseCPULine(tc.line)
		if (err != nil) != tc.err || busy != tc.busy || total != tc.total {
			t.Errorf("parseCPULine(%q) = %d, %d, %v; want %d, %d, error %v", tc.line, busy, total, err, tc.busy, tc.total, tc.err)
		}
	}
}

func TestHostSaturated(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := &hostCPU{}
	// Ten seconds: 3 of them at or above 95 % busy.
	for i, b := range []float64{0.5, 0.96, 0.95, 0.94, 1, 0.2, 0.3, 0.4, 0.5, 0.6} {
		h.samples = append(h.samples, cpuSample{at: t0.Add(time.Duration(i+1) * time.Second), busy: b})
	}
	// (t0, t0+10s]: all ten seconds, 3 saturated = 0.3, the busiest 1.
	if share, n, peak := h.saturated(t0, t0.Add(10*time.Second)); n != 10 || share != 0.3 || peak != 1 {
		t.Errorf("whole: %v of %d, peak %v; want 0.3 of 10, peak 1", share, n, peak)
	}
	// (t0+1s, t0+4s]: seconds 2-4 (0.96, 0.95, 0.94), 2 of 3, the busiest
	// 0.96.
	if share, n, peak := h.saturated(t0.Add(time.Second), t0.Add(4*time.Second)); n != 3 || share != 2.0/3 || peak != 0.96 {
		t.Errorf("part: %v of %d, peak %v; want 2/3 of 3, peak 0.96", share, n, peak)
	}
	if share, n, peak := h.saturated(t0.Add(time.Hour), t0.Add(2*time.Hour)); n != 0 || share != 0 || peak != 0 {
		t.Errorf("after: %v of %d, peak %v; want 0 of 0", share, n, peak)
	}
}

func TestReadProcStat(t *testing.T) {
	busy, total, err := readProcStat()
	if err != nil {
		t.Skipf("no /proc/stat here: %v", err)
	}
	if total == 0 || busy > total {
		t.Errorf("busy %d of %d ticks", busy, total)
	}
}

// TestHostNotes: a window whose seconds were saturated more than a tenth
// of the time is called unreliable; one that was not is only counted.
func TestHostNotes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := &hostCPU{}
	// Seconds 1-10 at 50 %, seconds 11-20 at 99 %.
	for i := 1; i <= 20; i++ {
		b := 0.5
		if i > 10 {
			b = 0.99
		}
		h.samples = append(h.samples, cpuSample{at: t0.Add(time.Duration(i) * time.Second), busy: b})
	}
	l := &loads{streams: map[string]*userStream{
		// (t0, t0+10s]: 0 of 10 saturated.
		"calm@0": {region: "calm", w: loadWindow{to: time.Hour}, began: t0, ended: t0.Add(10 * time.Second)},
		// (t0+8s, t0+12s]: seconds 9-12, 2 of 4 saturated = 50 % > 10 %.
		"hot@0": {region: "hot", w: loadWindow{from: 7 * time.Hour, to: 8 * time.Hour}, began: t0.Add(8 * time.Second), ended: t0.Add(12 * time.Second)},
	}}
	got := l.hostNotes(h)
	want := []string{
		// 0 + 2 saturated seconds of 10 + 4; the busiest at 99 %.
		"host: its CPUs were saturated (95% busy or more) in 2 of the 14 s the users' load ran, the busiest second at 99% (sampled each second from /proc/stat)",
		"hot: UNRELIABLE: the host's CPUs were saturated (95% busy or more) in 50% of the 4 s its users' load ran (7h0m0s to 8h0m0s of experiment time); the served shares then may be the host's limit, not the stack's",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if got := (&loads{}).hostNotes(h); got != nil {
		t.Errorf("no load: %q; want no note", got)
	}
	if got := l.hostNotes(nil); len(got) != 1 || !strings.Contains(got[0], "could not be observed") {
		t.Errorf("unobserved host: %q", got)
	}
}
