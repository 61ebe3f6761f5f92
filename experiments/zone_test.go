package experiments

import (
	"strings"
	"testing"
	"time"
)

// TestTimezoneDecode: a start without an offset is read on the zone's
// clock; a start whose offset is not the zone's at that instant keeps the
// instant, with a warning; no timezone keeps the fixed offset.
func TestTimezoneDecode(t *testing.T) {
	const rest = `
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
workload "w" {
  peak_concurrency = 0.1
}
hosting "h" {
  primary = datacenter.a
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
`
	for _, c := range []struct {
		name, head string
		utc        string // the start instant, in UTC
		zone       string // the start's zone name
		warn       string
	}{
		// 28 March 2021 04:00 in Paris is CEST, +02:00: 02:00 UTC.
		{"no offset, on the zone's clock", `start = "2021-03-28T04:00:00"
  timezone = "Europe/Paris"`, "2021-03-28T02:00:00Z", "CEST", ""},
		// +01:00 is CET, but on 28 March at 04:00 Paris is on CEST.
		{"an offset that is not the zone's", `start = "2021-03-28T04:00:00+01:00"
  timezone = "Europe/Paris"`, "2021-03-28T03:00:00Z", "CEST", "Offset not the time zone's"},
		{"fixed offset", `start = "2021-03-28T04:00:00+01:00"`, "2021-03-28T03:00:00Z", "", ""},
		// the default start, midnight 3 January 2000, on Paris's clock
		// (CET): 23:00 UTC the day before.
		{"default start in the zone", `timezone = "Europe/Paris"`, "2000-01-02T23:00:00Z", "CET", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "experiment \"x\" {\n  duration = \"1d\"\n  " + c.head + "\n}\n" + rest
			e, diags := Parse([]byte(src), "x.hcl", nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := e.Start.UTC().Format(time.RFC3339); got != c.utc {
				t.Errorf("start %s, want %s", got, c.utc)
			}
			if name, _ := e.Start.Zone(); name != c.zone {
				t.Errorf("zone %q, want %q", name, c.zone)
			}
			var warns []string
			for _, d := range diags {
				warns = append(warns, d.Summary)
			}
			if got := strings.Join(warns, "; "); got != c.warn {
				t.Errorf("warnings %q, want %q", got, c.warn)
			}
		})
	}
}
