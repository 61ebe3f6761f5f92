package experiments

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/faults"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBadFiles checks each bad file's diagnostics against a golden file:
// every error must name file:line:column and show the source.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e, diags := Load(f, nil)
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", f)
			}
			if e != nil {
				t.Errorf("an experiment came back despite errors")
			}
			for _, d := range diags {
				if d.Subject == nil && !strings.Contains(d.Detail, "--var") {
					t.Errorf("diagnostic without a source range: %s: %s", d.Summary, d.Detail)
				}
			}
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, 78, false); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(f, ".hcl")+".golden", buf.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestLibrary checks every experiment shipped in this directory decodes
// without errors.
func TestLibrary(t *testing.T) {
	files, _ := filepath.Glob("*.hcl")
	if len(files) < 3 {
		t.Fatalf("want at least 3 experiments in the library, found %v", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			e, diags := Load(f, nil)
			if diags.HasErrors() {
				var buf bytes.Buffer
				WriteDiagnostics(&buf, diags, 78, false)
				t.Fatalf("%s", buf.String())
			}
			if len(e.Regions) == 0 || len(e.Faults) == 0 {
				t.Errorf("%s: %d regions, %d faults", f, len(e.Regions), len(e.Faults))
			}
		})
	}
}

func TestFireExperiment(t *testing.T) {
	e, diags := Load("ovh-sbg-fire-2021.hcl", map[string]string{"backup_every": "6h"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := len(e.Regions); got != 13 {
		t.Errorf("regions = %d, want 13", got)
	}
	h := e.Hosting("offsite-backups")
	if h == nil || len(h.Backups) != 1 || h.Backups[0].Every != 6*time.Hour || h.Backups[0].To.Name != "rbx1" {
		t.Errorf("offsite-backups backup = %+v, want every 6h to rbx1 (from --var)", h.Backups)
	}
	if h.Backups[0].Offset != 2*time.Hour {
		t.Errorf("backup offset = %s, want 2h", h.Backups[0].Offset)
	}
	if h.RestoreRate != 200e6 {
		t.Errorf("restore rate = %g", h.RestoreRate)
	}
	f := e.Faults[0]
	effects := f.Effects(47 * time.Minute)
	if len(effects) != 2 || effects[0].Action != faults.Destroy || strings.Join(effects[0].Datacenters, ",") != "sbg2,sbg1" {
		t.Fatalf("fire effects = %+v", effects)
	}
	if effects[1].Action != faults.PowerOff || strings.Join(effects[1].Datacenters, ",") != "sbg3,sbg4" || effects[1].For != 72*time.Hour {
		t.Errorf("site outage = %+v", effects[1])
	}
	if e.Start.Format(time.RFC3339) != "2021-03-10T00:00:00+01:00" {
		t.Errorf("start = %s", e.Start)
	}
}

func TestDecodeValues(t *testing.T) {
	const src = `
experiment "x" {
  duration = "2d"
  seed     = 7
}
variable "n" { default = 3 }
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
hosting "h" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  failover     = "automatic"
  app_replicas = max(var.n, 2) * 2
  max_sessions = 5000
}
workload "w" {
  peak_concurrency     = 0.2
  writes_per_user_hour = 1
  profile              = { "10:00" = 1, "00:00" = 0.1 }
}
region "r" {
  users     = 1000
  data_size = "2GiB"
  hosting   = hosting.h
  workload  = workload.w
  objectives {
    rpo = "0s"
  }
}
fault "network_partition" "cut" {
  at       = ["1h", "2h"]
  from     = [datacenter.a]
  duration = "10m"
}
fault "provider_outage" "all" {
  at       = "3h"
  provider = provider.p
  duration = "1h"
}
`
	e, diags := Parse([]byte(src), "x.hcl", map[string]string{"n": "5"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := e.Hostings[0]
	if h.AppReplicas != 10 {
		t.Errorf("app_replicas = %d, want max(5,2)*2 = 10", h.AppReplicas)
	}
	if h.Replication != ReplicationSync || h.Failover != FailoverAutomatic || h.MaxSessions != 5000 {
		t.Errorf("hosting = %+v", h)
	}
	if h.Promotion != DefaultPromotion || h.Detection != DefaultDetection {
		t.Errorf("defaults not applied: %+v", h)
	}
	r := e.Regions[0]
	if r.DataSize != 2<<30 {
		t.Errorf("data_size = %d", r.DataSize)
	}
	if !r.Objectives.RPOSet || r.Objectives.RPO != 0 || r.Objectives.RTOSet {
		t.Errorf("objectives = %+v", r.Objectives)
	}
	if p := r.Workload.Profile; len(p) != 2 || p[0].At != 0 || p[1].At != 10*time.Hour {
		t.Errorf("profile not sorted: %+v", p)
	}
	lo, hi := e.Faults[0].Window()
	if lo != time.Hour || hi != 2*time.Hour {
		t.Errorf("window = %s..%s", lo, hi)
	}
	if eff := e.Faults[0].Effects(0)[0]; strings.Join(eff.Peers, ",") != "b" {
		t.Errorf("partition peers = %v, want every other datacenter", eff.Peers)
	}
	if eff := e.Faults[1].Effects(0)[0]; strings.Join(eff.Datacenters, ",") != "a,b" {
		t.Errorf("provider outage = %v", eff.Datacenters)
	}
	if e.TimeScale != float64(48*time.Hour)/float64(10*time.Minute) {
		t.Errorf("default time_scale = %g", e.TimeScale)
	}
}

func TestUnknownVar(t *testing.T) {
	_, diags := Load("ovh-sbg-fire-2021.hcl", map[string]string{"nope": "1"})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "backup_every") {
		t.Errorf("want an error listing declared variables, got %v", diags)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "2d", want: 48 * time.Hour},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "5 minutes", bad: true},
		{in: "-5m", bad: true},
		{in: "5", bad: true},
		{in: "", bad: true},
		{in: "m", bad: true},
	} {
		got, err := faults.ParseDuration(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseDuration(%q) = %s, %v", tc.in, got, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "1.5TB", want: 1.5e12},
		{in: "800GiB", want: 800 << 30},
		{in: "10 MB", want: 10e6},
		{in: "12", bad: true},
		{in: "lots", bad: true},
		{in: "-1GB", bad: true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// FuzzParse checks that no input makes the decoder panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.hcl")
	bad, _ := filepath.Glob("testdata/bad/*.hcl")
	for _, p := range append(files, bad...) {
		src, err := os.ReadFile(p)
		if err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		e, diags := Parse(src, "fuzz.hcl", nil)
		if e == nil && !diags.HasErrors() {
			t.Fatal("no experiment and no error")
		}
	})
}
