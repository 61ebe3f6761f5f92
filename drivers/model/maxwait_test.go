package model

import (
	"math"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// waiters are base's "lonely" hosting (backups every 6 h into c, at 00, 06,
// 12 and 18) and a bare one, each with max_wait.
const waiters = `
hosting "wait4h" {
  primary      = datacenter.a
  app_replicas = 10
  max_wait     = "4h"
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
hosting "wait30m" {
  primary      = datacenter.a
  app_replicas = 10
  max_wait     = "30m"
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
hosting "wait-nothing-elsewhere" {
  primary      = datacenter.a
  app_replicas = 10
  max_wait     = "1h"
  backup {
    every = "6h"
    to    = datacenter.a
  }
}
`

// TestMaxWait: a is powered off from 02:00; max_wait says when the operator
// stops waiting for the power and restores the newest surviving backup
// elsewhere (issue 22, item 15). Defaults: detection 5m, operator 1h,
// provisioning 30m, 100 GB at 200 MB/s = 8m20s; 10,000 writes an hour.
// The writes on the dark primary are lost when the operator gives it up
// (the restore's start), not at the power cut: until then the power could
// come back with them.
func TestMaxWait(t *testing.T) {
	off := func(d string) string {
		return `
fault "power_outage" "dark" {
  at         = "2h"
  datacenter = datacenter.a
  duration   = "` + d + `"
}`
	}
	for _, tc := range []struct {
		name, hosting, fault string
		recovery             engine.Recovery
		downtime, window     time.Duration
		lost                 float64
		lostAt               time.Duration // when the timeline says the writes were lost
	}{
		// Without max_wait: dark 02:00-22:00, back 22:01 after restart:
		// 20h01m down, nothing lost.
		{"waits for ever without max_wait", "lonely", off("20h"), engine.RecoveryPowerBack, 20*h + m, 0, 0, 0},
		// Gives up at 02:00 + 4h = 06:00 (a human is on it since 03:05).
		// The 06:00 backup cannot run (no primary): the 00:00 one in c is
		// restored into b in 38m20s, back 06:38:20: 4h38m20s down. The
		// writes of 00:00-02:00 on the dark primary are lost: 20,000.
		{"gives up after max_wait", "wait4h", off("20h"), engine.RecoveryRestore, 4*h + 38*m + 20*s, 2 * h, 20000, 6 * h},
		// max_wait 30m, but no human before 02:00 + 5m + 1h = 03:05: the
		// restore starts then, back at 03:43:20: 1h43m20s, 20,000 lost.
		{"no sooner than a human is on it", "wait30m", off("20h"), engine.RecoveryRestore, h + 43*m + 20*s, 2 * h, 20000, 3*h + 5*m},
		// The power is back at 06:20, 20 minutes into the 38m20s restore:
		// the primary, intact, is restarted instead (1m), nothing lost:
		// down 02:00-06:21, 4h21m.
		{"power back during the restore", "wait4h", off("4h20m"), engine.RecoveryPowerBack, 4*h + 21*m, 0, 0, 0},
		// The only backups are in the dark datacenter: nothing to restore
		// elsewhere, so it waits: 20h01m, nothing lost.
		{"nothing elsewhere to restore", "wait-nothing-elsewhere", off("20h"), engine.RecoveryPowerBack, 20*h + m, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, setup{hosting: tc.hosting}, waiters+tc.fault)
			if r.Recovery != tc.recovery || r.Downtime != tc.downtime || r.DataLoss != tc.window || math.Abs(float64(r.LostWrites)-tc.lost) > 1 {
				logTimeline(t, r)
				t.Errorf("recovery %s, down %s, window %s, lost %d; want %s, %s, %s, %.0f",
					r.Recovery, r.Downtime, r.DataLoss, r.LostWrites, tc.recovery, tc.downtime, tc.window, tc.lost)
			}
			ev := find(r.Timeline, engine.EventWritesLost)
			if (tc.lost > 0) != (len(ev) == 1) || (len(ev) == 1 && ev[0].At != tc.lostAt) {
				logTimeline(t, r)
				t.Errorf("writes-lost events %+v, want one at %s", ev, tc.lostAt)
			}
		})
	}
}
