package containers

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// These tests start real containers: no mock of Docker or PostgreSQL. They
// skip, saying why, only when no Docker engine answers.

func needDocker(t *testing.T) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("starts containers; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := docker.Client(ctx)
	if errors.Is(err, docker.ErrNoDocker) {
		t.Skipf("no Docker engine: %v (DEVELOPERS.md says how to start one)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// leftovers counts what firedrill resources exist, for run (or all).
func leftovers(t *testing.T, cli *client.Client, run string) docker.Removed {
	t.Helper()
	ctx := context.Background()
	f := client.Filters{}.Add("label", platform.LabelManaged+"=true")
	if run != "" {
		f.Add("label", platform.LabelRun+"="+run)
	}
	var n docker.Removed
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	n.Containers, n.Networks, n.Volumes = len(cs.Items), len(ns.Items), len(vs.Items)
	return n
}

const fireHCL = `
experiment "fire" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "3h"
  time_scale = 180
  scale      = 5000
}
provider "cloud" {}
datacenter "par1" {
  provider = provider.cloud
  site     = "paris"
}
datacenter "lyo1" {
  provider = provider.cloud
  site     = "lyon"
}
hosting "sync" {
  primary     = datacenter.par1
  standby     = datacenter.lyo1
  replication = "sync"
  failover    = "automatic"
  detection   = "1m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "async" {
  primary     = datacenter.par1
  standby     = datacenter.lyo1
  replication = "async"
  failover    = "automatic"
  detection   = "1m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "backups" {
  primary           = datacenter.par1
  detection         = "1m"
  operator_response = "10m"
  provisioning      = "5m"
  app_replicas      = 1
  replica_rps       = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "30m"
    to    = datacenter.lyo1
  }
}
hosting "same-site" {
  primary      = datacenter.par1
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "30m"
    to    = datacenter.par1
  }
}
workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}
region "sync" {
  users    = 100000
  hosting  = hosting.sync
  workload = workload.day
}
region "async" {
  users    = 100000
  hosting  = hosting.async
  workload = workload.day
}
region "backups" {
  users    = 100000
  hosting  = hosting.backups
  workload = workload.day
}
region "same-site" {
  users    = 100000
  hosting  = hosting.same-site
  workload = workload.day
}
fault "datacenter_fire" "par1" {
  at         = "1h15m"
  datacenter = datacenter.par1
}
`

func parse(t *testing.T, src string) *experiments.Experiment {
	t.Helper()
	exp, diags := experiments.Parse([]byte(src), "test.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return exp
}

// runBoth runs the experiment file at path on the model and on real
// stacks, without a baseline; it logs the real run's time and notes and
// checks that the run left nothing in Docker.
func runBoth(t *testing.T, cli *client.Client, path string) (modeled, measured *engine.Result, d *Driver) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	modeled, err = engine.Run(context.Background(), parse(t, string(src)), model.New(), engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	d = New(Options{Platform: docker.New(), Progress: testWriter{t}})
	began := time.Now()
	measured, err = engine.Run(context.Background(), parse(t, string(src)), d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("containers run took %s", time.Since(began).Round(time.Second))
	for _, n := range measured.Notes {
		t.Log(n)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
		t.Errorf("after the run, firedrill left %s", n)
	}
	return modeled, measured, d
}

// TestFire burns the primary datacenter of four regions and checks what
// each hosting choice should lose, from the audit of the real databases.
func TestFire(t *testing.T) {
	cli := needDocker(t)
	exp := parse(t, fireHCL)
	d := New(Options{Platform: docker.New(), Progress: testWriter{t}})
	res, err := engine.Run(context.Background(), exp, d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]engine.RegionResult{}
	for _, r := range res.Regions {
		by[r.Region] = r
		t.Logf("%s: recovery %s, downtime %s, lost %d of %d writes, loss window %s", r.Region, r.Recovery, r.Downtime, r.LostWrites, r.AckedWrites, r.DataLoss)
		for _, e := range r.Timeline {
			t.Logf("    %s %s %s %s (took %s)", e.At, e.Basis, e.Kind, e.Text, e.Took)
		}
		for _, o := range r.Outages {
			t.Logf("    outage %s - %s", o.Start, o.End)
		}
	}
	for _, n := range res.Notes {
		t.Log(n)
	}
	if r := by["sync"]; r.Recovery != engine.RecoveryFailover || r.LostWrites != 0 || r.AckedWrites == 0 {
		t.Errorf("sync: recovery %s, lost %d of %d; want a failover losing no acknowledged write", r.Recovery, r.LostWrites, r.AckedWrites)
	}
	if r := by["sync"]; r.Downtime <= 0 || r.Downtime > 30*time.Minute {
		t.Errorf("sync: downtime %s; want a failover's minutes", r.Downtime)
	}
	if r := by["async"]; r.Recovery != engine.RecoveryFailover {
		t.Errorf("async: recovery %s; want failover", r.Recovery)
	}
	if r := by["backups"]; r.Recovery != engine.RecoveryRestore || r.LostWrites == 0 || r.DataLoss > 31*time.Minute || r.DataLoss < 5*time.Minute {
		t.Errorf("backups: recovery %s, lost %d writes over %s; want a restore losing the writes since the last half-hourly backup", r.Recovery, r.LostWrites, r.DataLoss)
	}
	if r := by["same-site"]; r.Recovery != engine.RecoveryUnrecoverable || !r.AllDataLost || r.LostWrites != r.AckedWrites {
		t.Errorf("same-site: recovery %s, all lost %v, lost %d of %d; want everything lost", r.Recovery, r.AllDataLost, r.LostWrites, r.AckedWrites)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
		t.Errorf("after the run, firedrill left %s", n)
	}
	if late := d.Last.Lateness; len(late) == 0 || percentile(late, 1) > 50*time.Millisecond {
		t.Errorf("fault injection lateness %v; want every effect within 50ms", late)
	}
}

// TestCancelLeavesNothing interrupts a run once its stacks are up, as
// Ctrl-C would, and checks that nothing is left behind.
func TestCancelLeavesNothing(t *testing.T) {
	cli := needDocker(t)
	exp := parse(t, fireHCL)
	exp.Regions = exp.Regions[:1]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := New(Options{Platform: docker.New(), Progress: cancelOn{w: testWriter{t}, word: "healthy in", cancel: cancel}})
	_, err := engine.Run(ctx, exp, d, engine.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run after cancel: %v; want context.Canceled", err)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) || d.Last.Run == "" {
		t.Errorf("after a cancelled run %q, firedrill left %s", d.Last.Run, n)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// cancelOn cancels when the progress output mentions word.
type cancelOn struct {
	w      testWriter
	word   string
	cancel context.CancelFunc
}

func (c cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.word) {
		c.cancel()
	}
	return c.w.Write(p)
}

const faultsHCL = `
experiment "faults" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "100m"
  time_scale = 90
  scale      = 5000
}
provider "a" {}
provider "b" {}
provider "c" {}
provider "d" {}
provider "e" {}
datacenter "pw1" {
  provider = provider.a
  site     = "a"
}
datacenter "cr1" {
  provider = provider.b
  site     = "b"
}
datacenter "pa1" {
  provider = provider.c
  site     = "c1"
}
datacenter "pa2" {
  provider = provider.c
  site     = "c2"
}
datacenter "la1" {
  provider = provider.d
  site     = "d1"
}
datacenter "la2" {
  provider = provider.d
  site     = "d2"
}
datacenter "dk1" {
  provider = provider.e
  site     = "e1"
}
datacenter "dk2" {
  provider = provider.e
  site     = "e2"
}
hosting "power" {
  primary      = datacenter.pw1
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "crash" {
  primary      = datacenter.cr1
  restart      = "5m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "partition" {
  primary      = datacenter.pa1
  standby      = datacenter.pa2
  replication  = "sync"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "latency" {
  primary      = datacenter.la1
  standby      = datacenter.la2
  replication  = "async"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "disk" {
  primary      = datacenter.dk1
  standby      = datacenter.dk2
  replication  = "async"
  failover     = "automatic"
  detection    = "1m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}
region "power" {
  users    = 100000
  hosting  = hosting.power
  workload = workload.day
}
region "crash" {
  users    = 100000
  hosting  = hosting.crash
  workload = workload.day
}
region "partition" {
  users    = 100000
  hosting  = hosting.partition
  workload = workload.day
}
region "latency" {
  users    = 100000
  hosting  = hosting.latency
  workload = workload.day
}
region "disk" {
  users    = 100000
  hosting  = hosting.disk
  workload = workload.day
}
fault "power_outage" "pw1" {
  at         = "30m"
  datacenter = datacenter.pw1
  duration   = "30m"
}
fault "process_crash" "app" {
  at      = "30m"
  regions = [region.crash]
  target  = "app"
}
fault "network_partition" "pa" {
  at       = "30m"
  from     = [datacenter.pa1]
  to       = [datacenter.pa2]
  duration = "20m"
}
fault "latency" "la" {
  at       = "30m"
  from     = [datacenter.la1]
  to       = [datacenter.la2]
  delay    = "150ms"
  duration = "30m"
}
fault "disk_loss" "dk1" {
  at         = "30m"
  datacenter = datacenter.dk1
}
`

// TestFaults injects each other kind of fault into a region of its own
// and checks what the measurements say against what the fault must do.
func TestFaults(t *testing.T) {
	cli := needDocker(t)
	exp := parse(t, faultsHCL)
	d := New(Options{Platform: docker.New(), Progress: testWriter{t}})
	res, err := engine.Run(context.Background(), exp, d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]engine.RegionResult{}
	for _, r := range res.Regions {
		by[r.Region] = r
		t.Logf("%s: recovery %s, downtime %s, lost %d of %d writes, phases %+v", r.Region, r.Recovery, r.Downtime, r.LostWrites, r.AckedWrites, r.Phases)
		for _, e := range r.Timeline {
			t.Logf("    %s %s %s %s", e.At, e.Basis, e.Kind, e.Text)
		}
		if r.LostWrites != 0 {
			t.Errorf("%s: lost %d acknowledged writes; no fault here destroys committed data without a standby taking over", r.Region, r.LostWrites)
		}
	}
	if r := by["power"]; r.Recovery != engine.RecoveryPowerBack || r.Downtime < 25*time.Minute || r.Downtime > 45*time.Minute {
		t.Errorf("power: recovery %s, downtime %s; want power_back after about the 30m outage", r.Recovery, r.Downtime)
	}
	if r := by["crash"]; r.Recovery != engine.RecoveryRestart || r.Downtime < 3*time.Minute || r.Downtime > 15*time.Minute {
		t.Errorf("crash: recovery %s, downtime %s; want a restart after about 5m", r.Recovery, r.Downtime)
	}
	if r := by["partition"]; r.Downtime < 15*time.Minute || r.Downtime > 30*time.Minute {
		t.Errorf("partition: downtime %s; synchronous commits must block for about the 20m cut", r.Downtime)
	}
	if r := by["disk"]; r.Recovery != engine.RecoveryFailover {
		t.Errorf("disk: recovery %s; want failover to the standby", r.Recovery)
	}
	// Half the app servers reach the database across the delayed link:
	// the tail during the fault must sit well above the typical request
	// before it.
	if r := by["latency"]; len(r.Phases) < 2 || r.Phases[1].P99-r.Phases[0].P50 < 300*time.Millisecond {
		t.Errorf("latency: phases %+v; want p99 during the fault at least 300ms above p50 before", r.Phases)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
		t.Errorf("after the run, firedrill left %s", n)
	}
}
