package main

import (
	"bytes"
	"context"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, exitInvalid, "Usage"},
		{"unknown command", []string{"burn"}, exitInvalid, `unknown command "burn"`},
		{"run without files", []string{"run"}, exitInvalid, "name at least one experiment file"},
		{"unknown flag", []string{"run", "x.hcl", "--frobnicate"}, exitInvalid, "frobnicate"},
		{"unknown format", []string{"run", "testdata/fire.hcl", "--format", "pdf"}, exitInvalid, `unknown format "pdf"`},
		{"zero trials", []string{"run", "testdata/fire.hcl", "--trials", "0"}, exitInvalid, "--trials must be at least 1"},
		{"unknown driver", []string{"run", "testdata/fire.hcl", "--driver", "vm"}, exitInvalid, `unknown driver "vm"`},
		{"bad var syntax", []string{"run", "testdata/fire.hcl", "--var", "novalue"}, exitInvalid, "want NAME=VALUE"},
		{"unknown var", []string{"validate", "testdata/fire.hcl", "--var", "nope=1"}, exitInvalid, "declares no such variable"},
		{"missing file", []string{"validate", "nope.hcl"}, exitInvalid, "Cannot read experiment file"},
		{"compare two files", []string{"compare", "a.hcl", "b.hcl"}, exitInvalid, "exactly one"},
		{"compare unknown hosting", []string{"compare", "testdata/offers.hcl", "--hosting", "offer-z"}, exitInvalid, `no hosting "offer-z"`},
		{"flag without value", []string{"run", "testdata/fire.hcl", "--out"}, exitInvalid, "flag needs an argument: --out"},
		{"single-dash flags still work", []string{"run", "testdata/fire.hcl", "-format", "pdf"}, exitInvalid, `unknown format "pdf"`},
		{"extra arguments", []string{"version", "x"}, exitInvalid, "takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Errorf("output does not contain %q:\nstdout: %s\nstderr: %s", tc.want, out, errs)
			}
		})
	}
}

// TestBadFilesRunNothing checks that every bad file exits 2 with a
// file:line:column diagnostic and never reaches a driver.
func TestBadFilesRunNothing(t *testing.T) {
	files, _ := filepath.Glob("../../experiments/testdata/bad/*.hcl")
	if len(files) == 0 {
		t.Fatal("no bad files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report.json")
			code, _, errs := runCLI(t, "run", f, "--format", "json", "--out", out)
			if code != exitInvalid {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errs, filepath.ToSlash(f)+":") || !strings.Contains(errs, "nothing was run") {
				t.Errorf("stderr lacks file:line:column or the nothing-run note:\n%s", errs)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a report was written for a bad file")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	code, out, _ := runCLI(t, "validate", "testdata/fire.hcl", "testdata/offers.hcl")
	if code != exitPass || !strings.Contains(out, `"ovh-sbg-fire-2021" is valid: 13 region(s)`) || !strings.Contains(out, `"offers" is valid: 1 region(s), 2 hosting(s)`) {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	messy := "experiment \"x\" {\nduration=\"1h\"\n   seed = 3\n}\n"
	p := filepath.Join(dir, "x.hcl")
	os.WriteFile(p, []byte(messy), 0o644)
	if code, out, _ := runCLI(t, "fmt", "--check", dir); code != exitFail || !strings.Contains(out, "x.hcl") {
		t.Errorf("fmt --check: exit %d, out %q", code, out)
	}
	if b, _ := os.ReadFile(p); string(b) != messy {
		t.Error("fmt --check changed the file")
	}
	if code, _, _ := runCLI(t, "fmt", dir); code != exitPass {
		t.Errorf("fmt: exit %d", code)
	}
	b, _ := os.ReadFile(p)
	if want := "experiment \"x\" {\n  duration = \"1h\"\n  seed     = 3\n}\n"; string(b) != want {
		t.Errorf("formatted:\n%s\nwant:\n%s", b, want)
	}
	if code, _, _ := runCLI(t, "fmt", "--check", dir); code != exitPass {
		t.Errorf("second fmt --check: exit %d", code)
	}
	os.WriteFile(p, []byte("experiment \"x\" {\n"), 0o644)
	if code, _, errs := runCLI(t, "fmt", dir); code != exitInvalid || !strings.Contains(errs, "x.hcl:1:") {
		t.Errorf("fmt on a broken file: exit %d, %s", code, errs)
	}
}

// TestLibraryFormatted keeps the shipped experiments in canonical style.
func TestLibraryFormatted(t *testing.T) {
	if code, out, errs := runCLI(t, "fmt", "--check", "../../experiments"); code != exitPass {
		t.Errorf("experiments not formatted (run firedrill fmt experiments/): %s%s", out, errs)
	}
}

// TestGofmt keeps the repository gofmt-clean, so that CI catches it.
func TestGofmt(t *testing.T) {
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "../.." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if !bytes.Equal(got, src) {
			t.Errorf("%s is not gofmt-ed", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFaultsListed(t *testing.T) {
	code, out, _ := runCLI(t, "faults")
	if code != exitPass || !strings.Contains(out, "datacenter_fire") || !strings.Contains(out, "site_outage") {
		t.Errorf("exit %d: %s", code, out)
	}
}
