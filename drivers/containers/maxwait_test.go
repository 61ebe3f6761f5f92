package containers

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// TestMaxWait runs testdata/maxwait.hcl on real stacks and on the model:
// both drivers ask rules.StopWaitingAt, so they give up at the same moment.
//
//   - gives-up: par1 dark 03:00-07:00. At 03:00 + max(max_wait 2h,
//     detection 5m + operator 15m) = 05:00 the operator restores the 02:30
//     backup from lyo1 (provisioning 10m, no data_size): back at 05:10 on
//     the model, 2h10m down; the containers add the measured pg_restore and
//     the service's return (seconds at 1:1; allow 5 min). Lost: the writes
//     of 02:30-03:00, 100,000 x 0.15 x 0.5 = 7,500 an hour x 0.5 h = 3,750,
//     within two rows' spacing on real stacks (a grade every 50 s of
//     experiment time at time_scale 200: 7,500/h x 50 s = 104 each side).
//     The restore goes into lyo1: par2, first of rules.RestoreCandidates
//     (another site), is dark until 05:05, though nothing of this region
//     is there.
//   - power-back: par2 dark 03:00-05:05. The restore started at 05:00 is
//     abandoned when the power comes back at 05:05, and the primary
//     restarts with its data: the model's restart 1m gives 2h06m; the
//     containers measure the WAL recovery (allow 5 min). Nothing lost.
func TestMaxWait(t *testing.T) {
	src, err := os.ReadFile("testdata/maxwait.hcl")
	if err != nil {
		t.Fatal(err)
	}
	exp := parse(t, string(src))
	check := func(t *testing.T, res *engine.Result, slack, rows time.Duration) {
		by := map[string]engine.RegionResult{}
		for _, r := range res.Regions {
			by[r.Region] = r
			t.Logf("%s: recovery %s, downtime %s, lost %d, loss window %s", r.Region, r.Recovery, r.Downtime, r.LostWrites, r.DataLoss)
			for _, e := range r.Timeline {
				t.Logf("    %s %s %s %s (took %s)", e.At, e.Basis, e.Kind, e.Text, e.Took)
			}
		}
		g := by["gives-up"]
		if g.Recovery != engine.RecoveryRestore || g.Downtime < 2*time.Hour+10*time.Minute || g.Downtime > 2*time.Hour+10*time.Minute+slack {
			t.Errorf("gives-up: %s after %s; want a restore after 2h10m (+%s)", g.Recovery, g.Downtime, slack)
		}
		if lost := float64(g.LostWrites); lost < 3750-float64(rows) || lost > 3750+float64(rows) {
			t.Errorf("gives-up: lost %d writes; want 3750 +/- %d", g.LostWrites, rows)
		}
		var stopped, intoLyo1 bool
		for _, e := range g.Timeline {
			stopped = stopped || strings.Contains(e.Text, "stops waiting")
			intoLyo1 = intoLyo1 || e.Kind == engine.EventRestoreStart && strings.Contains(e.Text, "from lyo1 into lyo1")
		}
		if !stopped || !intoLyo1 {
			t.Errorf("gives-up: operator giving up %v, restore from lyo1 into lyo1 %v; want both", stopped, intoLyo1)
		}
		p := by["power-back"]
		lo := 2*time.Hour + 5*time.Minute
		if p.Recovery != engine.RecoveryPowerBack || p.Downtime < lo || p.Downtime > lo+slack || p.LostWrites != 0 {
			t.Errorf("power-back: %s after %s, lost %d; want power back after 2h05m (+%s), nothing lost", p.Recovery, p.Downtime, p.LostWrites, slack)
		}
	}
	t.Run("model", func(t *testing.T) {
		res, err := engine.Run(context.Background(), exp, model.New(), engine.Options{NoBaseline: true})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, time.Minute, 1)
	})
	t.Run("containers", func(t *testing.T) {
		cli := needDocker(t)
		d := New(Options{Platform: docker.New(), Progress: testWriter{t}})
		res, err := engine.Run(context.Background(), exp, d, engine.Options{NoBaseline: true})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, 5*time.Minute, 2*104)
		if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
			t.Errorf("after the run, firedrill left %s", n)
		}
	})
}
