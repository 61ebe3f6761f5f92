package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestInvariants throws random compound faults at every hosting of base and
// checks what must hold whatever happens: outages sorted, disjoint and
// inside the horizon; incidents covering them; shares between 0 and 1;
// losses no larger than what was written; a timeline in time order; the
// same answer twice.
func TestInvariants(t *testing.T) {
	hostings := []string{"sync", "sync-async-fallback", "sync6", "async", "lonely", "nightly", "bare", "admission", "small", "rate-limited"}
	kinds := []func(r *rand.Rand) string{
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"datacenter_fire\" \"f%%d\" {\n  at = %q\n  datacenter = datacenter.%s\n}\n", dur(r), dc(r))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"power_outage\" \"f%%d\" {\n  at = %q\n  datacenter = datacenter.%s\n  duration = %q\n}\n", dur(r), dc(r), short(r))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"disk_loss\" \"f%%d\" {\n  at = %q\n  datacenter = datacenter.%s\n}\n", dur(r), dc(r))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"network_partition\" \"f%%d\" {\n  at = %q\n  from = [datacenter.a]\n  to = [datacenter.%s]\n  duration = %q\n}\n", dur(r), []string{"b", "c"}[r.IntN(2)], short(r))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"process_crash\" \"f%%d\" {\n  at = %q\n  regions = [region.r]\n  target = %q\n}\n", dur(r), []string{"app", "database"}[r.IntN(2)])
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"connection_surge\" \"f%%d\" {\n  at = %q\n  regions = [region.r]\n  multiplier = %d\n  ramp = \"10m\"\n  hold = %q\n}\n", dur(r), 2+r.IntN(12), short(r))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("fault \"ddos\" \"f%%d\" {\n  at = %q\n  regions = [region.r]\n  requests_per_second = %d\n  duration = %q\n}\n", dur(r), 1000*(1+r.IntN(50)), short(r))
		},
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 300; i++ {
		hosting := hostings[rng.IntN(len(hostings))]
		var fs strings.Builder
		for j, n := 0, 1+rng.IntN(4); j < n; j++ {
			fmt.Fprintf(&fs, kinds[rng.IntN(len(kinds))](rng), j)
		}
		wl := []string{"w", "mornings"}[rng.IntN(2)]
		name := fmt.Sprintf("%d-%s", i, hosting)
		t.Run(name, func(t *testing.T) {
			r := runOne(t, setup{hosting: hosting, workload: wl, duration: "48h"}, fs.String())
			again := runOne(t, setup{hosting: hosting, workload: wl, duration: "48h"}, fs.String())
			if r.Downtime != again.Downtime || r.LostWrites != again.LostWrites || r.ServedRatio != again.ServedRatio {
				t.Errorf("not deterministic")
			}
			horizon := 48 * time.Hour
			var prev time.Duration
			var out time.Duration
			for _, o := range r.Outages {
				if o.Start < prev || o.End <= o.Start || o.End > horizon {
					t.Errorf("outage %s-%s after %s", o.Start, o.End, prev)
				}
				prev = o.End
				out += o.Len()
			}
			if out != r.OutOfSLO {
				t.Errorf("out of SLO %s, outages sum to %s", r.OutOfSLO, out)
			}
			var covered time.Duration
			for _, in := range r.Incidents {
				covered += in.Len()
				if in.ServedRatio < 0 || in.ServedRatio > 1 {
					t.Errorf("incident served %v", in.ServedRatio)
				}
				if in.Len() > r.Downtime && in.FaultCaused {
					t.Errorf("fault-caused incident %s longer than downtime %s", in.Len(), r.Downtime)
				}
			}
			if covered < out {
				t.Errorf("incidents cover %s of %s out of SLO", covered, out)
			}
			if r.ServedRatio < 0 || r.ServedRatio > 1 || r.Availability < 0 || r.Availability > 100 {
				t.Errorf("served %v availability %v", r.ServedRatio, r.Availability)
			}
			// at most 10,000 writes an hour before t0 (a window reaches back
			// at most a day, to the nightly backup), and never more lost
			// than that plus what the horizon acknowledged.
			if max := r.AckedWrites + 10000*24 + 1; r.LostWrites > max || r.LostWrites < 0 {
				t.Errorf("lost %d writes, more than %d ever written", r.LostWrites, max)
			}
			// surges bring up to 13x the users, who write as much.
			if r.AckedWrites > 13*10000*48+1 {
				t.Errorf("acknowledged %d writes, more than 13 x 10,000 an hour", r.AckedWrites)
			}
			if r.AllDataLost && r.Recovered {
				t.Errorf("all data lost, yet recovered")
			}
			for k := 1; k < len(r.Timeline); k++ {
				if r.Timeline[k].At < r.Timeline[k-1].At {
					t.Errorf("timeline out of order at %d", k)
				}
			}
			if t.Failed() {
				t.Log(fs.String())
				for _, e := range r.Timeline {
					t.Logf("%10s %-18s %s", e.At, e.Kind, e.Text)
				}
			}
		})
	}
}

func dur(r *rand.Rand) string   { return (time.Duration(r.IntN(40*3600)) * time.Second).String() }
func short(r *rand.Rand) string { return (time.Duration(60+r.IntN(6*3600)) * time.Second).String() }
func dc(r *rand.Rand) string    { return []string{"a", "a", "b", "c"}[r.IntN(4)] }
