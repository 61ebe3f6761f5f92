package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/drivers/containers"
	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// These tests run real stacks on a real cluster: the one whose kubeconfig
// FIREDRILL_TEST_KUBECONFIG names (the test cluster of .ci/kube:
// /tmp/firedrill-kube/kubeconfig). They skip, saying why, only when that
// variable is unset. Firedrill's own volumes go under
// FIREDRILL_TEST_KUBE_VOLUMES (default: "volumes" beside the kubeconfig,
// which .ci/kube down removes). The images are imported with the script
// FIREDRILL_KUBE_SCRIPT names (default: the checkout's .ci/kube), when
// there is one.

func needCluster(t *testing.T) Options {
	t.Helper()
	if testing.Short() {
		t.Skip("runs stacks on a Kubernetes cluster; skipped with -short")
	}
	kc := os.Getenv("FIREDRILL_TEST_KUBECONFIG")
	if kc == "" {
		t.Skip("no Kubernetes cluster: set FIREDRILL_TEST_KUBECONFIG to a kubeconfig (`.ci/kube up` starts the test cluster; its kubeconfig is /tmp/firedrill-kube/kubeconfig)")
	}
	vols := os.Getenv("FIREDRILL_TEST_KUBE_VOLUMES")
	if vols == "" {
		vols = filepath.Join(filepath.Dir(kc), "volumes")
	}
	o := Options{Kubeconfig: kc, VolumeDir: vols}.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, _, err := connect(ctx, o); err != nil {
		t.Fatalf("FIREDRILL_TEST_KUBECONFIG is set but: %v", err)
	}
	importImages(t, ctx)
	return o
}

// importImages loads the run's images into the test cluster's containerd.
func importImages(t *testing.T, ctx context.Context) {
	t.Helper()
	im, err := docker.EnsureImages(ctx, nil)
	if errors.Is(err, docker.ErrNoDocker) {
		t.Fatalf("the images are built with Docker: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	script := os.Getenv("FIREDRILL_KUBE_SCRIPT")
	if script == "" {
		root, err := exec.Command("go", "env", "GOMOD").Output()
		if err == nil {
			script = filepath.Join(filepath.Dir(strings.TrimSpace(string(root))), ".ci", "kube")
		}
	}
	if _, err := os.Stat(script); err != nil {
		t.Logf("no .ci/kube script (%v): the images must be on the nodes already", err)
		return
	}
	out, err := exec.CommandContext(ctx, script, "import", im.PG, im.Entd, im.Link).CombinedOutput()
	if err != nil {
		t.Fatalf("%s import: %v\n%s", script, err, out)
	}
}

// leftovers counts the cluster's namespaces and PersistentVolumes of run
// (or of every firedrill run).
func leftovers(t *testing.T, o Options, run string) int {
	t.Helper()
	_, cs, err := connect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return count(t, cs, run)
}

func count(t *testing.T, cs kubernetes.Interface, run string) int {
	t.Helper()
	sel := platform.LabelManaged + "=true"
	if run != "" {
		sel += "," + platform.LabelRun + "=" + run
	}
	ctx := context.Background()
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	pvs, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	return len(nss.Items) + len(pvs.Items)
}

func parse(t *testing.T, src string) *experiments.Experiment {
	t.Helper()
	exp, diags := experiments.Parse([]byte(src), "test.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return exp
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func run(t *testing.T, o Options, src string) (*engine.Result, string) {
	t.Helper()
	d := containers.New(containers.Options{Platform: New(o), Progress: testWriter{t}})
	res, err := engine.Run(context.Background(), parse(t, src), d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Regions {
		t.Logf("%s: recovery %s, downtime %s, lost %d of %d writes, loss window %s", r.Region, r.Recovery, r.Downtime, r.LostWrites, r.AckedWrites, r.DataLoss)
		for _, e := range r.Timeline {
			t.Logf("    %s %s %s %s (took %s)", e.At, e.Basis, e.Kind, e.Text, e.Took)
		}
	}
	for _, n := range res.Notes {
		t.Log(n)
	}
	return res, d.Last.Run
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
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "sync"
  failover     = "automatic"
  detection    = "1m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
hosting "backups" {
  primary           = datacenter.par1
  operator_response = "5m"
  provisioning      = "5m"
  app_replicas      = 1
  replica_rps       = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "30m"
    to    = datacenter.lyo1
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
region "backups" {
  users    = 100000
  hosting  = hosting.backups
  workload = workload.day
}
fault "datacenter_fire" "par1" {
  at         = "1h15m"
  datacenter = datacenter.par1
}
`

// TestFire burns par1 on the cluster. By hand: "sync" fails over to its
// synchronous standby in lyo1 and loses no acknowledged grade (every
// commit waited for the standby); "backups" restores the backup of 09:00
// (the half-hourly backup before the fire at 09:15) into lyo1 and loses
// the grades of those 15 minutes at least, and at most 30 minutes' (a
// backup of 09:00 that failed would leave 08:30's). Afterwards, nothing of
// the run is left on the cluster.
func TestFire(t *testing.T) {
	o := needCluster(t)
	res, id := run(t, o, fireHCL)
	by := map[string]engine.RegionResult{}
	for _, r := range res.Regions {
		by[r.Region] = r
	}
	if r := by["sync"]; r.Recovery != engine.RecoveryFailover || r.LostWrites != 0 || r.AckedWrites == 0 {
		t.Errorf("sync: recovery %s, lost %d of %d; want a failover losing no acknowledged write", r.Recovery, r.LostWrites, r.AckedWrites)
	}
	if r := by["backups"]; r.Recovery != engine.RecoveryRestore || r.LostWrites == 0 || r.DataLoss > 31*time.Minute || r.DataLoss < 5*time.Minute {
		t.Errorf("backups: recovery %s, lost %d writes over %s; want a restore losing the writes since the last half-hourly backup", r.Recovery, r.LostWrites, r.DataLoss)
	}
	found := false
	for _, n := range res.Notes {
		found = found || strings.Contains(n, "emulated as labelled pod groups") || strings.Contains(n, "pinned to zones")
	}
	if !found {
		t.Errorf("the notes do not say how datacenters were mapped onto the cluster")
	}
	if n := leftovers(t, o, id); n != 0 {
		t.Errorf("after the run, %d namespaces and volumes of run %s remain", n, id)
	}
}

const partitionHCL = `
experiment "partition" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "1h30m"
  time_scale = 90
  scale      = 5000
}
provider "cloud" {}
datacenter "pa1" {
  provider = provider.cloud
  site     = "a"
}
datacenter "pa2" {
  provider = provider.cloud
  site     = "b"
}
hosting "partition" {
  primary      = datacenter.pa1
  standby      = datacenter.pa2
  replication  = "sync"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
}
workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}
region "partition" {
  users    = 100000
  hosting  = hosting.partition
  workload = workload.day
}
fault "network_partition" "pa" {
  at       = "30m"
  from     = [datacenter.pa1]
  to       = [datacenter.pa2]
  duration = "20m"
}
`

// TestPartition cuts the link between the synchronous primary and its
// standby for 20 minutes. By hand: every commit waits for the standby, so
// grades cannot be entered for the 20 minutes of the cut (plus the few
// seconds the stack takes to catch up, at 90x), and none acknowledged is
// lost: a downtime of 15 to 30 minutes, 0 writes lost.
func TestPartition(t *testing.T) {
	o := needCluster(t)
	res, id := run(t, o, partitionHCL)
	r := res.Regions[0]
	if r.Downtime < 15*time.Minute || r.Downtime > 30*time.Minute {
		t.Errorf("partition: downtime %s; synchronous commits must block for about the 20m cut", r.Downtime)
	}
	if r.LostWrites != 0 || r.AckedWrites == 0 {
		t.Errorf("partition: lost %d of %d acknowledged writes; want none lost", r.LostWrites, r.AckedWrites)
	}
	if n := leftovers(t, o, id); n != 0 {
		t.Errorf("after the run, %d namespaces and volumes of run %s remain", n, id)
	}
}

// TestSweepKilled leaves a namespace as a run killed outright would (its
// process is gone) and checks that Clean removes it, while a namespace of
// a live process stays unless forced.
func TestSweepKilled(t *testing.T) {
	o := needCluster(t)
	ctx := context.Background()
	_, cs, err := connect(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// A child that has exited: its PID is no process's.
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead, live := fmt.Sprintf("dead%d", os.Getpid()), fmt.Sprintf("live%d", os.Getpid())
	for id, pid := range map[string]int{dead: child.Process.Pid, live: os.Getpid()} {
		s := &session{opts: o, run: platform.Run{ID: id}, cs: cs}
		l := s.baseLabels()
		l[platform.LabelPID], l[platform.LabelHost] = fmt.Sprint(pid), labelValue(host)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, nsObject(s.ns(""), l), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Clean(ctx, o, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || count(t, cs, dead) != 0 {
		t.Errorf("Clean removed %d runs and left %d of the dead run's namespaces; want it gone", n, count(t, cs, dead))
	}
	if count(t, cs, live) != 1 {
		t.Errorf("Clean without force removed a live process's run")
	}
	if _, err := Clean(ctx, o, live, true); err != nil {
		t.Fatal(err)
	}
	if c := count(t, cs, live); c != 0 {
		t.Errorf("Clean --force left %d namespaces of the live run", c)
	}
}
