// Command pause is the sandbox ("pause") container of .ci/kube's test
// cluster. It holds a pod's namespaces open, reaps the zombies of processes
// re-parented to it (a pod with shareProcessNamespace makes it PID 1 of the
// pod), and exits 0 on SIGINT or SIGTERM, as Kubernetes' own pause does. It
// is built statically and shipped FROM scratch, so that the cluster needs
// no registry.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: pause (takes no arguments; exits on SIGINT or SIGTERM)")
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	// Children may have exited before Notify took effect: their SIGCHLD is
	// lost, so reap once now.
	reap()
	for s := range sigs {
		if s == syscall.SIGCHLD {
			reap()
			continue
		}
		fmt.Fprintf(os.Stderr, "pause: shutting down, got %v\n", s)
		os.Exit(0)
	}
}

// reap collects every exited child. Signals coalesce, so one SIGCHLD may
// stand for several exits: loop until none is left.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
