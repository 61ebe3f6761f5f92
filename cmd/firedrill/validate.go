package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

func cmdValidate(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vars := varFlags{}
	fs.Var(vars, "var", "set a variable, NAME=VALUE (repeatable)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitInvalid, err
	}
	if len(files) == 0 {
		return exitInvalid, usageErr("validate: name at least one experiment file")
	}
	var all hcl.Diagnostics
	for _, f := range files {
		e, diags := experiments.Load(f, vars)
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
	return exitPass, nil
}

// cmdFmt rewrites experiment files in the canonical HCL style, like
// terraform fmt. With --check it only lists the files that would change.
func cmdFmt(args []string, stdout, stderr io.Writer) (int, error) {
	flags := flag.NewFlagSet("fmt", flag.ContinueOnError)
	flags.SetOutput(stderr)
	check := flags.Bool("check", false, "list files that are not formatted and exit 1, without changing them")
	paths, err := parseInterleaved(flags, args)
	if err != nil {
		return exitInvalid, err
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
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// like the go tool, skip hidden and testdata directories: the
			// latter holds deliberately broken files.
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".hcl") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return exitInvalid, usageErr("fmt: %v", err)
		}
	}
	unformatted := 0
	var all hcl.Diagnostics
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return exitInvalid, usageErr("fmt: %v", err)
		}
		// hclwrite.Format does not check syntax; refuse to rewrite a file
		// that does not parse.
		if _, diags := hclwrite.ParseConfig(src, f, hcl.InitialPos); diags.HasErrors() {
			all = append(all, diags...)
			continue
		}
		out := hclwrite.Format(src)
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

func cmdFaults(stdout io.Writer) (int, error) {
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
