package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// db follows the current primary among several PostgreSQL servers.
type db struct {
	urls []string
	mu   sync.Mutex
	pool *pgxpool.Pool
	url  string
}

func (a *db) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pool != nil {
		a.pool.Close()
	}
}

// primary returns a pool on the current primary, discovering it when
// there is none: every URL is asked at once whether it is in recovery, so
// that a dead server (its name no longer resolves, its packets vanish)
// does not hold up finding the live one behind it in the list. Discovery
// has its own deadline, not the request's: a short request must not cut
// it short for everyone.
func (a *db) primary(ctx context.Context) (*pgxpool.Pool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pool != nil {
		return a.pool, nil
	}
	type found struct {
		i    int
		pool *pgxpool.Pool
		host string
		err  error
	}
	dctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	go func() { time.Sleep(1500 * time.Millisecond); cancel() }()
	res := make(chan found, len(a.urls))
	for i, u := range a.urls {
		go func() {
			cfg, err := pgxpool.ParseConfig(u)
			if err != nil {
				res <- found{i: i, err: fmt.Errorf("parse database URL: %w", err)}
				return
			}
			cfg.ConnConfig.ConnectTimeout = time.Second
			cfg.MaxConns = 16
			p, err := pgxpool.NewWithConfig(dctx, cfg)
			if err == nil {
				var primary bool
				err = p.QueryRow(dctx, "SELECT NOT pg_is_in_recovery()").Scan(&primary)
				if err == nil && primary {
					res <- found{i: i, pool: p, host: cfg.ConnConfig.Host}
					return
				}
				p.Close()
				if err == nil {
					err = errors.New("in recovery")
				}
			}
			res <- found{i: i, host: cfg.ConnConfig.Host, err: err}
		}()
	}
	// The first primary to answer wins; the other attempts finish on
	// their own and close what they opened.
	var errs []error
	var best *found
	for n := 0; n < len(a.urls) && best == nil; n++ {
		f := <-res
		if f.pool == nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.host, f.err))
			continue
		}
		best = &f
	}
	if best == nil {
		return nil, fmt.Errorf("no primary: %w", errors.Join(errs...))
	}
	go func(left int) {
		for ; left > 0; left-- {
			if f := <-res; f.pool != nil {
				f.pool.Close()
			}
		}
	}(len(a.urls) - len(errs) - 1)
	a.pool, a.url = best.pool, best.host
	slog.Info("primary", "host", a.url)
	return a.pool, nil
}

// failed forgets the primary after an error that says it may be gone or
// demoted, so that the next request re-discovers it.
func (a *db) failed(p *pgxpool.Pool, err error) {
	if errors.Is(err, context.Canceled) {
		// The client gave up (a health check timing out): not the
		// server's fault. A deadline of ours running out is: a black-holed
		// primary answers nothing.
		return
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "25006" && !strings.HasPrefix(pe.Code, "57") && !strings.HasPrefix(pe.Code, "08") {
		return // a query error, not a server problem
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pool == p && p != nil {
		slog.Warn("primary lost", "host", a.url, "err", err)
		go p.Close()
		a.pool = nil
	}
}

func (a *db) host() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.url
}

// migrate applies the schema on the primary, in one transaction.
func (a *db) migrate(ctx context.Context, pupils int) error {
	p, err := a.primary(ctx)
	if err != nil {
		return err
	}
	tx, err := p.Begin(ctx)
	if err != nil {
		a.failed(p, err)
		return err
	}
	defer tx.Rollback(ctx)
	if err := migrate(ctx, tx, pupils); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
