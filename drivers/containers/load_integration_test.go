package containers

import (
	"context"
	"os"
	"testing"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/engine"
)

// TestLoad surges four regions and floods three others on real stacks
// whose load is mapped to their measured capacity (testdata/load.hcl has
// the arithmetic of each region's demand and capacity).
func TestLoad(t *testing.T) {
	cli := needDocker(t)
	src, err := os.ReadFile("testdata/load.hcl")
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{Platform: docker.New(), Progress: testWriter{t}})
	res, err := engine.Run(context.Background(), parse(t, string(src)), d, engine.Options{NoBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Regions {
		t.Logf("%s: recovery %s, downtime %s, served ratio %.3f, availability %.2f%%", r.Region, r.Recovery, r.Downtime, r.ServedRatio, r.Availability)
		for _, o := range r.Outages {
			t.Logf("    outage %s - %s %s cause %v demanded %.0f delivered %.0f", o.Start, o.End, o.State, o.Cause, o.Demanded, o.Delivered)
		}
	}
	for _, n := range res.Notes {
		t.Log(n)
	}
	if n := leftovers(t, cli, d.Last.Run); n != (docker.Removed{}) {
		t.Errorf("after the run, firedrill left %s", n)
	}
	share := map[string]float64{}
	passed := map[string]float64{}
	for _, p := range d.Last.Loads {
		// The users' daily demand is a phase of its own (TestDaily checks
		// it); these figures are the surge's and the flood's.
		if p.fault == dailyPhase {
			continue
		}
		share[p.region] = p.servedShare()
		if p.bots > 0 {
			passed[p.region] = float64(p.botsPassed) / float64(p.bots)
		}
	}
	t.Logf("served shares at the effects' height: %v; attack share that reached the app: %v", share, passed)

	// The surge: demand 3 x 166.7 = 500 requests/s.
	//   none: 2.5 x its 200 requests/s capacity, no admission control: the
	//     queue grows at 300 requests/s, and after 2 s x 200 / 300 = 1.3 s
	//     (measured at 1:1) every answer comes after its user gave up:
	//     throughput collapses (the model serves 0 %).
	//   admission: admits 3,000 of 7,500 users = 40 % and serves them.
	//   shedding: the edge holds what waits for the server and turns it
	//     away after 1 s: the server serves its 200 of 500, 40 % (the
	//     model: 200 / 500 = 40 %).
	//   spare: 500 of 584 requests/s, 86 % of capacity: all served.
	// Measured (2 CPU host, 510 s): none 0 %, admission 39.7 %, shedding
	// 38.7 % (worst p95 1 s: the answered waited the bound), spare 100 %;
	// flood none 0.2 %, rate_limit and scrubbing 100 %.
	if s := share["none"]; s >= 0.20 {
		t.Errorf("surge without admission control: %.1f%% served; want a collapse under 20%%", 100*s)
	}
	if s := share["admission"]; s < 0.30 || s > 0.50 {
		t.Errorf("surge with admission control: %.1f%% served; want about the 40%% admitted (30-50%%)", 100*s)
	}
	if s := share["shedding"]; s < 0.30 || s > 0.50 || s < share["none"]+0.2 {
		t.Errorf("surge on a shedding edge: %.1f%% served; want about the 40%% the server holds (30-50%%), well above the collapse's %.1f%%", 100*s, 100*share["none"])
	}
	if s := share["spare"]; s < 0.95 {
		t.Errorf("surge on spare capacity: %.1f%% served; want at least 95%%", 100*s)
	}
	// The flood: 500 requests/s of attack on 200 of capacity, users asking
	// 83.3.
	//   none: all of it reaches the app, 583 = 2.9 x capacity: collapse
	//     (the model: 0 %).
	//   rate_limit: 10 % passes, 83.3 + 50 = 133 = 67 %: served.
	//   scrubbing: 0.1 % passes, 83.8 = 42 %: served.
	// Ordered as on the model: none < rate_limit <= scrubbing.
	if s := share["flood-none"]; s >= 0.20 || s >= share["flood-rate-limit"] {
		t.Errorf("flood without protection: %.1f%% served; want a collapse under 20%%, below rate_limit's %.1f%%", 100*s, 100*share["flood-rate-limit"])
	}
	if s := share["flood-rate-limit"]; s < 0.90 {
		t.Errorf("flood behind rate limiting: %.1f%% served; want at least 90%%", 100*s)
	}
	if s := share["flood-scrubbing"]; s < 0.95 || s < share["flood-rate-limit"]-0.02 {
		t.Errorf("flood behind scrubbing: %.1f%% served; want at least 95%% and no less than rate_limit", 100*s)
	}
	if p := passed["flood-rate-limit"]; p < 0.05 || p > 0.2 {
		t.Errorf("rate limiting let %.1f%% of the attack through; want about 10%%", 100*p)
	}
	if p := passed["flood-scrubbing"]; p > 0.01 {
		t.Errorf("scrubbing let %.2f%% of the attack through; want about 0.1%%", 100*p)
	}
	if p := passed["flood-none"]; p < 0.5 {
		t.Errorf("without protection %.1f%% of the attack reached the app; want all that the app answered", 100*p)
	}
	// Admission control shows as a degraded outage, not a down one.
	for _, r := range res.Regions {
		if r.Region != "admission" {
			continue
		}
		degraded := false
		for _, o := range r.Outages {
			degraded = degraded || o.State == engine.StateDegraded
		}
		if !degraded {
			t.Errorf("admission: outages %+v; want a degraded one during the surge", r.Outages)
		}
	}
}
