// Command firedrill runs chaos and disaster-recovery experiments against
// hosting choices and reports downtime and data loss per region.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/firedrill/firedrill/reports"
)

// Exit codes: CI pipelines gate on them.
const (
	exitPass        = 0   // every objective met
	exitFail        = 1   // some objective failed
	exitInvalid     = 2   // invalid input or usage: nothing was run
	exitInfra       = 3   // the driver or its infrastructure failed
	exitInterrupted = 130 // Ctrl-C or SIGTERM, as shells report a SIGINT death: nothing was written
)

// usage is the top-level help. Formats, drivers and flags come from the
// code that implements them, so the text cannot fall behind.
func usage() string {
	var b strings.Builder
	b.WriteString(`firedrill: how long are we down, and what do we lose?

Usage:
  firedrill run FILE... [flags]       run experiments, write one report
  firedrill compare FILE [flags]      run every region on every hosting offer
                                      and rank the offers
  firedrill risk FILE [--years N] [--hosting a,b] [--var NAME=VALUE]...
           [--format table|json|markdown|html] [--out PATH]
                                      simulate years of fault frequencies:
                                      annual downtime, loss, cost of
                                      ownership, offers ranked
  firedrill calibrate FILE [flags]    run on the model and on real containers
                                      with the same plan; compare figure by
                                      figure (firedrill help calibrate)
  firedrill validate [--strict] [--var NAME=VALUE]... FILE|DIR...
                                      check files without running anything;
                                      prints warnings too (--strict: they
                                      fail it)
  firedrill fmt [--check] [FILE|DIR|-]...
                                      rewrite .hcl files in canonical style;
                                      "-" reads standard input and writes
                                      standard output
  firedrill faults                    list fault kinds and their attributes
  firedrill images                    build the containers driver's images
  firedrill clean [--force] [--driver containers|kubernetes] [RUN]
                                      remove what runs left behind: Docker
                                      containers, or a cluster's namespaces
  firedrill version                   print the module version and revision
  firedrill help [COMMAND]            this text, or a command's flags

Flags of run and compare, before or after the files:
`)
	fs, _ := newRunFlags("compare", true)
	writeFlags(&b, fs)
	fmt.Fprintf(&b, `
Formats: %s.
Several FILEs make one document: one JSON object, one JUnit <testsuites>,
one HTML page.

Exit codes: 0 every objective met (compare: every region has an offer that
meets all of its objectives), 1 an objective failed, 2 invalid input or
usage (nothing was run), 3 driver or infrastructure error, 130 interrupted
(nothing was written). risk: 0 every region has an offer that meets its
annual objectives, 1 one has none.
`, strings.Join(reports.Names(), ", "))
	return b.String()
}

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitInvalid, err: fmt.Errorf(format, args...)}
}

func infraErr(err error) error { return &exitError{code: exitInfra, err: err} }

// errInterrupted is what a command returns when its context was cancelled
// by a signal before it wrote anything.
var errInterrupted = &exitError{code: exitInterrupted, err: errors.New("interrupted: nothing was written")}

func main() {
	os.Exit(mainWith(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil))
}

// mainWith is main with its streams; ready, when set, is called once the
// signal handlers are in place (tests wait for it before they signal).
func mainWith(args []string, stdin io.Reader, stdout, stderr io.Writer, ready func()) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one kills at once: the default
		// behaviour comes back.
		<-ctx.Done()
		stop()
	}()
	if ready != nil {
		ready()
	}
	return run(ctx, args, stdin, stdout, stderr)
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitInvalid
	}
	var code int
	var err error
	switch args[0] {
	case "run":
		code, err = cmdRun(ctx, args[1:], stdout, stderr)
	case "compare":
		code, err = cmdCompare(ctx, args[1:], stdout, stderr)
	case "risk":
		code, err = cmdRisk(ctx, args[1:], stdout, stderr)
	case "calibrate":
		code, err = cmdCalibrate(ctx, args[1:], stdout, stderr)
	case "validate":
		code, err = cmdValidate(ctx, args[1:], stdout, stderr)
	case "fmt":
		code, err = cmdFmt(args[1:], stdin, stdout, stderr)
	case "faults":
		code, err = cmdFaults(args[1:], stdout)
	case "images":
		code, err = cmdImages(ctx, args[1:], stdout, stderr)
	case "clean":
		code, err = cmdClean(ctx, args[1:], stdout)
	case "version", "--version":
		code, err = cmdVersion(args[1:], stdout)
	case "help", "-h", "--help":
		code, err = cmdHelp(args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "firedrill: unknown command %q\n\n%s", args[0], usage())
		return exitInvalid
	}
	if ctx.Err() != nil && (err != nil || code == exitInfra) {
		// whatever the command made of the cancellation, it was the user's
		// doing, not the infrastructure's.
		err = errInterrupted
	}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else {
			code = exitInfra
		}
		fmt.Fprintf(stderr, "firedrill: %v\n", err)
	}
	return code
}

// cmdHelp prints the usage, or a command's flags.
func cmdHelp(args []string, stdout io.Writer) (int, error) {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage())
		return exitPass, nil
	}
	c, ok := commandFlags[args[0]]
	if !ok {
		return exitInvalid, usageErr("help: unknown command %q", args[0])
	}
	fs, _ := c.flags()
	printHelp(stdout, fs, c.synopsis)
	return exitPass, nil
}
