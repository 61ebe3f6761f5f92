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
	"syscall"
)

// Exit codes: CI pipelines gate on them.
const (
	exitPass    = 0 // every objective met
	exitFail    = 1 // some objective failed
	exitInvalid = 2 // invalid input or usage
	exitInfra   = 3 // the driver or its infrastructure failed
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `firedrill: how long are we down, and what do we lose?

Usage:
  firedrill run FILE... [--driver model|containers] [--var k=v]... [--trials N]
                        [--scale N] [--format table|json|markdown|junit]
                        [--out PATH]
  firedrill compare FILE [--hosting a,b] [--driver D] [--var k=v]... [--trials N]
                        [--format ...] [--out PATH]
  firedrill validate FILE...
  firedrill fmt [--check] [FILE|DIR]...
  firedrill faults          list fault kinds and their attributes
  firedrill images          build the containers driver's images ahead of time
  firedrill clean [RUN]     remove what containers runs left (all, or one run)
  firedrill version

Exit codes: 0 every objective met, 1 an objective failed, 2 invalid input or
usage, 3 driver or infrastructure error.
`

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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	var code int
	var err error
	switch args[0] {
	case "run":
		code, err = cmdRun(ctx, args[1:], stdout, stderr)
	case "compare":
		code, err = cmdCompare(ctx, args[1:], stdout, stderr)
	case "validate":
		code, err = cmdValidate(args[1:], stdout, stderr)
	case "fmt":
		code, err = cmdFmt(args[1:], stdout, stderr)
	case "faults":
		code, err = cmdFaults(stdout)
	case "images":
		code, err = cmdImages(ctx, args[1:], stdout, stderr)
	case "clean":
		code, err = cmdClean(ctx, args[1:], stdout)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "firedrill %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "firedrill: unknown command %q\n\n%s", args[0], usage)
		return exitInvalid
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
