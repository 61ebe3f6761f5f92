package model

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// TestRebuildCompound: a year heals. Hosting async (base) has its primary
// in a, an asynchronous standby in b (lag 10s), automatic failover after
// 2m detection and the default 30s promotion, no backups, and the default
// rebuild of 24h. a burns at 1h: the standby in b is promoted at 1h02m30s
// (an incident of 2m30s, 10s of writes lost). A new standby is then built
// in the first datacenter that runs and has not burned: b is now the
// primary, a burned, so c, ready 24h later, at 25h02m30s.
//
//   - b burns at 30h, after the rebuild: the standby in c is promoted at
//     30h02m30s, another 2m30s incident and 10s of writes; the data
//     survives.
//   - b burns at 10h, before it: no standby and no backup is left, every
//     acknowledged write is lost and the region stays down to the end.
func TestRebuildCompound(t *testing.T) {
	fires := func(second string) string {
		return `
fault "datacenter_fire" "first" {
  at         = "1h"
  datacenter = datacenter.a
}
fault "datacenter_fire" "second" {
  at         = "` + second + `"
  datacenter = datacenter.b
}`
	}
	after := runOne(t, setup{hosting: "async", duration: "48h"}, fires("30h"))
	if after.AllDataLost || !after.Recovered {
		t.Fatalf("second fire after the rebuild: all data lost %v, recovered %v; want survived", after.AllDataLost, after.Recovered)
	}
	if after.Downtime != 2*m+30*s || after.DataLoss != 10*s {
		t.Errorf("second fire after the rebuild: downtime %s, loss window %s; want 2m30s and 10s", after.Downtime, after.DataLoss)
	}
	var rebuilt time.Duration
	for _, ev := range after.Timeline {
		if ev.Kind == engine.EventRebuildDone {
			rebuilt = ev.At
		}
	}
	if rebuilt != 25*h+2*m+30*s {
		t.Errorf("standby rebuilt at %s, want 25h2m30s (failover done at 1h2m30s + 24h)", rebuilt)
	}

	before := runOne(t, setup{hosting: "async", duration: "48h"}, fires("10h"))
	if !before.AllDataLost || before.Recovered {
		t.Errorf("second fire before the rebuild: all data lost %v, recovered %v; want every copy gone", before.AllDataLost, before.Recovered)
	}
}

// TestRebuiltStandbyLastCopy: the last copy named is the standby where it
// was rebuilt, not where the hosting first put it. As in
// TestRebuildCompound, a burns at 1h, b is promoted at 1h02m30s and a new
// standby is ready in c at 25h02m30s. c goes dark at 26h; b, the primary,
// burns at 27h: the standby in c cannot be promoted in the dark; c burns
// at 28h. The standby in c was the last copy: every write is lost at 28h.
func TestRebuiltStandbyLastCopy(t *testing.T) {
	r := runOne(t, setup{hosting: "async", duration: "48h"}, `
fault "datacenter_fire" "first" {
  at         = "1h"
  datacenter = datacenter.a
}
fault "power_outage" "dark" {
  at         = "26h"
  datacenter = datacenter.c
  duration   = "10h"
}
fault "datacenter_fire" "second" {
  at         = "27h"
  datacenter = datacenter.b
}
fault "datacenter_fire" "third" {
  at         = "28h"
  datacenter = datacenter.c
}`)
	var last *engine.Event
	for i, ev := range r.Timeline {
		if ev.Kind == engine.EventWritesLost {
			last = &r.Timeline[i]
		}
	}
	if !r.AllDataLost || last == nil || last.At != 28*h || last.Fault != "datacenter_fire.third" || !strings.Contains(last.Text, "(the standby in c)") {
		logTimeline(t, r)
		t.Fatalf("all data lost %v, last loss %+v; want every write lost at 28h by third, the standby in c", r.AllDataLost, last)
	}
}
