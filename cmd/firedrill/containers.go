package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/firedrill/firedrill/drivers/containers"
)

// cmdImages builds the containers driver's images, so that the first run
// does not pay for it.
func cmdImages(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 {
		return exitInvalid, usageErr("images: takes no arguments")
	}
	im, err := containers.EnsureImages(ctx, stderr)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	state := "all cached"
	if !im.Cached() {
		state = fmt.Sprintf("built %d in %s", len(im.Built), im.Took.Round(time.Second))
	}
	fmt.Fprintf(stdout, "images (%s):\n  %s\n  %s\n  %s\n", state, im.PG, im.Entd, im.Link)
	return exitPass, nil
}

// cmdClean removes the containers, networks and volumes of one run, or of
// every firedrill run.
func cmdClean(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	if len(args) > 1 {
		return exitInvalid, usageErr("clean: takes at most one run ID")
	}
	id := ""
	if len(args) == 1 {
		id = args[0]
	}
	n, err := containers.Clean(ctx, id)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	fmt.Fprintf(stdout, "removed %s\n", n)
	return exitPass, nil
}
