// Command entd is the ENT (espace numérique de travail) that firedrill's
// containers driver runs and breaks: what pupils, parents and teachers use
// in a French regional school workspace. Sign-in with sessions kept in
// PostgreSQL (any replica serves any user), timetable, homework, grades
// entered by teachers (the write that must not be lost: 201 only after
// commit, idempotent on write_id), messages and small documents, with
// roles enforced: a pupil sees only their own grades, a parent only their
// child's, a teacher only their pupils'.
//
// It follows the current primary among several PostgreSQL servers, so
// that a promoted standby takes over without restarting it.
//
// Environment:
//
//	ENTD_ADDR          listen address (:8080)
//	ENTD_DATABASES     comma-separated PostgreSQL URLs; the one not in
//	                   recovery is used, re-discovered after errors
//	ENTD_REGION        shown on the home page and in /healthz
//	ENTD_SEED_PUPILS   pupils seeded in an empty database (200): classes of
//	                   25, one teacher per 20 pupils, one parent per pupil;
//	                   logins pupil0001, parent0001, teacher001, password
//	                   "pw-" + login
//	ENTD_SESSION_TTL   how long a session lasts (12h)
//	ENTD_CAPACITY      requests per second the server's worker pool
//	                   serves (0, the default: no pool); /healthz stays
//	                   outside it
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sessionTTL is how long a sign-in lasts.
var sessionTTL = 12 * time.Hour

func main() {
	if err := run(); err != nil {
		slog.Error("entd", "err", err)
		os.Exit(1)
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run() error {
	urls := strings.Split(env("ENTD_DATABASES", ""), ",")
	if urls[0] == "" {
		return errors.New("ENTD_DATABASES is empty")
	}
	pupils, err := strconv.Atoi(env("ENTD_SEED_PUPILS", "200"))
	if err != nil || pupils < 1 {
		return fmt.Errorf("bad ENTD_SEED_PUPILS %q", os.Getenv("ENTD_SEED_PUPILS"))
	}
	if sessionTTL, err = time.ParseDuration(env("ENTD_SESSION_TTL", "12h")); err != nil || sessionTTL <= 0 {
		return fmt.Errorf("bad ENTD_SESSION_TTL %q", os.Getenv("ENTD_SESSION_TTL"))
	}
	capacity, err := strconv.ParseFloat(env("ENTD_CAPACITY", "0"), 64)
	if err != nil || capacity < 0 || math.IsInf(capacity, 0) {
		return fmt.Errorf("bad ENTD_CAPACITY %q", os.Getenv("ENTD_CAPACITY"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	d := &db{urls: urls}
	defer d.close()
	// Migrations and seeding, retried while the database comes up: app
	// servers often start before their database answers.
	deadline := time.Now().Add(60 * time.Second)
	for {
		err = d.migrate(ctx, pupils)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		slog.Warn("migrate: retrying", "err", err)
		time.Sleep(time.Second)
	}
	a := &app{db: d, region: env("ENTD_REGION", ""), pool: newPool(capacity)}
	srv := &http.Server{Addr: env("ENTD_ADDR", ":8080"), Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}
