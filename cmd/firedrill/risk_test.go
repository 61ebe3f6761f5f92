package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/firedrill/firedrill/reports"
)

// TestRiskExitCode: risk exits 0 when every region has an offer that meets
// its annual objectives, 1 when one has none, 2 on bad input or usage.
func TestRiskExitCode(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"risk", "testdata/risk.hcl", "--years", "500"}, exitPass, "r: cheapest offer meeting every annual objective: sync"},
		// a fire in 1.98 % of years loses everything on single: over the
		// 1 % the objective allows.
		{[]string{"risk", "testdata/risk.hcl", "--years", "500", "--hosting", "single", "--format", "markdown"}, exitFail, "r: no offer meets every annual objective."},
		{[]string{"risk", "testdata/risk.hcl", "--format", "junit"}, exitInvalid, "risk writes html, json, markdown, table"},
		{[]string{"risk", "testdata/risk.hcl", "--years", "0"}, exitInvalid, "--years must be at least 1"},
		{[]string{"risk", "testdata/risk.hcl", "testdata/offers.hcl"}, exitInvalid, "exactly one"},
		{[]string{"risk", "testdata/risk.hcl", "--hosting", "nope"}, exitInvalid, `no hosting "nope"`},
		{[]string{"risk", "../../experiments/testdata/bad/bad_frequency.hcl"}, exitInvalid, "bad_frequency.hcl:32:16: error: Invalid frequency"},
		{[]string{"help", "risk"}, exitPass, "--years N"},
		// two targets every hour: 2 x 8,760 = 17,520 occurrences a year.
		{[]string{"risk", "testdata/too-frequent.hcl"}, exitInvalid, "17520 occurrences a year; at most 10000"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want %d; output lacks %q?\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}

// TestRiskReports: the same seed gives the same report byte for byte; the
// JSON follows firedrill.risk/v1 and the HTML parses.
func TestRiskReports(t *testing.T) {
	dir := t.TempDir()
	var first []byte
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, "risk.json")
		if code, _, errs := runCLI(t, "risk", "testdata/risk.hcl", "--years", "300", "--format", "json", "--out", out); code != exitPass {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if first != nil && string(b) != string(first) {
			t.Fatal("same seed, different reports")
		}
		first = b
	}
	var doc struct {
		Schema  string `json:"schema"`
		Regions []struct {
			Region, Hosting   string
			Years             int `json:"years"`
			YearsWithIncident int `json:"years_with_incident"`
			Downtime          struct {
				Mean, P50, P95, P99, StdErr *float64
			} `json:"annual_downtime_seconds"`
			Availability struct{ Mean, P5 *float64 }     `json:"annual_availability"`
			PRTO         *struct{ Mean float64 }         `json:"p_rto_breach"`
			PTotalLoss   *struct{ Mean float64 }         `json:"p_total_loss"`
			ALE          *struct{ Mean, StdErr float64 } `json:"annual_loss_expectancy"`
			TCO          *struct{ Mean float64 }         `json:"total_cost_of_ownership"`
			Rank         int                             `json:"rank"`
		} `json:"regions"`
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != reports.RiskSchema || len(doc.Regions) != 2 {
		t.Fatalf("schema %q with %d rows", doc.Schema, len(doc.Regions))
	}
	for _, r := range doc.Regions {
		if r.Years != 300 || r.Downtime.Mean == nil || r.Downtime.P99 == nil || r.Availability.P5 == nil || r.PRTO == nil || r.PTotalLoss == nil || r.ALE == nil || r.TCO == nil || r.Rank == 0 {
			t.Errorf("row %s/%s misses figures: %+v", r.Region, r.Hosting, r)
		}
		// single loses everything in 1 - e^-0.02 = 1.98 % of years.
		if r.Hosting == "single" && (r.PTotalLoss.Mean < 0.0197 || r.PTotalLoss.Mean > 0.0199) {
			t.Errorf("single: P(total loss) = %g, want 1.98 %%", r.PTotalLoss.Mean)
		}
	}

	code, out, errs := runCLI(t, "risk", "testdata/risk.hcl", "--years", "300", "--format", "html")
	if code != exitPass {
		t.Fatalf("html: exit %d: %s", code, errs)
	}
	if _, err := html.Parse(strings.NewReader(out)); err != nil || !strings.Contains(out, "Loss exceedance") {
		t.Errorf("html report does not parse or lacks its charts: %v", err)
	}
}
