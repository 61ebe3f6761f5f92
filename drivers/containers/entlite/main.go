// Command entlite is the smallest ENT application that honours the entd
// contract the containers driver relies on: sign-in with sessions stored in
// PostgreSQL, grade entry committed before it is acknowledged, a probe
// endpoint, and a health check that follows the current primary among
// several databases. The driver builds its image from cmd/entd when that
// exists and from this command otherwise, so that a containers run never
// depends on an application that is not there yet.
//
// Environment: ENTD_ADDR (:8080), ENTD_DATABASES (comma-separated pgx URLs;
// entlite uses whichever answers as primary and re-discovers it on errors),
// ENTD_REGION, ENTD_SEED_PUPILS (200; one teacher per 20 pupils; logins
// teacher001, pupil0001, parent0001 with password pw-<login>).
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a := &app{urls: urls, region: env("ENTD_REGION", "")}
	defer a.close()
	// Migrations and seeding, retried while the database comes up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		err = a.migrate(ctx, pupils)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		slog.Warn("migrate: retrying", "err", err)
		time.Sleep(time.Second)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /api/probe", a.probe)
	mux.HandleFunc("POST /api/login", a.login)
	mux.HandleFunc("POST /api/grades", a.grade)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>ENT %s</title><p>ENT %s</p>\n", a.region, a.region)
	})
	srv := &http.Server{Addr: env("ENTD_ADDR", ":8080"), Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
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

type app struct {
	urls   []string
	region string
	mu     sync.Mutex
	pool   *pgxpool.Pool
	url    string
}

func (a *app) close() {
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
func (a *app) primary(ctx context.Context) (*pgxpool.Pool, error) {
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
func (a *app) failed(p *pgxpool.Pool, err error) {
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

func (a *app) migrate(ctx context.Context, pupils int) error {
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
	stmts := []string{
		"SELECT pg_advisory_xact_lock(4242)",
		`CREATE TABLE IF NOT EXISTS users(login text PRIMARY KEY, role text NOT NULL, salt text NOT NULL, hash text NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS sessions(token text PRIMARY KEY, login text NOT NULL REFERENCES users, created_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE IF NOT EXISTS teaches(teacher text NOT NULL, pupil text NOT NULL, PRIMARY KEY(teacher, pupil))`,
		`CREATE TABLE IF NOT EXISTS timetable(class text NOT NULL, slot int NOT NULL, subject text NOT NULL, PRIMARY KEY(class, slot))`,
		`CREATE TABLE IF NOT EXISTS grades(write_id text PRIMARY KEY, pupil text NOT NULL, teacher text NOT NULL, subject text NOT NULL, value numeric(4,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.40s: %w", s, err)
		}
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		rows := [][]any{}
		add := func(login, role string) {
			salt := token()[:16]
			rows = append(rows, []any{login, role, salt, hash(salt, "pw-"+login)})
		}
		var teaches [][]any
		for i := 1; i <= pupils; i++ {
			pupil := fmt.Sprintf("pupil%04d", i)
			add(pupil, "pupil")
			add(fmt.Sprintf("parent%04d", i), "parent")
			teaches = append(teaches, []any{fmt.Sprintf("teacher%03d", (i-1)/20+1), pupil})
		}
		for t := 1; t <= (pupils+19)/20; t++ {
			add(fmt.Sprintf("teacher%03d", t), "teacher")
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"login", "role", "salt", "hash"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"teaches"}, []string{"teacher", "pupil"}, pgx.CopyFromRows(teaches)); err != nil {
			return fmt.Errorf("seed classes: %w", err)
		}
		for slot, subj := range []string{"maths", "français", "histoire", "anglais", "physique", "EPS"} {
			if _, err := tx.Exec(ctx, "INSERT INTO timetable VALUES ('c01', $1, $2) ON CONFLICT DO NOTHING", slot, subj); err != nil {
				return fmt.Errorf("seed timetable: %w", err)
			}
		}
	}
	return tx.Commit(ctx)
}

// hash is a salted SHA-256: this is a simulator that seeds thousands of
// accounts on two cores; a real ENT would use a slow password hash.
func hash(salt, pw string) string {
	h := sha256.Sum256([]byte(salt + pw))
	return hex.EncodeToString(h[:])
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func unavailable(w http.ResponseWriter) {
	reply(w, http.StatusServiceUnavailable, map[string]string{"error": "database unavailable"})
}

func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	p, err := a.primary(ctx)
	if err == nil {
		_, err = p.Exec(ctx, "SELECT 1")
		if err != nil {
			a.failed(p, err)
		}
	}
	if err != nil {
		reply(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	reply(w, http.StatusOK, map[string]string{"status": "ok", "region": a.region, "primary": a.url})
}

func (a *app) probe(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	p, err := a.primary(ctx)
	if err != nil {
		unavailable(w)
		return
	}
	rows, err := p.Query(ctx, "SELECT slot, subject FROM timetable WHERE class = 'c01' ORDER BY slot")
	if err == nil {
		var n int
		for rows.Next() {
			n++
		}
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
		a.failed(p, err)
		unavailable(w)
		return
	}
	reply(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Login, Password string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "bad request"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	p, err := a.primary(ctx)
	if err != nil {
		unavailable(w)
		return
	}
	var role, salt, h string
	err = p.QueryRow(ctx, "SELECT role, salt, hash FROM users WHERE login = $1", in.Login).Scan(&role, &salt, &h)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && hash(salt, in.Password) != h) {
		reply(w, http.StatusUnauthorized, map[string]string{"error": "bad credentials"})
		return
	}
	tok := token()
	if err == nil {
		_, err = p.Exec(ctx, "INSERT INTO sessions(token, login) VALUES ($1, $2)", tok, in.Login)
	}
	if err != nil {
		a.failed(p, err)
		unavailable(w)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "ent_session", Value: tok, Path: "/", HttpOnly: true})
	reply(w, http.StatusOK, map[string]string{"token": tok, "role": role})
}

func (a *app) grade(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie("ent_session"); tok == "" && err == nil {
		tok = c.Value
	}
	var in struct {
		WriteID string  `json:"write_id"`
		Pupil   string  `json:"pupil"`
		Subject string  `json:"subject"`
		Value   float64 `json:"value"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil || in.WriteID == "" || in.Value < 0 || in.Value > 20 {
		reply(w, http.StatusBadRequest, map[string]string{"error": "bad request"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	p, err := a.primary(ctx)
	if err != nil {
		unavailable(w)
		return
	}
	var login, role string
	err = p.QueryRow(ctx, "SELECT u.login, u.role FROM sessions s JOIN users u USING (login) WHERE s.token = $1", tok).Scan(&login, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		reply(w, http.StatusUnauthorized, map[string]string{"error": "not signed in"})
		return
	}
	if err != nil {
		a.failed(p, err)
		unavailable(w)
		return
	}
	if role != "teacher" {
		reply(w, http.StatusForbidden, map[string]string{"error": "teachers only"})
		return
	}
	var committed time.Time
	// One statement: the row is inserted only for a pupil of the teacher,
	// and a replayed write_id inserts nothing.
	err = p.QueryRow(ctx, `INSERT INTO grades(write_id, pupil, teacher, subject, value)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM teaches WHERE teacher = $3 AND pupil = $2)
		ON CONFLICT (write_id) DO NOTHING RETURNING created_at`, in.WriteID, in.Pupil, login, in.Subject, in.Value).Scan(&committed)
	switch {
	case err == nil:
		reply(w, http.StatusCreated, map[string]any{"write_id": in.WriteID, "committed_at": committed})
	case errors.Is(err, pgx.ErrNoRows):
		var teacher string
		err = p.QueryRow(ctx, "SELECT teacher, created_at FROM grades WHERE write_id = $1", in.WriteID).Scan(&teacher, &committed)
		switch {
		case err == nil && teacher == login:
			reply(w, http.StatusOK, map[string]any{"write_id": in.WriteID, "committed_at": committed})
		case err == nil || errors.Is(err, pgx.ErrNoRows):
			reply(w, http.StatusForbidden, map[string]string{"error": "not your pupil"})
		default:
			a.failed(p, err)
			unavailable(w)
		}
	default:
		a.failed(p, err)
		unavailable(w)
	}
}
