package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunFire is the README's first command, end to end, in JSON.
func TestRunFire(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fire.json")
	code, _, errs := runCLI(t, "run", "testdata/fire.hcl", "--format", "json", "--out", out)
	if code != exitFail {
		t.Fatalf("exit %d, want 1 (some regions fail): %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Schema  string
		Regions []struct {
			Region      string
			AllDataLost bool  `json:"all_data_lost"`
			LostWrites  int64 `json:"lost_writes"`
			Verdict     string
		}
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Schema != "firedrill.report/v1" || len(rep.Regions) != 13 {
		t.Fatalf("schema %q, %d regions", rep.Schema, len(rep.Regions))
	}
	for _, r := range rep.Regions {
		switch r.Region {
		case "hauts-de-france":
			if !r.AllDataLost || r.Verdict != "fail" {
				t.Errorf("same-site backups: %+v", r)
			}
		case "bretagne":
			if r.LostWrites != 0 || r.Verdict != "pass" {
				t.Errorf("sync replication: %+v", r)
			}
		}
	}
	// same seed, same report, byte for byte.
	out2 := filepath.Join(t.TempDir(), "fire.json")
	runCLI(t, "run", "testdata/fire.hcl", "--format", "json", "--out", out2)
	if b2, _ := os.ReadFile(out2); string(b2) != string(b) {
		t.Error("two runs differ")
	}
}

// TestCompareExitCode: compare exits 1 when some region has no offer that
// meets its objectives (its best-ranked offer fails), 0 otherwise.
func TestCompareExitCode(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		// sync fails over in 1m + 30s, within the 1h RTO: it passes, and is
		// the cheapest that does.
		{[]string{"compare", "testdata/offers.hcl", "--format", "markdown"}, exitPass, "Cheapest offer that meets every objective of every region: sync (300 a month)"},
		// single loses its only datacenter: nothing passes.
		{[]string{"compare", "testdata/offers.hcl", "--hosting", "single"}, exitFail, "No offer meets every objective of every region."},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d; output lacks %q?\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}
