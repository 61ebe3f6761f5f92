package model

import (
	"context"
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// riskTopology is one region on one datacenter, with nightly backups on
// another site and a third datacenter to restore into. Recovery from a fire
// is detection 5m + operator 25m + provisioning 30m + 720 GB at 200 MB/s
// (3,600 s) = R = 2 h exactly; after a power cut it is the power's return
// plus restart 1m. The workload is flat, so every second without a
// database is a second down.
const riskTopology = `
experiment "risk" {
  duration = "24h"
  seed     = 3
}
provider "p" {
  availability_sla = 99.9
}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
datacenter "c" {
  provider = provider.p
  site     = "s3"
}
hosting "h" {
  primary           = datacenter.a
  restore_to        = datacenter.c
  detection         = "5m"
  operator_response = "25m"
  provisioning      = "30m"
  restore_rate      = "200MB/s"
  monthly_cost      = 1000
  backup {
    every = "24h"
    to    = datacenter.b
  }
}
hosting "h2" {
  primary = datacenter.b
}
workload "w" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}
region "r" {
  users           = 1000
  data_size       = "720GB"
  hosting         = hosting.h
  workload        = workload.w
  downtime_cost   = 500
  lost_write_cost = 2
  objectives {
    rto = "1h"
    rpo = "1h"
  }
}
`

func riskOf(t testing.TB, src string, years int, hostings ...string) *engine.Risk {
	t.Helper()
	e, diags := experiments.Parse([]byte(src), "risk.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r, err := engine.RunRisk(context.Background(), e, New(), hostings, engine.RiskOptions{Years: years, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func within(t *testing.T, what string, got engine.Estimate, want, bias float64) {
	t.Helper()
	if d := math.Abs(got.Mean - want); d > 3*got.StdErr+bias {
		t.Errorf("%s = %g ± %g, want %g (off by %g, more than 3 standard errors + %g)", what, got.Mean, got.StdErr, want, d, bias)
	}
}

// TestRiskFireEveryTenYears: the region's only datacenter burns every 10
// years on average. The number of fires in a year is Poisson(0.1), so a
// year holds an incident with probability 1 - e^-0.1 = 9.516 %; a second
// fire in the same year finds the datacenter already burned, so the mean
// annual downtime is (1 - e^-0.1) x R = 0.09516 x 7,200 s = 685.2 s
// (about 0.1 x R). A fire in the last 2 h of the year is cut short by the
// year's end: 2 h / 8,760 h = 0.023 % of fires, losing 1 h on average,
// a bias of 0.012 % (0.08 s) that the tolerance allows. Every fire loses
// the writes since the 00:00 backup: 100 users online x 1 write/h x the
// hours since midnight, 12 h on average, so 1,200 writes a fire, and
// the RPO (1h) is breached unless the fire comes within the hour after
// the backup: P = (1 - e^-0.1) x 23/24.
func TestRiskFireEveryTenYears(t *testing.T) {
	r := riskOf(t, riskTopology+`
fault "datacenter_fire" "a" {
  every      = "10y"
  datacenter = datacenter.a
}`, 4000, "h")
	row := r.Rows[0]
	pYear := 1 - math.Exp(-0.1)
	within(t, "P(incident)", row.PIncident, pYear, 1e-9)
	within(t, "mean downtime (s)", row.Downtime, pYear*7200, 0.1)
	within(t, "P(RTO breach)", *row.PRTOBreach, pYear, 1e-9)
	within(t, "P(RPO breach)", *row.PRPOBreach, pYear*23/24, 0)
	within(t, "lost writes", row.LostWrites, pYear*1200, 0)
	// ALE = 685.2 s / 3600 x 500 + 114.2 writes x 2 = 95.2 + 228.4 = 323.6
	within(t, "ALE", row.ALE, pYear*7200/3600*500+pYear*1200*2, 0.1)
	if row.TCO.Mean != 12*1000+row.ALE.Mean {
		t.Errorf("TCO = %g, want 12 x 1000 + ALE %g", row.TCO.Mean, row.ALE.Mean)
	}
	if row.PTotalLoss.Mean != 0 {
		t.Errorf("P(total loss) = %g: the backups survive every fire of a", row.PTotalLoss.Mean)
	}
	if row.YearsWithIncident != r.Simulated-1 {
		t.Errorf("%d of %d simulated years with an incident; want every one but the no-fire year", row.YearsWithIncident, r.Simulated)
	}
	t.Logf("P(incident) %.5f ± %.5f, downtime %.1f ± %.1f s, ALE %.2f ± %.2f (rse %.2f %%)", row.PIncident.Mean, row.PIncident.StdErr,
		row.Downtime.Mean, row.Downtime.StdErr, row.ALE.Mean, row.ALE.StdErr, 100*row.ALE.StdErr/row.ALE.Mean)
}

// TestRiskPowerOutage: a 2 h power cut once a year on average. Each costs
// 2 h + restart 1m = 7,260 s, so the mean annual downtime is 7,260 s and
// the availability 1 - 7,260 / 31,536,000 = 99.97698 %. Two cuts of the
// same year overlap (or come within the 5-minute merge) with probability
// about 2 x 2h05m / 8,760 h = 0.05 % per pair, and a cut in the year's
// last 2 h is cut short: together under 0.1 % of the figure (7.3 s).
// Two targets in one block each draw at the full rate: the year's
// expected occurrences double, and the second region (on b) sees the same
// figures as the first.
func TestRiskPowerOutage(t *testing.T) {
	src := riskTopology + `
region "r2" {
  users    = 1000
  hosting  = hosting.h2
  workload = workload.w
}
fault "power_outage" "cut" {
  every      = "1y"
  datacenter = [datacenter.a, datacenter.b]
  duration   = "2h"
}`
	r := riskOf(t, src, 4000, "h")
	if r.Rate != 2 {
		t.Errorf("rate = %g occurrences a year, want 2: two targets at 1 a year each", r.Rate)
	}
	for _, row := range r.Rows {
		if row.Region == "r2" {
			continue // on hosting h here; r2's own hosting runs below
		}
		within(t, "mean downtime (s)", row.Downtime, 7260, 7.3)
		within(t, "availability (%)", row.Availability, 100*(1-7260.0/(365*86400)), 100*7.3/(365*86400))
	}
	r2 := riskOf(t, src, 4000, "h2")
	for _, row := range r2.Rows {
		within(t, row.Region+" mean downtime (s)", row.Downtime, 7260, 7.3)
	}
}

// TestRiskDeterminism: the same seed gives the same figures, whatever the
// number of workers.
func TestRiskDeterminism(t *testing.T) {
	e, diags := experiments.Parse([]byte(riskTopology+`
fault "power_outage" "cut" {
  every      = "2y"
  datacenter = datacenter.a
  duration   = ["10m", "4h"]
}`), "risk.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var prev *engine.Risk
	for _, w := range []int{1, 3} {
		r, err := engine.RunRisk(context.Background(), e, New(), nil, engine.RiskOptions{Years: 700, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !reflect.DeepEqual(prev, r) {
			t.Errorf("1 and 3 workers differ:\n%+v\n%+v", prev.Rows, r.Rows)
		}
		prev = r
	}
}

// BenchmarkRiskProcurement simulates years of experiments/procurement.hcl,
// every offer and region, on every core: go test -bench RiskProcurement
// -benchtime 100000x reports ns/op per simulated year (of all five
// offers) and years/s. The target is 100,000 years in at most 10 s
// on 2 cores, in memory that does not grow with the number of years
// (-benchmem: B/op stays flat as -benchtime grows).
func BenchmarkRiskProcurement(b *testing.B) {
	e := load(b, "../../experiments/procurement.hcl", nil)
	b.ReportAllocs()
	b.ResetTimer()
	r, err := engine.RunRisk(context.Background(), e, New(), nil, engine.RiskOptions{Years: b.N, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "years/s")
	_ = r
}

// TestServedTotals: a stretch in which everyone is served integrates in
// one step to what the profile's pieces give one by one (Simpson's rule is
// exact on the linear profile), here over 3 days and 7 hours starting at
// 05:13 on a profile that wraps at midnight.
func TestServedTotals(t *testing.T) {
	e := load(t, "../../experiments/procurement.hcl", nil)
	p := &engine.Plan{Experiment: e}
	s := new(sim)
	s.reset(context.Background(), p, newWorld(nil), e.Regions[0])
	a := 5*time.Hour + 13*time.Minute
	b := a + 3*24*time.Hour + 7*time.Hour
	got := s.servedTotals(a, b)
	// a billion servers: nobody waits, so the admitted send at their pace.
	prm := params{db: true, q: s.queue(1e9)}
	prm.capacity = prm.q.cap
	var want totals
	for x := a; x < b; {
		y := min(b, s.nextBreak(x))
		s.sub(x, y, &prm, func(_, _ time.Duration, _ class, tt totals) { want.add(tt) })
		x = y
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"demanded", got.demanded, want.demanded}, {"writes", got.writes, want.writes}} {
		if math.Abs(c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s = %.6f in one step, %.6f piece by piece", c.name, c.got, c.want)
		}
	}
}

// TestRiskRareHazard: a 1-in-1,000-year fire converges without millions
// of years. P(a year with a fire) = 1 - e^-0.001 = 0.09995 %; each fire
// costs R = 2 h down x 500 = 1,000 and on average 1,200 lost writes x 2 =
// 2,400 (TestRiskFireEveryTenYears), so ALE = 0.0009995 x 3,400 = 3.398.
// Plain Monte Carlo would see about 10 fires in 10,000 years (a relative
// standard error near 30 %); conditioned on the number of fires, every
// simulated year holds one, and the error is the spread of one fire's cost
// alone over 10,000 fires.
func TestRiskRareHazard(t *testing.T) {
	r := riskOf(t, riskTopology+`
fault "datacenter_fire" "a" {
  every      = "1000y"
  datacenter = datacenter.a
}`, engine.DefaultYears, "h")
	row := r.Rows[0]
	p := 1 - math.Exp(-0.001)
	within(t, "ALE", row.ALE, p*3400, 0.01)
	rse := row.ALE.StdErr / row.ALE.Mean
	if rse > 0.02 {
		t.Errorf("ALE %.4f ± %.4f: relative standard error %.2f %%, want at most 2 %%", row.ALE.Mean, row.ALE.StdErr, 100*rse)
	}
	t.Logf("ALE %.4f ± %.4f (rse %.3f %%) from %d simulated years", row.ALE.Mean, row.ALE.StdErr, 100*rse, r.Simulated)
}

// TestRiskFrequent: past 20 occurrences a year each year draws its own
// count. A 1-minute power cut every 5 days (73 a year): the power is back
// before the 5m detection ends, so the database restarts (1m) once the
// failure is detected: each cut costs 6 minutes, 73 x 360 s = 26,280 s a
// year. Cuts within the 5-minute merge of each other (P about 73 x 11 min
// / 525,600 min = 0.15 % per cut) join into one incident with the gap
// between them: within 3 standard errors + 0.5 % (131 s).
func TestRiskFrequent(t *testing.T) {
	r := riskOf(t, riskTopology+`
fault "power_outage" "flicker" {
  every      = "5d"
  datacenter = datacenter.a
  duration   = "1m"
}`, 400, "h")
	if len(r.Strata) != 1 || r.Simulated != 400 {
		t.Fatalf("strata %+v, %d simulated: want one, every year drawing its count", r.Strata, r.Simulated)
	}
	within(t, "mean downtime (s)", r.Rows[0].Downtime, 26280, 131)
}

// TestRiskRareAmongCommon: the 1-in-1,000-year fire of TestRiskRareHazard
// hides among power cuts every 2 years on b, where only the backups live
// (a cut there costs the region nothing unless it meets a restore: 0.5 a
// year x 2 h / 8,760 h of one fire's restore, a bias of 1e-4 that the
// tolerance covers). The fire is 1 occurrence in 501; drawn by rate, 10,000
// years would hold about 20 fires. Drawn half the time uniformly over the
// two hazards, a quarter of the years hold one, each weighing p / q =
// (1/501) / (1/4 + 1/1002): the ALE is still (1 - e^-0.001) x 3,400 =
// 3.398, within 2 % relative standard error.
func TestRiskRareAmongCommon(t *testing.T) {
	r := riskOf(t, riskTopology+`
fault "datacenter_fire" "a" {
  every      = "1000y"
  datacenter = datacenter.a
}
fault "power_outage" "b" {
  every      = "2y"
  datacenter = datacenter.b
  duration   = "1h"
}`, engine.DefaultYears, "h")
	row := r.Rows[0]
	within(t, "ALE", row.ALE, (1-math.Exp(-0.001))*3400, 0.01)
	if rse := row.ALE.StdErr / row.ALE.Mean; rse > 0.02 {
		t.Errorf("ALE %.4f ± %.4f: relative standard error %.2f %%, want at most 2 %%", row.ALE.Mean, row.ALE.StdErr, 100*rse)
	}
	t.Logf("ALE %.4f ± %.4f (rse %.2f %%)", row.ALE.Mean, row.ALE.StdErr, 100*row.ALE.StdErr/row.ALE.Mean)
}

// TestRiskTimedEveryYear: a fault with at alone happens in every year. A
// 2 h power cut at 02:00 costs 2 h + restart 1m = 7,260 s in every year:
// with nothing drawn, one year stands for all (one simulated). Drawn at a
// random time of the first day, the years differ in nothing that matters
// here (the profile is flat), but each is simulated: 300 of them, every
// one 7,260 s, with no spread.
func TestRiskTimedEveryYear(t *testing.T) {
	for _, tc := range []struct {
		at        string
		simulated int
	}{{`"2h"`, 1}, {`["0h", "20h"]`, 300}} {
		r := riskOf(t, riskTopology+`
fault "power_outage" "cut" {
  at         = `+tc.at+`
  datacenter = datacenter.a
  duration   = "2h"
}`, 300, "h")
		row := r.Rows[0]
		if r.Simulated != tc.simulated || row.Downtime.Mean != 7260 || row.Downtime.StdErr != 0 || row.PIncident.Mean != 1 || row.DowntimeP50 != 7260 {
			t.Errorf("at %s: %d simulated, downtime %g ± %g (p50 %g), P(incident) %g; want %d, 7260 ± 0, 1",
				tc.at, r.Simulated, row.Downtime.Mean, row.Downtime.StdErr, row.DowntimeP50, row.PIncident.Mean, tc.simulated)
		}
	}
}
