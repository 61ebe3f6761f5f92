package experiments

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// TestMaxWaitDecode: max_wait is a duration longer than zero, and a hosting
// that has no backup outside its primary's datacenter is warned that it
// will wait for the power anyway; each diagnostic names its line and column.
func TestMaxWaitDecode(t *testing.T) {
	const head = `experiment "x" {
  duration = "1d"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
`
	for _, c := range []struct {
		name, hosting string
		want          time.Duration
		diag          string // "" for none
	}{
		{"set", `hosting "h" {
  primary  = datacenter.a
  max_wait = "6h"
  backup {
    every = "24h"
    to    = datacenter.b
  }
}`, 6 * time.Hour, ""},
		{"zero", `hosting "h" {
  primary  = datacenter.a
  max_wait = "0s"
  backup {
    every = "24h"
    to    = datacenter.b
  }
}`, 0, "x.hcl:23:14: error: Invalid duration"},
		{"nothing elsewhere", `hosting "h" {
  primary  = datacenter.a
  max_wait = "6h"
  backup {
    every = "24h"
    to    = datacenter.a
  }
}`, 6 * time.Hour, "x.hcl:23:14: warning: max_wait without a backup elsewhere"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, diags := Parse([]byte(head+c.hosting), "x.hcl", nil)
			var got []string
			for _, d := range diags {
				sev := "error"
				if d.Severity != hcl.DiagError {
					sev = "warning"
				}
				if d.Subject != nil && !strings.Contains(d.Summary, "Backup beside") {
					got = append(got, fmt.Sprintf("%s:%d:%d: %s: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary))
				}
			}
			if c.diag == "" && len(got) > 0 || c.diag != "" && (len(got) != 1 || got[0] != c.diag) {
				t.Errorf("diagnostics %q, want %q", got, c.diag)
			}
			if c.diag == "" || strings.Contains(c.diag, "warning") {
				if e == nil || e.Hostings[0].MaxWait != c.want {
					t.Errorf("max_wait decoded wrong: %+v", e)
				}
			}
		})
	}
}
