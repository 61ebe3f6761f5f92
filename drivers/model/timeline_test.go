package model

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// find returns the timeline's events of kind k whose text holds every word.
func find(tl []engine.Event, k engine.EventKind, words ...string) []engine.Event {
	var out []engine.Event
next:
	for _, e := range tl {
		if e.Kind != k {
			continue
		}
		for _, w := range words {
			if !strings.Contains(e.Text, w) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

func logTimeline(t *testing.T, r engine.RegionResult) {
	t.Helper()
	for _, e := range r.Timeline {
		t.Logf("%10s %-18s %-24s %s", e.At, e.Kind, e.Fault, e.Text)
	}
}

// sixAtThree backs up every 6 h at 03:00, 09:00, 15:00 and 21:00 into c.
const sixAtThree = `
hosting "six-at-three" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "6h"
    at    = "03:00"
    to    = datacenter.c
  }
}
`

// TestBackupSkippedByPartition is issue 22's case: backups every 6 h at
// 03/09/15/21 into c, c cut off 08:50-09:20, a burns at 10:00. The 09:00
// backup falls inside the cut: skipped, not retried when the cut ends. The
// restore takes the 03:00 one: a 7 h window, 7 h x 10,000 = 70,000 writes.
// Detected 10:05, operator 11:05, restored into b (another site; c holds the
// backups) in 30m + 100 GB / 200 MB/s = 38m20s: back at 11:43:20, 1h43m20s.
// The timeline says why: 03:00 taken from a, 09:00 skipped because a is cut
// off from c by the partition, 15:00 and 21:00 taken from the restored
// primary in b.
func TestBackupSkippedByPartition(t *testing.T) {
	r := runOne(t, setup{hosting: "six-at-three"}, sixAtThree+`
fault "network_partition" "cut" {
  at       = "8h50m"
  from     = [datacenter.c]
  duration = "30m"
}
fault "datacenter_fire" "fire" {
  at         = "10h"
  datacenter = datacenter.a
}`)
	defer func() {
		if t.Failed() {
			logTimeline(t, r)
		}
	}()
	if r.DataLoss != 7*h || math.Abs(float64(r.LostWrites)-70000) > 1 || r.Downtime != h+43*m+20*s {
		t.Errorf("window %s, lost %d, down %s; want 7h, 70000, 1h43m20s", r.DataLoss, r.LostWrites, r.Downtime)
	}
	skipped := find(r.Timeline, engine.EventBackupSkipped)
	if len(skipped) != 1 || skipped[0].At != 9*h || skipped[0].Fault != "network_partition.cut" ||
		!strings.Contains(skipped[0].Text, "backup into c skipped") || !strings.Contains(skipped[0].Text, "a is cut off from c") {
		t.Errorf("skipped backups %+v, want one at 9h: backup into c skipped, a is cut off from c (network_partition.cut)", skipped)
	}
	var taken []time.Duration
	for _, e := range find(r.Timeline, engine.EventBackup, "backup taken into c") {
		taken = append(taken, e.At)
	}
	if want := []time.Duration{3 * h, 15 * h, 21 * h}; !slices.Equal(taken, want) {
		t.Errorf("backups taken at %v, want %v", taken, want)
	}
	if n := len(find(r.Timeline, engine.EventBackup, "from b")); n != 2 {
		t.Errorf("%d backups taken from b, want 2 (15:00, 21:00 from the restored primary)", n)
	}
}

// TestBackupSkippedReasons: each reason a scheduled backup does not happen
// is named, with its fault, once per backup; backups into a datacenter
// that burned stop, and that is said once.
//   - c off 02:30-03:30 (power_outage.coff): the 03:00 backup is skipped, c
//     powered off.
//   - a off 08:30-09:30 (power_outage.aoff): the 09:00 backup is skipped,
//     no primary runs. a is back at 09:31 (restart 1m).
//   - c burns at 12:00 (datacenter_fire.cfire): the 15:00 and 21:00
//     backups cannot happen; one event at 15:00 says backups into c stop.
func TestBackupSkippedReasons(t *testing.T) {
	r := runOne(t, setup{hosting: "six-at-three"}, sixAtThree+`
fault "power_outage" "coff" {
  at         = "2h30m"
  datacenter = datacenter.c
  duration   = "1h"
}
fault "power_outage" "aoff" {
  at         = "8h30m"
  datacenter = datacenter.a
  duration   = "1h"
}
fault "datacenter_fire" "cfire" {
  at         = "12h"
  datacenter = datacenter.c
}`)
	defer func() {
		if t.Failed() {
			logTimeline(t, r)
		}
	}()
	for _, c := range []struct {
		at    time.Duration
		fault string
		words string
	}{
		{3 * h, "power_outage.coff", "c is powered off"},
		{9 * h, "power_outage.aoff", "no primary database runs; the primary database in a was powered off"},
		{15 * h, "datacenter_fire.cfire", "backups into c stop: c was destroyed"},
	} {
		var got *engine.Event
		for i, e := range r.Timeline {
			if e.Kind == engine.EventBackupSkipped && e.At == c.at {
				got = &r.Timeline[i]
			}
		}
		if got == nil || got.Fault != c.fault || !strings.Contains(got.Text, c.words) {
			t.Errorf("at %s: %+v, want a skipped backup: %q (%s)", c.at, got, c.words, c.fault)
		}
	}
	if n := len(find(r.Timeline, engine.EventBackupSkipped)); n != 3 {
		t.Errorf("%d skipped-backup events, want 3", n)
	}
}

// TestNoDropAfterPrimaryLost: a is cut off from its synchronous standby b
// at 09:00; commits block, and the operator would drop the requirement at
// 09:00 + detection 2m + operator 1h = 10:02. a burns at 10:00: there is no
// primary left to drop anything on, so no drop is logged (issue 22, item
// 8). b runs: promoted at 10:02, serving at 10:02:30, nothing lost (no
// commit was acknowledged after 09:00).
func TestNoDropAfterPrimaryLost(t *testing.T) {
	r := runOne(t, setup{hosting: "sync"}, `
fault "network_partition" "cut" {
  at       = "9h"
  from     = [datacenter.a]
  to       = [datacenter.b]
  duration = "2h"
}
fault "datacenter_fire" "fire" {
  at         = "10h"
  datacenter = datacenter.a
}`)
	defer func() {
		if t.Failed() {
			logTimeline(t, r)
		}
	}()
	if d := find(r.Timeline, engine.EventUp, "drops the synchronous"); len(d) > 0 {
		t.Errorf("drop logged at %s, after the primary burned at 10h", d[0].At)
	}
	if b := find(r.Timeline, engine.EventDown, "synchronous standby in b", "cut off"); len(b) != 1 || b[0].At != 9*h || b[0].Fault != "network_partition.cut" {
		t.Errorf("blocking events %+v, want one at 9h naming the partition", b)
	}
	if r.Recovery != engine.RecoveryFailover || r.Downtime != 2*m+30*s || r.LostWrites != 0 {
		t.Errorf("recovery %s, down %s, lost %d; want failover, 2m30s, 0", r.Recovery, r.Downtime, r.LostWrites)
	}
}

// TestStandbyCutOffLogged: an asynchronous standby, or a synchronous one
// with sync_fallback = "async", cut off at 09:40 from a primary that goes
// on alone: the cut is what loses the writes when a burns at 10:00, so it
// is in the timeline, at 09:40, with the partition.
func TestStandbyCutOffLogged(t *testing.T) {
	for _, c := range []struct{ hosting, words string }{
		{"async", "asynchronous standby in b cut off from a"},
		{"sync-async-fallback", "synchronous standby in b cut off from a"},
	} {
		t.Run(c.hosting, func(t *testing.T) {
			r := runOne(t, setup{hosting: c.hosting}, `
fault "network_partition" "cut" {
  at       = "9h40m"
  from     = [datacenter.a]
  to       = [datacenter.b]
  duration = "1h"
}
fault "datacenter_fire" "fire" {
  at         = "10h"
  datacenter = datacenter.a
}`)
			ev := find(r.Timeline, engine.EventDown, c.words, "on the primary alone")
			if len(ev) != 1 || ev[0].At != 9*h+40*m || ev[0].Fault != "network_partition.cut" {
				logTimeline(t, r)
				t.Errorf("cut events %+v, want one at 9h40m: %q", ev, c.words)
			}
		})
	}
}

// TestStandbyPoweredOffLogged: the asynchronous standby's datacenter off
// 02:00-03:00: writes go to the primary only from 02:00, said at 02:00;
// back at 03:00, it catches up, said at 03:00.
func TestStandbyPoweredOffLogged(t *testing.T) {
	r := runOne(t, setup{hosting: "async"}, `
fault "power_outage" "boff" {
  at         = "2h"
  datacenter = datacenter.b
  duration   = "1h"
}`)
	off := find(r.Timeline, engine.EventDown, "asynchronous standby in b powered off")
	up := find(r.Timeline, engine.EventUp, "standby in b caught up")
	if len(off) != 1 || off[0].At != 2*h || off[0].Fault != "power_outage.boff" || len(up) != 1 || up[0].At != 3*h {
		logTimeline(t, r)
		t.Errorf("off %+v, caught up %+v; want 2h (power_outage.boff) and 3h", off, up)
	}
}

// TestRestoreInterruptedWording (issue 22, item 9):
//   - the restore goes next to its backups when nothing else is left: its
//     backup's and its target's datacenter are the same and are named once.
//     a burns at 02:00 and b burned at 01:00: the 00:00 backup in c is
//     restored into c from 03:05 (detection 5m, operator 1h); c loses power
//     at 03:20: "c, which holds the backup and the restore's target, is
//     powered off", never "c or c".
//   - a disk loss keeps the machines running: the restore from c into b is
//     interrupted at 03:20 because the backups in c were lost, not because
//     c "is down".
func TestRestoreInterruptedWording(t *testing.T) {
	for _, c := range []struct {
		name, fault, want, not string
	}{
		{"same datacenter", `
fault "datacenter_fire" "bfire" {
  at         = "1h"
  datacenter = datacenter.b
}
fault "datacenter_fire" "fire" {
  at         = "2h"
  datacenter = datacenter.a
}
fault "power_outage" "coff" {
  at         = "3h20m"
  datacenter = datacenter.c
  duration   = "1h"
}`, "restore interrupted: c, which holds the backup and the restore's target, is powered off", "c or c"},
		{"disk loss", `
fault "datacenter_fire" "fire" {
  at         = "2h"
  datacenter = datacenter.a
}
fault "disk_loss" "cdisk" {
  at         = "3h20m"
  datacenter = datacenter.c
}`, "restore interrupted: the backups in c were lost", "is down"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runOne(t, setup{hosting: "lonely"}, c.fault)
			ev := find(r.Timeline, engine.EventDown, "restore interrupted")
			if len(ev) != 1 || ev[0].At != 3*h+20*m || !strings.Contains(ev[0].Text, c.want) || strings.Contains(ev[0].Text, c.not) {
				logTimeline(t, r)
				t.Errorf("interruptions %+v, want one at 3h20m: %q", ev, c.want)
			}
		})
	}
}

// TestAllLostStampedAtLastCopy: a burns at 02:00 and the only copy, the
// 00:00 backup in c, is lost with c's disks at 03:20, during the restore.
// Every write is lost from 03:20, when the last copy went, not from 02:00;
// the loss window still runs to the failure at 02:00 (nothing was written
// after it). The loss: t0 to 02:00, 2 h x 10,000 = 20,000, "and all
// history".
func TestAllLostStampedAtLastCopy(t *testing.T) {
	r := runOne(t, setup{hosting: "lonely"}, `
fault "datacenter_fire" "fire" {
  at         = "2h"
  datacenter = datacenter.a
}
fault "disk_loss" "cdisk" {
  at         = "3h20m"
  datacenter = datacenter.c
}`)
	ev := find(r.Timeline, engine.EventWritesLost, "every acknowledged write lost")
	if len(ev) != 1 || ev[0].At != 3*h+20*m || ev[0].Fault != "disk_loss.cdisk" || !r.AllDataLost || math.Abs(float64(r.LostWrites)-20000) > 1 {
		logTimeline(t, r)
		t.Errorf("all-lost events %+v, all lost %v, lost %d; want one at 3h20m (disk_loss.cdisk), 20000", ev, r.AllDataLost, r.LostWrites)
	}
}
