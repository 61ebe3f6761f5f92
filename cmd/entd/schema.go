package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in order, each once, recorded in
// schema_migrations. Append; never edit one that has shipped.
var migrations = []string{
	`CREATE TABLE users(
		login text PRIMARY KEY,
		role  text NOT NULL CHECK (role IN ('pupil', 'parent', 'teacher')),
		salt  text NOT NULL,
		hash  text NOT NULL,
		class text,          -- pupils: their class
		child text           -- parents: their child
	);
	CREATE TABLE sessions(token text PRIMARY KEY, login text NOT NULL REFERENCES users, created_at timestamptz NOT NULL DEFAULT now());
	CREATE TABLE teaches(teacher text NOT NULL, pupil text NOT NULL, PRIMARY KEY (teacher, pupil));
	CREATE TABLE timetable(class text NOT NULL, slot int NOT NULL, subject text NOT NULL, PRIMARY KEY (class, slot));
	CREATE TABLE grades(write_id text PRIMARY KEY, pupil text NOT NULL, teacher text NOT NULL, subject text NOT NULL,
		value numeric(4,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
	CREATE INDEX grades_pupil ON grades(pupil);`,
	`CREATE TABLE homework(id bigserial PRIMARY KEY, class text NOT NULL, teacher text NOT NULL, subject text NOT NULL,
		due date NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
	CREATE TABLE messages(id bigserial PRIMARY KEY, sender text NOT NULL REFERENCES users, recipient text NOT NULL REFERENCES users,
		body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
	CREATE INDEX messages_recipient ON messages(recipient);
	CREATE TABLE documents(id bigserial PRIMARY KEY, owner text NOT NULL REFERENCES users, name text NOT NULL,
		content bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
}

// Seeding: classes of classSize pupils, one teacher per pupilsPerTeacher
// pupils, one parent per pupil. Logins are deterministic so that load
// generators know them: pupil0001, parent0001 (child pupil0001),
// teacher001 (pupil0001 to pupil0020); password "pw-" + login.
const (
	classSize        = 25
	pupilsPerTeacher = 20
)

var subjects = []string{"maths", "français", "histoire", "anglais", "physique", "EPS"}

// migrate brings the schema up to date and seeds an empty database. Two
// entd starting at once serialise on an advisory lock, so each migration
// runs once.
func migrate(ctx context.Context, tx pgx.Tx, pupils int) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(4242)"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	var done int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&done); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	for v := done + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations(version) VALUES ($1)", v); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return nil
	}
	return seed(ctx, tx, pupils)
}

func seed(ctx context.Context, tx pgx.Tx, pupils int) error {
	var users, teaches, timetable [][]any
	add := func(login, role string, class, child any) {
		salt := token()[:16]
		users = append(users, []any{login, role, salt, hash(salt, "pw-"+login), class, child})
	}
	classes := map[string]bool{}
	for i := 1; i <= pupils; i++ {
		pupil := fmt.Sprintf("pupil%04d", i)
		class := fmt.Sprintf("c%02d", (i-1)/classSize+1)
		classes[class] = true
		add(pupil, "pupil", class, nil)
		add(fmt.Sprintf("parent%04d", i), "parent", nil, pupil)
		teaches = append(teaches, []any{fmt.Sprintf("teacher%03d", (i-1)/pupilsPerTeacher+1), pupil})
	}
	for t := 1; t <= (pupils+pupilsPerTeacher-1)/pupilsPerTeacher; t++ {
		add(fmt.Sprintf("teacher%03d", t), "teacher", nil, nil)
	}
	for class := range classes {
		for slot, subj := range subjects {
			timetable = append(timetable, []any{class, slot, subj})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"login", "role", "salt", "hash", "class", "child"}, users},
		{"teaches", []string{"teacher", "pupil"}, teaches},
		{"timetable", []string{"class", "slot", "subject"}, timetable},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("seed %s: %w", c.table, err)
		}
	}
	return nil
}

// hash is a salted SHA-256: this ENT seeds thousands of accounts on a
// laptop at every start of a simulation; a real one would use a slow
// password hash (bcrypt, argon2).
func hash(salt, pw string) string {
	h := sha256.Sum256([]byte(salt + pw))
	return hex.EncodeToString(h[:])
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
