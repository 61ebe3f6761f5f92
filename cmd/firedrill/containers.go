package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker"
)

// cmdImages builds the containers driver's images, so that the first run
// does not pay for it.
func cmdImages(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 {
		return exitInvalid, usageErr("images: takes no arguments")
	}
	im, err := docker.EnsureImages(ctx, stderr)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	state := "all cached"
	if !im.Cached() {
		state = fmt.Sprintf("built %d in %s", len(im.Built), im.Took.Round(time.Second))
	}
	fmt.Fprintf(stdout, "images (%s):\n  %s\n  %s\n  %s\n  %s\n", state, im.PG, im.Entd, im.Link, im.Reaper)
	return exitPass, nil
}

// cmdClean removes the containers, networks and volumes of one run, or of
// every firedrill run. Runs whose process is still alive on this host are
// left alone unless --force.
func cmdClean(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	force := false
	var rest []string
	for _, a := range args {
		switch a {
		case "--force", "-force":
			force = true
		default:
			if strings.HasPrefix(a, "-") {
				return exitInvalid, usageErr("clean: unknown flag %s (only --force)", a)
			}
			rest = append(rest, a)
		}
	}
	if len(rest) > 1 {
		return exitInvalid, usageErr("clean: takes at most one run ID")
	}
	id := ""
	if len(rest) == 1 {
		id = rest[0]
	}
	n, kept, err := docker.Clean(ctx, id, force)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	fmt.Fprintf(stdout, "removed %s\n", n)
	for _, k := range kept {
		fmt.Fprintf(stdout, "left run %s alone: its process is still running on this host (--force removes it anyway)\n", k)
	}
	return exitPass, nil
}
