package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

func newValidateFlags() (*flag.FlagSet, varFlags, *bool) {
	fs := newFlagSet("validate")
	vars := varFlags{}
	fs.Var(vars, "var", "override a variable's default with `NAME=VALUE` (repeatable)")
	strict := fs.Bool("strict", false, "fail (exit 1) when there are warnings")
	return fs, vars, strict
}

// cmdValidate checks files, and the .hcl files under directories, without
// running anything and prints every diagnostic in full, warnings included.
// With --strict a warning fails it.
func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, vars, strict := newValidateFlags()
	paths, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, commandFlags["validate"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if len(paths) == 0 {
		return exitInvalid, usageErr("validate: name at least one experiment file")
	}
	var files []string
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			files = append(files, p) // the decoder says what is wrong with it
			continue
		}
		found, err := hclFiles(p)
		if err != nil {
			return exitInvalid, usageErr("validate: %v", err)
		}
		if len(found) == 0 {
			return exitInvalid, usageErr("validate: no .hcl file in %s", p)
		}
		files = append(files, found...)
	}
	var all hcl.Diagnostics
	for _, f := range files {
		e, diags := experiments.LoadContext(ctx, f, vars)
		if ctx.Err() != nil {
			return exitInterrupted, errInterrupted
		}
		all = append(all, diags...)
		if !diags.HasErrors() {
			fmt.Fprintf(stdout, "%s: experiment %q is valid: %d region(s), %d hosting(s), %d fault(s) over %s\n",
				f, e.Name, len(e.Regions), len(e.Hostings), len(e.Faults), faults.FormatDuration(e.Duration))
		}
	}
	experiments.WriteDiagnostics(stderr, all, 78, isTerminal(stderr))
	if all.HasErrors() {
		return exitInvalid, usageErr("%d error(s)", countErrors(all))
	}
	if n := len(all); *strict && n > 0 {
		return exitFail, &exitError{code: exitFail, err: fmt.Errorf("%d warning(s) with --strict", n)}
	}
	return exitPass, nil
}

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}

func newFmtFlags() (*flag.FlagSet, *bool) {
	fs := newFlagSet("fmt")
	check := fs.Bool("check", false, "list the files that are not formatted and exit 1, changing nothing")
	return fs, check
}

// stdinName names standard input in diagnostics.
const stdinName = "<stdin>"

// cmdFmt rewrites experiment files in the canonical HCL style, like
// terraform fmt. With --check it only lists the files that would change;
// "-" formats standard input onto standard output.
func cmdFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	flags, check := newFmtFlags()
	paths, err := parseArgs(flags, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, flags, commandFlags["fmt"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if slices.Contains(paths, "-") {
		if len(paths) > 1 {
			return exitInvalid, usageErr("fmt: - (standard input) cannot be combined with other paths")
		}
		return fmtStdin(stdin, stdout, stderr, *check)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return exitInvalid, usageErr("fmt: %v", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		found, err := hclFiles(p)
		if err != nil {
			return exitInvalid, usageErr("fmt: %v", err)
		}
		files = append(files, found...)
	}
	unformatted := 0
	var all hcl.Diagnostics
	for _, f := range files {
		src, diags := experiments.ReadSource(f)
		if diags.HasErrors() {
			all = append(all, diags...)
			continue
		}
		out, diags := formatHCL(src, f)
		if diags.HasErrors() {
			all = append(all, diags...)
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		unformatted++
		fmt.Fprintln(stdout, f)
		if !*check {
			if err := os.WriteFile(f, out, 0o644); err != nil {
				return exitInfra, infraErr(fmt.Errorf("fmt: %w", err))
			}
		}
	}
	if all.HasErrors() {
		experiments.WriteDiagnostics(stderr, all, 78, isTerminal(stderr))
		return exitInvalid, usageErr("fmt: %d error(s)", countErrors(all))
	}
	if *check && unformatted > 0 {
		return exitFail, nil
	}
	return exitPass, nil
}

// hclFiles lists the .hcl files under dir. Like the go tool, it skips
// hidden and testdata directories: the latter holds deliberately broken
// files.
func hclFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".hcl") {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// formatHCL formats one file's source. hclwrite.Format does not check
// syntax, and its parser recurses like the other: the source is checked
// first, and a file that does not parse is never rewritten.
func formatHCL(src []byte, name string) ([]byte, hcl.Diagnostics) {
	if diags := experiments.CheckSource(src, name); diags.HasErrors() {
		return nil, diags
	}
	if _, diags := hclwrite.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// fmtStdin formats standard input onto standard output, like
// terraform fmt -. With --check it writes nothing and exits 1 when the
// input is not formatted.
func fmtStdin(stdin io.Reader, stdout, stderr io.Writer, check bool) (int, error) {
	src, err := io.ReadAll(io.LimitReader(stdin, experiments.MaxFileSize+1))
	if err != nil {
		return exitInfra, infraErr(fmt.Errorf("fmt: read standard input: %w", err))
	}
	out, diags := formatHCL(src, stdinName)
	if diags.HasErrors() {
		experiments.WriteDiagnosticsWith(stderr, diags, map[string][]byte{stdinName: src}, 78, isTerminal(stderr))
		return exitInvalid, usageErr("fmt: %d error(s) in standard input", countErrors(diags))
	}
	if check {
		if !bytes.Equal(src, out) {
			// named as --check names files, so that a script sees why.
			fmt.Fprintln(stdout, stdinName)
			return exitFail, nil
		}
		return exitPass, nil
	}
	if _, err := stdout.Write(out); err != nil {
		return exitInfra, infraErr(fmt.Errorf("fmt: %w", err))
	}
	return exitPass, nil
}

func cmdFaults(args []string, stdout io.Writer) (int, error) {
	if len(args) > 0 {
		return exitInvalid, usageErr("faults: takes no arguments")
	}
	for _, k := range faults.Kinds() {
		fmt.Fprintf(stdout, "%s\n  %s\n", k.Name, k.Doc)
		for _, a := range k.Attributes {
			req := ""
			if a.Required {
				req = " (required)"
			}
			fmt.Fprintf(stdout, "    %-20s %s%s\n", a.Name, a.Doc, req)
		}
		fmt.Fprintln(stdout)
	}
	return exitPass, nil
}
