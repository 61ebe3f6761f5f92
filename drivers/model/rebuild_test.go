package model

import (
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
