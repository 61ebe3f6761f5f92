// Command reaperd removes a firedrill run's containers, networks and
// volumes when the firedrill process that owns them stops answering: a run
// killed with SIGKILL cannot clean up after itself, and nobody else would
// until the next run on the host.
//
// The driver starts reaperd first in every containers run, with the Docker
// socket mounted and REAPER_RUN set to the run's ID. The firedrill process
// then holds a TCP connection to it and writes a line every
// second. When no connection has been held for REAPER_GRACE (a process
// killed outright closes its sockets at once), or a held connection has
// been silent for REAPER_SILENCE, reaperd removes everything labelled
// firedrill.run=REAPER_RUN except itself, then exits; Docker removes its
// container (auto-remove).
//
// It plays the part of testcontainers' Ryuk, whose image cannot be pulled
// without a registry, and is built FROM scratch like linkd.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker/sweep"
	"github.com/moby/moby/client"
)

// Labels, as the driver writes them.
const (
	labelManaged = "firedrill.managed"
	labelRun     = "firedrill.run"
	labelRole    = "firedrill.role"
	roleReaper   = "reaper"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := configFromEnv()
	if err != nil {
		log.Error("reaperd: " + err.Error())
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		log.Error("reaperd: listen", "err", err)
		os.Exit(1)
	}
	// The driver waits for this line before it connects.
	log.Info("reaperd: listening", "addr", cfg.addr, "run", cfg.run)
	w := newWatch(time.Now())
	go serve(ln, w, cfg.silence, log)
	waitForSilence(w, cfg.grace, cfg.startup)
	_ = ln.Close()
	log.Info("reaperd: the firedrill process stopped answering; reaping", "run", cfg.run)
	cli, err := client.New(client.FromEnv)
	if err != nil {
		log.Error("reaperd: docker client", "err", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Sweep again while anything is left: a network whose endpoints Docker
	// has not released yet, or a resource whose creation was in flight
	// when the process died.
	for pass := 1; ; pass++ {
		f := client.Filters{}.Add("label", labelManaged+"=true", labelRun+"="+cfg.run)
		n, err := sweep.Remove(ctx, cli, f, func(l map[string]string) bool { return l[labelRole] == roleReaper })
		log.Info("reaperd: reaped", "run", cfg.run, "removed", n.String())
		if err == nil {
			return
		}
		if pass == 10 || ctx.Err() != nil {
			log.Error("reaperd: reap", "err", err)
			os.Exit(1)
		}
		time.Sleep(time.Second)
	}
}

type config struct {
	addr, run               string
	grace, silence, startup time.Duration
}

func configFromEnv() (config, error) {
	c := config{addr: ":7070", run: os.Getenv("REAPER_RUN"), grace: 3 * time.Second, silence: 10 * time.Second, startup: time.Minute}
	if c.run == "" {
		return c, errors.New("REAPER_RUN (the run ID to reap) is not set")
	}
	for name, d := range map[string]*time.Duration{"REAPER_GRACE": &c.grace, "REAPER_SILENCE": &c.silence, "REAPER_STARTUP": &c.startup} {
		if v := os.Getenv(name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil {
				return c, fmt.Errorf("%s: %w", name, err)
			}
			*d = x
		}
	}
	return c, nil
}

// watch tracks the connections held by the firedrill process.
type watch struct {
	mu sync.Mutex
	// held counts open connections; since is when the last one closed
	// (or reaperd started).
	held  int
	since time.Time
	ever  bool
}

func newWatch(now time.Time) *watch { return &watch{since: now} }

func (w *watch) open() {
	w.mu.Lock()
	w.held++
	w.ever = true
	w.mu.Unlock()
}

func (w *watch) closed(now time.Time) {
	w.mu.Lock()
	w.held--
	if w.held == 0 {
		w.since = now
	}
	w.mu.Unlock()
}

// orphaned says whether the owner is gone at now: no connection held for
// grace after one was, or none ever within startup.
func (w *watch) orphaned(now time.Time, grace, startup time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.held > 0 {
		return false
	}
	if !w.ever {
		return now.Sub(w.since) >= startup
	}
	return now.Sub(w.since) >= grace
}

func waitForSilence(w *watch, grace, startup time.Duration) {
	for !w.orphaned(time.Now(), grace, startup) {
		time.Sleep(100 * time.Millisecond)
	}
}

// serve holds each connection while its lines keep coming.
func serve(ln net.Listener, w *watch, silence time.Duration, log *slog.Logger) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		w.open()
		go func() {
			defer func() { w.closed(time.Now()); c.Close() }()
			r := bufio.NewReader(c)
			for {
				_ = c.SetReadDeadline(time.Now().Add(silence))
				if _, err := r.ReadString('\n'); err != nil {
					log.Info("reaperd: connection ended", "err", err)
					return
				}
			}
		}()
	}
}
