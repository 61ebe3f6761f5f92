package reports

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestJUnitStableNames: a test case is named by its objective alone, so
// that a changed target keeps the test's history in a CI dashboard; the
// target goes to the case's output and failure message.
func TestJUnitStableNames(t *testing.T) {
	for _, tc := range cases {
		var doc junitSuites
		if err := xml.Unmarshal(render(t, "junit", tc.run, tc.cmp), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Suites {
			for _, c := range s.Cases {
				name := strings.TrimSpace(c.Name[strings.LastIndex(c.Name, ": ")+1:])
				switch name {
				case "rto", "rpo", "availability", "latency_p95", "latency_p99", "recovered":
				default:
					t.Errorf("%s: case %q embeds more than its objective", tc.name, c.Name)
				}
				if name != "recovered" && !strings.Contains(c.Output, "target") {
					t.Errorf("%s: case %q does not give its target: %q", tc.name, c.Name, c.Output)
				}
			}
		}
	}
}
