package faults_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

const topology = `
experiment "t" {
  duration = "48h"
}
provider "p" {}
provider "q" {}
datacenter "a1" {
  provider = provider.p
  site     = "a"
}
datacenter "a2" {
  provider = provider.p
  site     = "a"
}
datacenter "b1" {
  provider = provider.p
  site     = "b"
}
datacenter "c1" {
  provider = provider.q
  site     = "c"
}
hosting "h" {
  primary = datacenter.a1
}
workload "w" {
  peak_concurrency = 0.1
}
region "r1" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
region "r2" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
`

func decode(t *testing.T, fault string) (faults.Fault, error) {
	t.Helper()
	e, diags := experiments.Parse([]byte(topology+fault), "t.hcl", nil)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(e.Faults) != 1 {
		t.Fatalf("want 1 fault, got %d", len(e.Faults))
	}
	return e.Faults[0], nil
}

// TestKinds decodes one block of each kind and checks the primitive effects
// it says it has, started at 10h.
func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // action:at:for:datacenters:peers:regions:extra
	}{
		{"fire", `fault "datacenter_fire" "f" {
  at = "1h"
  datacenter = datacenter.a1
}`, []string{"destroy:10h:0s:a1:::"}},
		{"fire spreading with site outage", `fault "datacenter_fire" "f" {
  at = "1h"
  datacenter = datacenter.a1
  spreads_to = [datacenter.b1]
  site_outage = "72h"
}`, []string{"destroy:10h:0s:a1,b1:::", "power_off:10h:3d:a2:::"}},
		{"power outage of a site", `fault "power_outage" "p" {
  at = "1h"
  site = "a"
  duration = "8h"
}`, []string{"power_off:10h:8h:a1,a2:::"}},
		{"power outage of a datacenter", `fault "power_outage" "p" {
  at = "1h"
  datacenter = datacenter.c1
  duration = "30m"
}`, []string{"power_off:10h:30m:c1:::"}},
		{"provider outage", `fault "provider_outage" "p" {
  at = "1h"
  provider = provider.p
  duration = "4h"
}`, []string{"power_off:10h:4h:a1,a2,b1:::"}},
		{"disk loss", `fault "disk_loss" "d" {
  at = "1h"
  datacenter = datacenter.b1
}`, []string{"lose_disk:10h:0s:b1:::"}},
		{"crash app", `fault "process_crash" "c" {
  at = "1h"
  regions = [region.r2]
  target = "app"
  replicas = 1
}`, []string{"crash:10h:0s:::r2:app/1"}},
		{"surge", `fault "connection_surge" "s" {
  at = "1h"
  regions = [region.r1, region.r2]
  multiplier = 3
  ramp = "10m"
  hold = "2h"
}`, []string{"surge:10h:2h20m:::r1,r2:x3"}},
		{"ddos", `fault "ddos" "d" {
  at = "1h"
  regions = [region.r1]
  requests_per_second = 5000
  duration = "3h"
}`, []string{"flood:10h:3h:::r1:5000rps"}},
		{"partition isolating a datacenter", `fault "network_partition" "n" {
  at = "1h"
  from = [datacenter.a1]
  duration = "15m"
}`, []string{"partition:10h:15m:a1:a2,b1,c1::"}},
		{"latency between two", `fault "latency" "l" {
  at = "1h"
  from = [datacenter.a1]
  to = [datacenter.b1]
  delay = "80ms"
  jitter = "10ms"
  duration = "1h"
}`, []string{"latency:10h:1h:a1:b1::80ms~10ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := decode(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range f.Effects(faults.Occurrence{At: 10 * time.Hour}) {
				if e.Fault != faults.ID(f) {
					t.Errorf("effect names fault %q, want %q", e.Fault, faults.ID(f))
				}
				extra := ""
				switch e.Action {
				case faults.Crash:
					extra = fmt.Sprintf("%s/%d", e.Target, e.Count)
				case faults.Surge:
					extra = fmt.Sprintf("x%g", e.Multiplier)
				case faults.Flood:
					extra = fmt.Sprintf("%grps", e.RPS)
				case faults.Latency:
					extra = faults.FormatDuration(e.Delay) + "~" + faults.FormatDuration(e.Jitter)
				}
				got = append(got, fmt.Sprintf("%s:%s:%s:%s:%s:%s:%s", e.Action, faults.FormatDuration(e.At),
					faults.FormatDuration(e.For), strings.Join(e.Datacenters, ","), strings.Join(e.Peers, ","), strings.Join(e.Regions, ","), extra))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("effects:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"power outage without target", `fault "power_outage" "p" {
  at = "1h"
  duration = "1h"
}`, "needs a datacenter or a site"},
		{"power outage with both", `fault "power_outage" "p" {
  at = "1h"
  site = "a"
  datacenter = datacenter.a1
  duration = "1h"
}`, "not both"},
		{"unknown site", `fault "power_outage" "p" {
  at = "1h"
  site = "z"
  duration = "1h"
}`, `Sites: "a", "b", "c"`},
		{"zero duration", `fault "ddos" "d" {
  at = "1h"
  regions = [region.r1]
  requests_per_second = 10
  duration = "0s"
}`, "longer than zero"},
		{"region list of datacenters", `fault "ddos" "d" {
  at = "1h"
  regions = [datacenter.a1]
  requests_per_second = 10
  duration = "1h"
}`, "expected a reference to a region, got datacenter.a1"},
		{"replicas of a database", `fault "process_crash" "c" {
  at = "1h"
  regions = [region.r1]
  target = "database"
  replicas = 2
}`, "only applies"},
		{"jitter over delay", `fault "latency" "l" {
  at = "1h"
  from = [datacenter.a1]
  delay = "10ms"
  jitter = "20ms"
  duration = "1h"
}`, "cannot exceed"},
		{"same datacenter both sides", `fault "network_partition" "n" {
  at = "1h"
  from = [datacenter.a1]
  to = [datacenter.a1]
  duration = "1h"
}`, "both from and to"},
		{"unknown attribute", `fault "disk_loss" "d" {
  at = "1h"
  datacenter = datacenter.a1
  volume = "x"
}`, `An argument named "volume" is not expected here`},
		{"missing at", `fault "disk_loss" "d" {
  datacenter = datacenter.a1
}`, `needs at (when it happens, like "47m") or every`},
		{"several targets without every", `fault "datacenter_fire" "f" {
  at = "1h"
  datacenter = [datacenter.a1, datacenter.b1]
}`, "needs every"},
		{"several targets with at and every", `fault "power_outage" "p" {
  at = "1h"
  every = "5y"
  site = ["a", "b"]
  duration = "1h"
}`, "give every alone"},
		{"every too often", `fault "disk_loss" "d" {
  every = "10m"
  datacenter = datacenter.a1
}`, "at least 1h"},
		{"every not a duration", `fault "disk_loss" "d" {
  every = "fifty years"
  datacenter = datacenter.a1
}`, `units ms, s, m, h, d, w or y`},
		{"duration range backwards", `fault "power_outage" "p" {
  every = "1y"
  datacenter = datacenter.a1
  duration = ["4h", "10m"]
}`, "ends (10m) before it starts (4h)"},
		{"duration range from zero", `fault "power_outage" "p" {
  every = "1y"
  datacenter = datacenter.a1
  duration = ["0s", "10m"]
}`, "longer than zero"},
		{"spreading from several", `fault "datacenter_fire" "f" {
  every = "300y"
  datacenter = [datacenter.a1, datacenter.b1]
  spreads_to = [datacenter.a2]
}`, "one block per datacenter that spreads"},
		{"range beyond the horizon", `fault "disk_loss" "d" {
  at = ["1h", "49h"]
  datacenter = datacenter.a1
}`, "not before the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(t, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestFrequencies: every sets the mean time between occurrences (years of
// 365 days), a list of targets gives one target per element, each with
// its own effects, and a range attribute is drawn per occurrence.
func TestFrequencies(t *testing.T) {
	f, err := decode(t, `fault "datacenter_fire" "f" {
  every = "300y"
  datacenter = [datacenter.a1, datacenter.b1]
  site_outage = ["1d", "9d"]
}`)
	if err != nil {
		t.Fatal(err)
	}
	if f.Timed() || f.Every() != 300*365*24*3600 || f.Targets() != 2 {
		t.Fatalf("timed %v, every %g, targets %d; want a frequency of 300 y on 2 targets", f.Timed(), f.Every(), f.Targets())
	}
	// target 1 is b1, alone on its site: nothing else goes dark.
	if ef := f.Effects(faults.Occurrence{At: time.Hour, Target: 1}); len(ef) != 1 || ef[0].Datacenters[0] != "b1" {
		t.Errorf("target 1 effects = %+v, want b1 destroyed only", ef)
	}
	// target 0 is a1: a2 shares its site and stays dark 1 to 9 days.
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		ef := f.Effects(faults.Occurrence{At: time.Hour, Rand: rng})
		if len(ef) != 2 || ef[1].Datacenters[0] != "a2" || ef[1].For < 24*time.Hour || ef[1].For > 9*24*time.Hour || ef[1].For%time.Second != 0 {
			t.Fatalf("target 0 effects = %+v, want a1 destroyed and a2 dark for 1 to 9 days in whole seconds", ef)
		}
		seen[ef[1].For] = true
	}
	if len(seen) < 100 {
		t.Errorf("200 draws of site_outage gave %d distinct values: not drawn per occurrence", len(seen))
	}
	// without a random stream, a range takes its minimum.
	if ef := f.Effects(faults.Occurrence{}); ef[1].For != 24*time.Hour {
		t.Errorf("undrawn site_outage = %s, want 1d", ef[1].For)
	}

	p, err := decode(t, `fault "power_outage" "p" {
  at = "2h"
  every = "5y"
  site = "a"
  duration = "30m"
}`)
	if err != nil {
		t.Fatal(err)
	}
	if lo, _ := p.Window(); !p.Timed() || lo != 2*time.Hour || p.Every() != 5*365*24*3600 || p.Targets() != 1 {
		t.Errorf("at and every: timed %v at %s every %g targets %d", p.Timed(), lo, p.Every(), p.Targets())
	}
	if ef := p.Effects(faults.Occurrence{At: 2 * time.Hour}); strings.Join(ef[0].Datacenters, ",") != "a1,a2" {
		t.Errorf("site a = %v, want a1,a2", ef[0].Datacenters)
	}
}

func TestParseDurationYears(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1y": 365 * 24 * time.Hour, "50y": 50 * 365 * 24 * time.Hour, "1y2d": 367 * 24 * time.Hour, "0.5y": 4380 * time.Hour,
	} {
		if got, err := faults.ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	// a period may exceed time.Duration's 292 years.
	if got, err := faults.ParsePeriod("1000y"); err != nil || got != 1000*365*86400 {
		t.Errorf("ParsePeriod(1000y) = %g, %v", got, err)
	}
	if _, err := faults.ParseDuration("1000y"); err == nil {
		t.Error("ParseDuration(1000y) fits no time.Duration and must fail")
	}
	if got := faults.FormatPeriod(300 * 365 * 86400); got != "300y" {
		t.Errorf("FormatPeriod = %q", got)
	}
}

// TestDocumented keeps the README honest: every kind and attribute is there.
func TestDocumented(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skipf("no README: %v", err)
	}
	for _, k := range faults.Kinds() {
		if !strings.Contains(string(readme), "`"+k.Name+"`") {
			t.Errorf("README does not document fault kind %s", k.Name)
		}
		if k.Doc == "" {
			t.Errorf("%s has no Doc", k.Name)
		}
		for _, a := range k.Attributes {
			if a.Doc == "" {
				t.Errorf("%s.%s has no Doc", k.Name, a.Name)
			}
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		0: "0s", 1500 * time.Millisecond: "1.5s", 90 * time.Minute: "1h30m",
		50 * time.Hour: "2d2h", 250 * time.Millisecond: "250ms", 47*time.Minute + 3*time.Second: "47m3s",
	} {
		if got := faults.FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", in, got, want)
		}
	}
}
