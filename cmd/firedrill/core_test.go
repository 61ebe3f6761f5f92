package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareDuplicateHosting: an offer named twice is refused, not ranked
// against itself.
func TestCompareDuplicateHosting(t *testing.T) {
	code, out, errs := runCLI(t, "compare", "testdata/offers.hcl", "--hosting", "single, single")
	if code != exitInvalid || out != "" || !strings.Contains(errs, `--hosting names "single" twice`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestFmtCheckStdinSays: fmt --check - names standard input when it would
// change it, as it names files.
func TestFmtCheckStdinSays(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"fmt", "--check", "-"}, strings.NewReader("experiment \"x\" {\nduration=\"1h\"\n}\n"), &out, &errb)
	if code != exitFail || out.String() != stdinName+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out.String(), errb.String(), stdinName)
	}
}

// TestValidateDirectory: validate takes directories as fmt does, every
// .hcl file under them except in hidden and testdata directories.
func TestValidateDirectory(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/warn.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.hcl", "sub/b.hcl", "testdata/broken.hcl", ".hidden/broken.hcl"} {
		body := src
		if strings.Contains(p, "broken") {
			body = []byte("experiment {")
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCLI(t, "validate", dir)
	if code != exitPass || strings.Count(out, "is valid") != 2 {
		t.Errorf("exit %d, stdout %q, stderr %q; want both files valid", code, out, errs)
	}
	empty := t.TempDir()
	if code, _, errs := runCLI(t, "validate", empty); code != exitInvalid || !strings.Contains(errs, "no .hcl file") {
		t.Errorf("empty directory: exit %d, stderr %q", code, errs)
	}
}

// TestValidateStrict: --strict fails on warnings (exit 1), and passes a
// file without any.
func TestValidateStrict(t *testing.T) {
	code, _, errs := runCLI(t, "validate", "--strict", "testdata/warn.hcl")
	if code != exitFail || !strings.Contains(errs, "Backup beside the primary") || !strings.Contains(errs, "1 warning(s) with --strict") {
		t.Errorf("warn.hcl: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "validate", "--strict", "testdata/offers.hcl"); code != exitPass {
		t.Errorf("offers.hcl: exit %d, stderr %q", code, errs)
	}
}

// TestSeedFlag: --seed replaces the experiment's seed, in the report and
// in the draws; out of range is a usage error.
func TestSeedFlag(t *testing.T) {
	seedOf := func(args ...string) (int64, string) {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"run", "testdata/offers.hcl", "--format", "json"}, args...)...)
		if code != exitPass && code != exitFail {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var r struct {
			Experiment struct {
				Seed int64 `json:"seed"`
			} `json:"experiment"`
			Faults []struct {
				AtSeconds float64 `json:"at_seconds"`
			} `json:"faults"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		at, _ := json.Marshal(r.Faults)
		return r.Experiment.Seed, string(at)
	}
	s0, at0 := seedOf()
	s7, at7 := seedOf("--seed", "7")
	if s7 != 7 || s0 == 7 {
		t.Errorf("seed %d without --seed, %d with --seed 7", s0, s7)
	}
	if at0 == at7 {
		t.Errorf("the draw of fault times did not change with the seed: %s", at0)
	}
	for _, bad := range []string{"-1", "9007199254740993", "x"} {
		if code, _, errs := runCLI(t, "run", "testdata/offers.hcl", "--seed", bad); code != exitInvalid || !strings.Contains(errs, "--seed") {
			t.Errorf("--seed %s: exit %d, stderr %q", bad, code, errs)
		}
	}
}

// TestTrialsWithoutRange: several trials of an experiment whose faults
// all start at fixed times are identical; run says so.
func TestTrialsWithoutRange(t *testing.T) {
	_, _, errs := runCLI(t, "run", "testdata/fire.hcl", "--trials", "3")
	if !strings.Contains(errs, "--trials 3: no fault of testdata/fire.hcl has a range of start times") {
		t.Errorf("no warning:\n%s", errs)
	}
	_, _, errs = runCLI(t, "run", "testdata/offers.hcl", "--trials", "3")
	if strings.Contains(errs, "range of start times") {
		t.Errorf("warning for a file with a range:\n%s", errs)
	}
}
