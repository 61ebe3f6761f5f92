package containers

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/engine"
)

// TestRecovery burns par1 at 15:00 (7 h after an 08:00 start) under three
// hostings, on real stacks, and checks last night's backup, the restore
// time of data_size, and that backups go on after the recovery.
func TestRecovery(t *testing.T) {
	cli := needDocker(t)
	src, err := os.ReadFile("testdata/recovery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	exp := parse(t, string(src))
	d := New(Options{Platform: docker.New(), Progress: testWriter{t}})
	res, err := engine.Run(context.Background(), exp, d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]engine.RegionResult{}
	for _, r := range res.Regions {
		by[r.Region] = r
		t.Logf("%s: recovery %s, downtime %s, lost %d of %d real-world writes, loss window %s", r.Region, r.Recovery, r.Downtime, r.LostWrites, r.AckedWrites, r.DataLoss)
		for _, e := range r.Timeline {
			t.Logf("    %s %s %s %s (took %s)", e.At, e.Basis, e.Kind, e.Text, e.Took)
		}
		for _, o := range r.Outages {
			t.Logf("    outage %s - %s %s", o.Start, o.End, o.State)
		}
	}
	for _, n := range res.Notes {
		t.Log(n)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
		t.Errorf("after the run, firedrill left %s", n)
	}
	obs := d.lastObs

	// nightly: backups once a day at 02:00 into lyo1; the fire at 15:00
	// leaves last night's backup, so the loss window runs from 02:00
	// (-6h: the first grade after the backup, at most one row spacing
	// later) to the fire (7h): 13 h, as on the model. A row is one per
	// 200 s of time_scale / 4 grades per wall second = 50 s of experiment
	// time.
	t.Run("last night's backup", func(t *testing.T) {
		r := by["nightly"]
		if r.Recovery != engine.RecoveryRestore {
			t.Fatalf("recovery %s; want restore", r.Recovery)
		}
		var loss engine.Loss
		for _, o := range obs {
			if o.Region == "nightly" && len(o.Losses) == 1 {
				loss = o.Losses[0]
			}
		}
		if loss.Start < -6*time.Hour || loss.Start > -6*time.Hour+2*time.Minute {
			t.Errorf("oldest lost write at %s; want just after 02:00 (-6h), within 2m", loss.Start)
		}
		if loss.End < 7*time.Hour-2*time.Minute || loss.End > 7*time.Hour+time.Minute {
			t.Errorf("newest lost write at %s; want the fire at 7h", loss.End)
		}
		// The newest lost write may have been acknowledged while Docker
		// was still killing par1's containers: the clock runs at 1:1 then,
		// so that adds seconds, not minutes.
		if r.DataLoss < 13*time.Hour-4*time.Minute || r.DataLoss > 13*time.Hour+time.Minute {
			t.Errorf("loss window %s; want 02:00 to 15:00, 13h (within the row spacing and Docker's kill)", r.DataLoss)
		}
		// Real-world writes lost: 100000 users x 0.15 online (flat
		// profile) x 0.5 writes/user-hour = 7500 writes/h, over 13 h =
		// 97500, within a row's worth on each side (7500/h x 50 s = 104).
		if r.LostWrites < 97500-2*104 || r.LostWrites > 97500+2*104 {
			t.Errorf("lost %d real-world writes; want 97500 +/- 208 (13 h x 7500/h)", r.LostWrites)
		}
	})

	// nightly: downtime = detection 5m + operator_response 30m +
	// provisioning 30m + data_size / restore_rate (50 GB / 100 MB/s =
	// 500 s = 8m20s) = 73m20s, plus what the real pg_restore and the
	// service's return measured (seconds at 1:1; allow 5 min).
	t.Run("restore time", func(t *testing.T) {
		r := by["nightly"]
		const want = 5*time.Minute + 30*time.Minute + 30*time.Minute + 500*time.Second
		if r.Downtime < want || r.Downtime > want+5*time.Minute {
			t.Errorf("downtime %s; want %s (detection + operator + provisioning + 50GB/100MB/s) plus the measured restore, under %s", r.Downtime, want, want+5*time.Minute)
		}
		var measured, modeled bool
		for _, e := range r.Timeline {
			if e.Kind == engine.EventRestoreDone && e.Basis == engine.Measured && e.Took > 0 {
				measured = true
			}
			if e.Kind == engine.EventRestoreDone && e.Basis == engine.Modeled && e.Took == 500*time.Second {
				modeled = true
			}
		}
		if !measured || !modeled {
			t.Errorf("timeline: measured pg_restore %v, modeled 8m20s %v; want both", measured, modeled)
		}
	})

	// After the restore (two-backups) and the failover (failover), every
	// surviving agent backs up the new primary on its schedule.
	t.Run("backups after recovery", func(t *testing.T) {
		for _, c := range []struct {
			region, done string
			want         []string // "into X from Y"
		}{
			{"two-backups", string(engine.EventRestoreDone), []string{"into lyo1 from lyo1", "into mrs1 from lyo1"}},
			{"failover", string(engine.EventFailoverDone), []string{"into mrs1 from lyo1"}},
		} {
			r := by[c.region]
			var after time.Duration = -1
			got := map[string]int{}
			for _, e := range r.Timeline {
				if string(e.Kind) == c.done && after < 0 {
					after = e.At
				}
				if after >= 0 && e.Kind == engine.EventBackup && strings.Contains(e.Text, "backup taken") {
					for _, w := range c.want {
						if strings.Contains(e.Text, w) {
							got[w]++
						}
					}
				}
			}
			if after < 0 {
				t.Errorf("%s: no %s in the timeline", c.region, c.done)
				continue
			}
			for _, w := range c.want {
				if got[w] == 0 {
					t.Errorf("%s: no backup %s after the recovery at %s", c.region, w, after)
				}
			}
		}
		if r := by["failover"]; r.LostWrites != 0 {
			t.Errorf("failover (sync): lost %d acknowledged writes; want 0", r.LostWrites)
		}
	})
}

const reaperHCL = `
experiment "reaped" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "24h"
  time_scale = 60
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
hosting "h" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  app_replicas = 1
  backup {
    every = "1h"
    to    = datacenter.lyo1
  }
}
workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}
region "r" {
  users    = 100000
  hosting  = hosting.h
  workload = workload.day
}
`

// TestReaperChild is the run TestReaper kills: it runs only when asked.
func TestReaperChild(t *testing.T) {
	if os.Getenv("FIREDRILL_REAPER_CHILD") != "1" {
		t.Skip("run by TestReaper in a process of its own")
	}
	d := New(Options{Platform: docker.New(), Progress: os.Stdout})
	_, _ = engine.Run(context.Background(), parse(t, reaperHCL), d, engine.Options{NoBaseline: true})
}

// TestReaper kills a run with SIGKILL once its stack is up and checks that
// its reaper removes every container, network and volume within 30 s.
func TestReaper(t *testing.T) {
	cli := needDocker(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestReaperChild$", "-test.v")
	cmd.Env = append(os.Environ(), "FIREDRILL_REAPER_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	up, run := false, ""
	for sc.Scan() {
		t.Log("child: " + sc.Text())
		if id, rest, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "run "), ":"); ok && strings.HasPrefix(sc.Text(), "run ") && run == "" {
			run = id
			_ = rest
		}
		if strings.Contains(sc.Text(), "containers healthy in") {
			up = true
			break
		}
	}
	if !up || run == "" {
		t.Fatal("the child run never got its stack up")
	}
	before := leftovers(t, cli, run)
	if before.Containers < 5 {
		t.Fatalf("before the kill: %s; want the run's stack", before)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for {
		n := leftovers(t, cli, run)
		if n == (docker.Removed{}) {
			t.Logf("SIGKILLed run with %s fully reaped in %s", before, time.Since(killed).Round(100*time.Millisecond))
			break
		}
		if time.Since(killed) > 30*time.Second {
			t.Errorf("30 s after SIGKILL, %s remain; want nothing", n)
			if _, _, err := docker.Clean(context.Background(), run, true); err != nil {
				t.Log(err)
			}
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
}
