package engine

import (
	"math"
	"testing"
	"time"

	"github.com/firedrill/firedrill/experiments"
)

// TestFigureAgreement checks the agreement rule on hand-worked cases:
// |model − measured| ≤ max(20% × measured, 60s) for durations, 3 points
// for shares, and with several runs the measured range widened by the
// margin.
func TestFigureAgreement(t *testing.T) {
	c := &Calibration{Tolerance: 0.2, Floor: 60 * time.Second, ShareFloor: 3, Horizon: 4 * time.Hour}
	// 29,688 acknowledged writes over 4h = 14,400 s: 2.0617 a second, so
	// the floor's 60 s stand for 123.7 writes.
	runs := func(n int) []side {
		var s []side
		for range n {
			s = append(s, side{rr: &RegionResult{AckedWrites: 29688}})
		}
		return s
	}
	cases := []struct {
		name   string
		unit   Unit
		model  float64
		runs   []float64
		agree  bool
		margin float64
	}{
		// failover: 2m30s measured; 2m50s is 20 s off, margin max(30, 60) = 60.
		{"downtime", UnitSeconds, 170, []float64{150}, true, 60},
		// a 20m promotion: 2m + 20m = 1320 s against 150 s: 1170 s > 60 s.
		{"downtime", UnitSeconds, 1320, []float64{150}, false, 60},
		// a restore of 30m: margin 0.2 × 1800 = 360; 400 s off is out, 300 in.
		{"downtime", UnitSeconds, 2200, []float64{1800}, false, 360},
		{"downtime", UnitSeconds, 2100, []float64{1800}, true, 360},
		// rate_limit: 76% against 54%, 22 points off.
		{"served during flood", UnitPercent, 76, []float64{54}, false, 3},
		{"served during flood", UnitPercent, 90.3, []float64{88}, true, 3},
		// Orléans-Tours: 1h14m and 2h10m measured, median 6120 s, margin
		// 1224; the model's 1h51m (6660) is 540 off.
		{"downtime", UnitSeconds, 6660, []float64{4440, 7800}, true, 1224},
		// 9000 s is 2880 off the median, but within 7800 + 0.2 × 7800 = 9360.
		{"downtime", UnitSeconds, 9000, []float64{4440, 7800}, true, 1224},
		// 9500 s is past 9360.
		{"downtime", UnitSeconds, 9500, []float64{4440, 7800}, false, 1224},
		// 150 s out of SLO in 4h is 98.958%; the margin is max(30, 60) s =
		// 0.4167 points: 98.5 is 0.458 off (out), 98.6 is 0.358 (in).
		{"availability", UnitPercent, 98.5, []float64{100 - 100*150.0/14400}, false, 0.4167},
		{"availability", UnitPercent, 98.6, []float64{100 - 100*150.0/14400}, true, 0.4167},
		// async: 2 writes modeled, 0 lost measured; the floor is 123.7.
		{"lost writes", UnitWrites, 2, []float64{0}, true, 123.7},
		// backups: 1250 against 1202: margin 0.2 × 1202 = 240.4.
		{"lost writes", UnitWrites, 1250, []float64{1202}, true, 240.4},
		{"lost writes", UnitWrites, 1500, []float64{1202}, false, 240.4},
		// TestLatency's busy region: 402 ms modeled (M/M/8), 275 ms
		// measured: margin 0.2 x 0.275 = 55 ms, 127 ms off: out. Its
		// half region: 50 against 62 ms, margin max(12.4, 10) ms: in.
		{figP95, UnitSeconds, 0.402, []float64{0.275}, false, 0.055},
		{figP95, UnitSeconds, 0.050, []float64{0.062}, true, 0.0124},
		// under 50 ms the 10 ms floor holds: 30 against 38 ms, in.
		{figP95, UnitSeconds, 0.030, []float64{0.038}, true, 0.010},
		// time slow is a duration: 2 h against 24 min, margin 288 s.
		{figSlow, UnitSeconds, 7200, []float64{1440}, false, 288},
	}
	for _, tc := range cases {
		f := c.figure(&values{name: tc.name, unit: tc.unit, model: tc.model, hasModel: true, runs: tc.runs}, runs(len(tc.runs)))
		if f.WithinTolerance != tc.agree {
			t.Errorf("%s model %v measured %v: within tolerance %v, want %v (margin %v)", tc.name, tc.model, tc.runs, f.WithinTolerance, tc.agree, f.Margin)
		}
		if math.Abs(f.Margin-tc.margin) > 0.01 {
			t.Errorf("%s model %v measured %v: margin %.4f, want %.4f", tc.name, tc.model, tc.runs, f.Margin, tc.margin)
		}
	}
}

// TestMissingFigure: an incident one side saw and the other did not is out
// of tolerance.
func TestMissingFigure(t *testing.T) {
	c := &Calibration{Tolerance: 0.2, Floor: time.Minute, ShareFloor: 3, Horizon: time.Hour}
	f := c.figure(&values{name: "incident 2 start", unit: UnitSeconds, runs: []float64{600}}, []side{{rr: &RegionResult{}}})
	if f.WithinTolerance || f.HasModel || !f.HasMeasured {
		t.Errorf("got %+v, want measured only and out of tolerance", f)
	}
}

// TestStepFigures: a restore in two parts on containers (4 s of
// pg_restore, measured, then 8m20s of data_size / restore_rate, modeled)
// totals 8m24s; each part is a figure of its own.
func TestStepFigures(t *testing.T) {
	got := stepFigures([]Step{
		{Kind: StepDetection, Basis: Modeled, Took: 5 * time.Minute},
		{Kind: StepProvisioning, Basis: Modeled, Took: 10 * time.Minute},
		{Kind: StepRestore, Basis: Measured, Took: 4 * time.Second},
		{Kind: StepRestore, Basis: Modeled, Took: 500 * time.Second},
		{Kind: StepCatchUp, Basis: Measured, Took: 9 * time.Second},
	})
	want := []stepFigure{{"detection", 300}, {"provisioning", 600}, {"restore", 504}, {"restore, measured part", 4}, {"restore, modeled part", 500}, {"catch-up (service back)", 9}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("figure %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestFaultSpans: a fire with a 2h site outage at 1h10m acts from 1h10m
// to 3h10m.
func TestFaultSpans(t *testing.T) {
	exp, diags := experiments.Load("../experiments/ci-smoke.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := FaultSpans(NewPlan(exp, 0, true))
	if len(got) != 1 || got[0].Fault != "datacenter_fire.par1" || got[0].Span != (Span{Start: 70 * time.Minute, End: 190 * time.Minute}) {
		t.Errorf("got %+v", got)
	}
}

// TestLatencyFigures: the response-time figures join a region's figures
// where it holds a latency objective, and only there.
func TestLatencyFigures(t *testing.T) {
	c := &Calibration{Tolerance: 0.2, Floor: time.Minute, ShareFloor: 3, Horizon: time.Hour}
	has := func(o experiments.Objectives) map[string]bool {
		rr := &RegionResult{Objectives: o, P95: 400 * time.Millisecond, P99: 600 * time.Millisecond, Slow: time.Hour}
		got := map[string]bool{}
		for _, f := range c.figures(side{rr: rr}, []side{{rr: rr}}, false) {
			got[f.Name] = true
		}
		return got
	}
	if f := has(experiments.Objectives{}); f[figP95] || f[figP99] || f[figSlow] {
		t.Errorf("no latency objective: figures %v; want no response-time figure", f)
	}
	if f := has(experiments.Objectives{LatencyP95: 2 * time.Second}); !f[figP95] || f[figP99] || !f[figSlow] {
		t.Errorf("latency_p95 only: figures %v; want the p95 and the time slow", f)
	}
}

// TestAllDataLost: when every copy is lost on both drivers, the loss
// window and the lost writes count only what each driver held (the fire
// experiment's Bati Courtage: 47m and 113 writes modeled, 22h41m and
// 24,635 measured with the history seeded since the oldest backup): they
// agree, with a note. Lost on one side only, they are judged as usual.
func TestAllDataLost(t *testing.T) {
	c := &Calibration{Tolerance: 0.2, Floor: time.Minute, ShareFloor: 3, Horizon: 72 * time.Hour}
	judge := func(modelLost, realLost bool) map[string]Figure {
		m := &RegionResult{AllDataLost: modelLost, DataLoss: 47 * time.Minute, LostWrites: 113, AckedWrites: 5000}
		r := &RegionResult{AllDataLost: realLost, DataLoss: 22*time.Hour + 41*time.Minute + 3*time.Second, LostWrites: 24635, AckedWrites: 5000}
		out := map[string]Figure{}
		for _, f := range c.figures(side{rr: m}, []side{{rr: r}}, false) {
			out[f.Name] = f
		}
		return out
	}
	both := judge(true, true)
	for _, n := range []string{"data-loss window", "lost writes"} {
		if f := both[n]; !f.WithinTolerance || f.Note == "" {
			t.Errorf("all lost on both: %s %+v; want agreeing, with a note", n, f)
		}
	}
	one := judge(false, true)
	for _, n := range []string{"data-loss window", "lost writes"} {
		if f := one[n]; f.WithinTolerance {
			t.Errorf("all lost on containers only: %s %+v; want out of tolerance", n, f)
		}
	}
}
