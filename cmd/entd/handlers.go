package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	maxJSON     = 16 << 10
	maxDocument = 1 << 20
)

// app serves the ENT.
type app struct {
	db     *db
	region string
	pool   *pool
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/probe", a.probe)
	mux.HandleFunc("POST /api/login", a.login)
	mux.HandleFunc("GET /api/timetable", a.authed(5*time.Second, a.timetable))
	mux.HandleFunc("GET /api/homework", a.authed(5*time.Second, a.homework))
	mux.HandleFunc("POST /api/homework", a.authed(5*time.Second, a.addHomework))
	mux.HandleFunc("GET /api/grades", a.authed(5*time.Second, a.grades))
	mux.HandleFunc("POST /api/grades", a.authed(5*time.Second, a.addGrade))
	mux.HandleFunc("GET /api/messages", a.authed(5*time.Second, a.messages))
	mux.HandleFunc("POST /api/messages", a.authed(5*time.Second, a.addMessage))
	mux.HandleFunc("POST /api/documents", a.authed(10*time.Second, a.addDocument))
	mux.HandleFunc("GET /api/documents/{id}", a.authed(10*time.Second, a.document))
	mux.HandleFunc("GET /{$}", a.home)
	// The load balancer's health check is answered by the web server,
	// not by a worker, as a status page in front of a PHP-FPM pool is: a
	// pool busy with a queue is overloaded, not down.
	outer := http.NewServeMux()
	outer.HandleFunc("GET /healthz", a.healthz)
	outer.Handle("/", a.pool.wrap(mux))
	return outer
}

// httpError is an answer other than 200 that is not the database's fault.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func unavailable(w http.ResponseWriter) {
	reply(w, http.StatusServiceUnavailable, map[string]string{"error": "database unavailable"})
}

// user is who a session belongs to.
type user struct {
	login, role  string
	class, child string // pupils: their class; parents: their child
}

// handler is an authenticated request's work on the primary. It returns
// an *httpError for answers that are the client's doing; any other error
// is the database's, answered 503.
type handler func(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error

func (a *app) authed(timeout time.Duration, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		p, err := a.db.primary(ctx)
		if err != nil {
			unavailable(w)
			return
		}
		err = a.run(ctx, w, r, p, h)
		var he *httpError
		switch {
		case err == nil:
		case errors.As(err, &he):
			reply(w, he.status, map[string]string{"error": he.msg})
		default:
			a.db.failed(p, err)
			unavailable(w)
		}
	}
}

func (a *app) run(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, h handler) error {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie("ent_session"); tok == "" && err == nil {
		tok = c.Value
	}
	if tok == "" {
		return fail(http.StatusUnauthorized, "not signed in")
	}
	var u user
	var class, child *string
	err := p.QueryRow(ctx, `SELECT u.login, u.role, u.class, u.child FROM sessions s JOIN users u USING (login)
		WHERE s.token = $1 AND s.created_at > now() - $2::interval`, tok, sessionTTL.String()).Scan(&u.login, &u.role, &class, &child)
	if errors.Is(err, pgx.ErrNoRows) {
		return fail(http.StatusUnauthorized, "not signed in")
	}
	if err != nil {
		return err
	}
	if class != nil {
		u.class = *class
	}
	if child != nil {
		u.child = *child
	}
	return h(ctx, w, r, p, u)
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON)).Decode(v); err != nil {
		return fail(http.StatusBadRequest, "bad request: %v", err)
	}
	return nil
}

func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	p, err := a.db.primary(ctx)
	if err == nil {
		_, err = p.Exec(ctx, "SELECT 1")
		if err != nil {
			a.db.failed(p, err)
		}
	}
	if err != nil {
		reply(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	reply(w, http.StatusOK, map[string]string{"status": "ok", "region": a.region, "primary": a.db.host()})
}

// probe is a light real request: the timetable of the first class.
func (a *app) probe(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	p, err := a.db.primary(ctx)
	if err != nil {
		unavailable(w)
		return
	}
	var n int
	if err := p.QueryRow(ctx, "SELECT count(*) FROM timetable WHERE class = 'c01'").Scan(&n); err != nil {
		a.db.failed(p, err)
		unavailable(w)
		return
	}
	reply(w, http.StatusOK, map[string]any{"status": "ok", "slots": n})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Login, Password string }
	if err := decode(w, r, &in); err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	p, err := a.db.primary(ctx)
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
		a.db.failed(p, err)
		unavailable(w)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "ent_session", Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	reply(w, http.StatusOK, map[string]string{"token": tok, "role": role})
}

// classesOf lists the classes a user sees: a pupil's own, a parent's
// child's, the classes of a teacher's pupils.
const classesOf = `
	SELECT class FROM users WHERE login = $1 AND role = 'pupil'
	UNION SELECT c.class FROM users p JOIN users c ON c.login = p.child WHERE p.login = $1
	UNION SELECT DISTINCT u.class FROM teaches t JOIN users u ON u.login = t.pupil WHERE t.teacher = $1`

func (a *app) timetable(ctx context.Context, w http.ResponseWriter, _ *http.Request, p *pgxpool.Pool, u user) error {
	type slot struct {
		Class   string `json:"class"`
		Slot    int    `json:"slot"`
		Subject string `json:"subject"`
	}
	rows, err := p.Query(ctx, "SELECT class, slot, subject FROM timetable WHERE class IN ("+classesOf+") ORDER BY class, slot", u.login)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slot, error) {
		var s slot
		return s, r.Scan(&s.Class, &s.Slot, &s.Subject)
	})
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, nonNil(out))
	return nil
}

type homeworkItem struct {
	ID      int64  `json:"id"`
	Class   string `json:"class"`
	Teacher string `json:"teacher"`
	Subject string `json:"subject"`
	Due     string `json:"due"`
	Body    string `json:"body"`
}

func (a *app) homework(ctx context.Context, w http.ResponseWriter, _ *http.Request, p *pgxpool.Pool, u user) error {
	rows, err := p.Query(ctx, "SELECT id, class, teacher, subject, due::text, body FROM homework WHERE class IN ("+classesOf+") ORDER BY due, id", u.login)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (homeworkItem, error) {
		var h homeworkItem
		return h, r.Scan(&h.ID, &h.Class, &h.Teacher, &h.Subject, &h.Due, &h.Body)
	})
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, nonNil(out))
	return nil
}

func (a *app) addHomework(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	if u.role != "teacher" {
		return fail(http.StatusForbidden, "teachers only")
	}
	var in homeworkItem
	if err := decode(w, r, &in); err != nil {
		return err
	}
	due, err := time.Parse(time.DateOnly, in.Due)
	if err != nil || in.Class == "" || in.Subject == "" || in.Body == "" || len(in.Body) > 4000 {
		return fail(http.StatusBadRequest, "want class, subject, due (YYYY-MM-DD) and a body of at most 4000 bytes")
	}
	err = p.QueryRow(ctx, `INSERT INTO homework(class, teacher, subject, due, body)
		SELECT $1, $2, $3, $4, $5 WHERE $1 IN (`+strings.ReplaceAll(classesOf, "$1", "$2")+`) RETURNING id`,
		in.Class, u.login, in.Subject, due, in.Body).Scan(&in.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fail(http.StatusForbidden, "you do not teach class %s", in.Class)
	}
	if err != nil {
		return err
	}
	reply(w, http.StatusCreated, map[string]int64{"id": in.ID})
	return nil
}

// mayRead says whether u may see pupil's grades and documents: the pupil,
// their parent, their teachers.
func mayRead(ctx context.Context, p *pgxpool.Pool, u user, pupil string) (bool, error) {
	switch u.role {
	case "pupil":
		return pupil == u.login, nil
	case "parent":
		return pupil == u.child, nil
	case "teacher":
		var ok bool
		err := p.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM teaches WHERE teacher = $1 AND pupil = $2)", u.login, pupil).Scan(&ok)
		return ok, err
	}
	return false, nil
}

func (a *app) grades(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	pupil := r.URL.Query().Get("pupil")
	if pupil == "" && u.role == "pupil" {
		pupil = u.login
	}
	if pupil == "" && u.role == "parent" {
		pupil = u.child
	}
	ok, err := mayRead(ctx, p, u, pupil)
	if err != nil {
		return err
	}
	if !ok {
		return fail(http.StatusForbidden, "not your grades to see")
	}
	type grade struct {
		WriteID   string    `json:"write_id"`
		Subject   string    `json:"subject"`
		Value     float64   `json:"value"`
		Teacher   string    `json:"teacher"`
		CreatedAt time.Time `json:"created_at"`
	}
	rows, err := p.Query(ctx, "SELECT write_id, subject, value::float8, teacher, created_at FROM grades WHERE pupil = $1 ORDER BY created_at", pupil)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (grade, error) {
		var g grade
		return g, r.Scan(&g.WriteID, &g.Subject, &g.Value, &g.Teacher, &g.CreatedAt)
	})
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, map[string]any{"pupil": pupil, "grades": nonNil(out)})
	return nil
}

// addGrade is the write that must not be lost: 201 only once the
// transaction committed (with synchronous replication, once the standby
// has it), idempotent on write_id.
func (a *app) addGrade(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	if u.role != "teacher" {
		return fail(http.StatusForbidden, "teachers only")
	}
	var in struct {
		WriteID string  `json:"write_id"`
		Pupil   string  `json:"pupil"`
		Subject string  `json:"subject"`
		Value   float64 `json:"value"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.WriteID == "" || len(in.WriteID) > 200 || in.Pupil == "" || in.Subject == "" || in.Value < 0 || in.Value > 20 {
		return fail(http.StatusBadRequest, "want write_id, pupil, subject and a value from 0 to 20")
	}
	var committed time.Time
	// One statement in its own transaction: its result comes back after
	// the commit. The row is inserted only for a pupil of the teacher, and
	// a replayed write_id inserts nothing.
	err := p.QueryRow(ctx, `INSERT INTO grades(write_id, pupil, teacher, subject, value)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM teaches WHERE teacher = $3 AND pupil = $2)
		ON CONFLICT (write_id) DO NOTHING RETURNING created_at`, in.WriteID, in.Pupil, u.login, in.Subject, in.Value).Scan(&committed)
	if err == nil {
		reply(w, http.StatusCreated, map[string]any{"write_id": in.WriteID, "committed_at": committed})
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var teacher string
	err = p.QueryRow(ctx, "SELECT teacher, created_at FROM grades WHERE write_id = $1", in.WriteID).Scan(&teacher, &committed)
	switch {
	case err == nil && teacher == u.login:
		reply(w, http.StatusOK, map[string]any{"write_id": in.WriteID, "committed_at": committed})
		return nil
	case err == nil:
		return fail(http.StatusConflict, "write_id already used")
	case errors.Is(err, pgx.ErrNoRows):
		return fail(http.StatusForbidden, "not your pupil")
	}
	return err
}

func (a *app) messages(ctx context.Context, w http.ResponseWriter, _ *http.Request, p *pgxpool.Pool, u user) error {
	type message struct {
		ID        int64     `json:"id"`
		From      string    `json:"from"`
		To        string    `json:"to"`
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
	}
	rows, err := p.Query(ctx, `SELECT id, sender, recipient, body, created_at FROM messages
		WHERE recipient = $1 OR sender = $1 ORDER BY id DESC LIMIT 50`, u.login)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (message, error) {
		var m message
		return m, r.Scan(&m.ID, &m.From, &m.To, &m.Body, &m.CreatedAt)
	})
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, nonNil(out))
	return nil
}

func (a *app) addMessage(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	var in struct{ To, Body string }
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.To == "" || in.Body == "" || len(in.Body) > 4000 {
		return fail(http.StatusBadRequest, "want to and a body of at most 4000 bytes")
	}
	var id int64
	err := p.QueryRow(ctx, "INSERT INTO messages(sender, recipient, body) VALUES ($1, $2, $3) RETURNING id", u.login, in.To, in.Body).Scan(&id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return fail(http.StatusBadRequest, "no such user %q", in.To)
	}
	if err != nil {
		return err
	}
	reply(w, http.StatusCreated, map[string]int64{"id": id})
	return nil
}

func (a *app) addDocument(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	name := r.URL.Query().Get("name")
	if name == "" || len(name) > 200 {
		return fail(http.StatusBadRequest, "want ?name= (at most 200 bytes)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDocument))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fail(http.StatusRequestEntityTooLarge, "documents are limited to %d bytes", maxDocument)
	}
	if err != nil {
		return fail(http.StatusBadRequest, "read document: %v", err)
	}
	var id int64
	if err := p.QueryRow(ctx, "INSERT INTO documents(owner, name, content) VALUES ($1, $2, $3) RETURNING id", u.login, name, body).Scan(&id); err != nil {
		return err
	}
	reply(w, http.StatusCreated, map[string]int64{"id": id})
	return nil
}

func (a *app) document(ctx context.Context, w http.ResponseWriter, r *http.Request, p *pgxpool.Pool, u user) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fail(http.StatusBadRequest, "bad document id")
	}
	var owner, name string
	var content []byte
	err = p.QueryRow(ctx, "SELECT owner, name, content FROM documents WHERE id = $1", id).Scan(&owner, &name, &content)
	if errors.Is(err, pgx.ErrNoRows) {
		return fail(http.StatusNotFound, "no such document")
	}
	if err != nil {
		return err
	}
	ok := owner == u.login
	if !ok {
		if ok, err = mayRead(ctx, p, u, owner); err != nil {
			return err
		}
	}
	if !ok {
		return fail(http.StatusForbidden, "not your document")
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	_, _ = w.Write(content)
	return nil
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>ENT {{.Region}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><h1>Espace numérique de travail{{if .Region}} — {{.Region}}{{end}}</h1>
<p>{{if .OK}}Service ouvert.{{else}}Service momentanément indisponible.{{end}}</p></body></html>
`))

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	_, err := a.db.primary(ctx)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = homePage.Execute(w, struct {
		Region string
		OK     bool
	}{a.region, err == nil})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
