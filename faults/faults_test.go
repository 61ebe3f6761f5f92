package faults_test

import (
	"fmt"
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
			for _, e := range f.Effects(10 * time.Hour) {
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
}`, `"at" is required`},
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
