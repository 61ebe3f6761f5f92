package model

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// TestTimezoneAcrossMarchChange: in Europe/Paris the clocks jump from 02:00
// CET to 03:00 CEST on 28 March 2021 (01:00 UTC). The experiment starts on
// 27 March at 00:00 CET (26 March 23:00 UTC) for 48 h, with the "mornings"
// profile (0.2 of the peak, 1.0 from 08:00 to 10:00 local, 1-minute
// ramps): 10,000 writes an hour at the peak. A nightly backup at 03:00
// local into c; a fire in a at +31h = 28 March 06:00 UTC = 08:00 CEST.
//
// With the zone: the 28 March backup runs at 03:00 CEST = 01:00 UTC =
// +26h: a 5 h window (03:00 to 08:00 CEST) of 0.2 x 4h59m + 0.6 x 1m =
// 1.00667 peak-hours: 10,067 writes lost. Restored after 5m + 1h + 38m20s.
// With a fixed +01:00 the backup is at 03:00 CET = 02:00 UTC = +27h: a 4 h
// window, and +31h is 07:00 on that clock (0.2 x 4h: 8,000 writes).
func TestTimezoneAcrossMarchChange(t *testing.T) {
	for _, c := range []struct {
		name, zone string
		window     float64 // hours
		lost       float64
	}{
		{"Europe/Paris", `timezone = "Europe/Paris"`, 5, 10000 * (0.2*(4+59.0/60) + 0.6/60)},
		{"fixed +01:00", ``, 4, 8000},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, "DURATION", "48h", 1)
			src = strings.Replace(src, `start    = "2021-03-10T00:00:00+01:00"`, `start    = "2021-03-27T00:00:00+01:00"`+"\n  "+c.zone, 1)
			src += `
hosting "nightly3" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "24h"
    at    = "03:00"
    to    = datacenter.c
  }
}
region "r" {
  users     = 100000
  data_size = "100GB"
  hosting   = hosting.nightly3
  workload  = workload.mornings
}
fault "datacenter_fire" "x" {
  at         = "31h"
  datacenter = datacenter.a
}`
			e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			res, err := engine.Run(context.Background(), e, New(), engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Regions[0]
			if r.DataLoss.Hours() != c.window || math.Abs(float64(r.LostWrites)-c.lost) > 1 || r.Downtime != h+43*m+20*s {
				logTimeline(t, r)
				t.Errorf("window %s, lost %d, down %s; want %gh, %.0f, 1h43m20s", r.DataLoss, r.LostWrites, r.Downtime, c.window, c.lost)
			}
		})
	}
}
