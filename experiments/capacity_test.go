package experiments

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// TestCapacityWarning: 100,000 users x 0.1 online x peak level 1 x 4
// requests a minute = 667 req/s. One replica at 400 req/s is overloaded
// every day; two at 400 (800) are not; with max_sessions = 5,000 the
// admitted 5,000 x 4/60 = 333 req/s fit but 5,000 users are turned away.
func TestCapacityWarning(t *testing.T) {
	for _, tc := range []struct {
		name, hosting string
		want          []string
	}{
		{"overloaded", "app_replicas = 1", []string{"Overloaded with no fault", "demands 667 req/s", "400 req/s of capacity", "1 app replicas x 400 req/s"}},
		{"enough", "app_replicas = 2", nil},
		{"turned away", "app_replicas = 1\n  max_sessions = 5000", []string{"Users turned away with no fault", "turns 5000 of them away"}},
		// max_sessions = 20,000 admits 20,000 x 4/60 = 1,333 req/s, over
		// the 800 of two replicas: the peak's 667 fits, a surge past
		// 12,000 online (800 / (4/60)) would collapse.
		{"admits more than the servers carry", "app_replicas = 2\n  max_sessions = 20000", []string{"Admission control above capacity", "max_sessions = 20000 admits up to 1333 req/s", "against 800 req/s of capacity", "at most 12000 sessions"}},
		{"admits what the servers carry", "app_replicas = 2\n  max_sessions = 12000", nil},
		// the region has no latency objective: its users wait 2 s.
		{"sheds", "app_replicas = 2\n  queue_timeout = \"1s\"", nil},
		{"queue bound past patience", "app_replicas = 2\n  queue_timeout = \"2s\"", []string{"Queue bound past the users' patience", "queue_timeout = 2s", "users wait 2s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `
experiment "t" {
  duration = "1d"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s"
}
hosting "h" {
  primary = datacenter.a
  ` + tc.hosting + `
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users    = 100000
  hosting  = hosting.h
  workload = workload.w
}
`
			_, diags := Parse([]byte(src), "t.hcl", nil)
			var warns []string
			for _, d := range diags {
				if d.Severity == hcl.DiagWarning {
					warns = append(warns, d.Summary+": "+d.Detail+" @ "+d.Subject.String())
				}
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if tc.want == nil {
				if len(warns) > 0 {
					t.Errorf("unexpected warnings %q", warns)
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("warnings %q, want one", warns)
			}
			for _, w := range tc.want {
				if !strings.Contains(warns[0], w) {
					t.Errorf("warning %q lacks %q", warns[0], w)
				}
			}
			// the region block opens on line 17, or 18 after the two-line
			// hosting body.
			if line := strings.Count(src[:strings.Index(src, "region \"r\"")], "\n") + 1; !strings.Contains(warns[0], "t.hcl:"+strconv.Itoa(line)+",") {
				t.Errorf("warning %q does not point at the region block", warns[0])
			}
		})
	}
}

// TestPatience: users wait at least least (the prober 1 s, users 2 s), or
// twice the region's largest latency objective.
func TestPatience(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		o     Objectives
		least time.Duration
		want  time.Duration
	}{
		{Objectives{}, time.Second, time.Second},
		{Objectives{}, UserPatience, 2 * time.Second},
		{Objectives{LatencyP95: 300 * ms}, time.Second, time.Second},
		// 2 x max(2 s, 5 s) = 10 s
		{Objectives{LatencyP95: 2 * time.Second, LatencyP99: 5 * time.Second}, UserPatience, 10 * time.Second},
	} {
		if got := tc.o.Patience(tc.least); got != tc.want {
			t.Errorf("%+v.Patience(%s) = %s, want %s", tc.o, tc.least, got, tc.want)
		}
	}
}

// TestSuccess: success_ratio as given, or the default 0.95 when a struct
// was built without the decoder.
func TestSuccess(t *testing.T) {
	if got := (Objectives{}).Success(); got != 0.95 {
		t.Errorf("no success_ratio: %g, want 0.95", got)
	}
	if got := (Objectives{SuccessRatio: 0.9}).Success(); got != 0.9 {
		t.Errorf("success_ratio 0.9: %g, want 0.9", got)
	}
}
