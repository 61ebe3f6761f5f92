package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run against real PostgreSQL 15 clusters started in temporary
// directories (Debian's postgresql-15 package), never a mock.

const pgBin = "/usr/lib/postgresql/15/bin"

// asPostgres runs a PostgreSQL tool as the postgres user when the tests
// run as root, which PostgreSQL refuses to be.
func asPostgres(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(pgBin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type cluster struct {
	dir  string
	port int
}

func (c cluster) url() string {
	return fmt.Sprintf("postgres://ent:ent@127.0.0.1:%d/ent?sslmode=disable&connect_timeout=1", c.port)
}

func mustRun(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

func tempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		// t.TempDir's parents are root's 0700: PostgreSQL, running as
		// postgres, needs its own directory elsewhere.
		d, err := os.MkdirTemp("/tmp", "entd-pg-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
		mustRun(t, exec.Command("chown", "postgres:postgres", dir))
	}
	return dir
}

// startPrimary initialises and starts a cluster with the ent role and
// database, ready for streaming replication.
func startPrimary(t *testing.T) cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		t.Skip("PostgreSQL 15 server binaries not installed (apt-get install postgresql-15)")
	}
	c := cluster{dir: filepath.Join(tempDir(t), "pg"), port: freePort(t)}
	mustRun(t, asPostgres("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8"))
	c.start(t)
	mustRun(t, asPostgres("psql", "-h", "127.0.0.1", "-p", fmt.Sprint(c.port), "-U", "postgres", "-q",
		"-c", "CREATE ROLE ent LOGIN PASSWORD 'ent'", "-c", "CREATE DATABASE ent OWNER ent"))
	return c
}

func (c cluster) start(t *testing.T) {
	t.Helper()
	mustRun(t, asPostgres("pg_ctl", "-D", c.dir, "-w", "-l", c.dir+".log", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c wal_level=replica -c fsync=off", c.port), "start"))
	t.Cleanup(func() { _ = asPostgres("pg_ctl", "-D", c.dir, "-m", "immediate", "stop").Run() })
}

// startStandby clones primary with pg_basebackup -R and starts it.
func startStandby(t *testing.T, primary cluster) cluster {
	t.Helper()
	c := cluster{dir: filepath.Join(tempDir(t), "pg"), port: freePort(t)}
	mustRun(t, asPostgres("pg_basebackup", "-h", "127.0.0.1", "-p", fmt.Sprint(primary.port), "-U", "postgres", "-D", c.dir, "-R", "-X", "stream", "-c", "fast"))
	c.start(t)
	return c
}

// server starts entd's handlers on a database list, migrated and seeded.
func server(t *testing.T, urls ...string) (*httptest.Server, *db) {
	t.Helper()
	d := &db{urls: urls}
	t.Cleanup(d.close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.migrate(ctx, 60); err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer((&app{db: d, region: "test"}).routes())
	t.Cleanup(s.Close)
	return s, d
}

func call(t *testing.T, s *httptest.Server, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

func login(t *testing.T, s *httptest.Server, who string) string {
	t.Helper()
	code, body := call(t, s, "POST", "/api/login", "", map[string]string{"login": who, "password": "pw-" + who})
	if code != http.StatusOK {
		t.Fatalf("login %s: %d %s", who, code, body)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(body, &out)
	return out.Token
}

func TestLogin(t *testing.T) {
	s, _ := server(t, startPrimary(t).url())
	tests := []struct {
		login, password string
		want            int
	}{
		{"teacher001", "pw-teacher001", 200},
		{"pupil0001", "pw-pupil0001", 200},
		{"pupil0001", "wrong", 401},
		{"nobody", "pw-nobody", 401},
	}
	for _, tt := range tests {
		if code, body := call(t, s, "POST", "/api/login", "", map[string]string{"login": tt.login, "password": tt.password}); code != tt.want {
			t.Errorf("login %s/%s: %d %s; want %d", tt.login, tt.password, code, body, tt.want)
		}
	}
	if code, _ := call(t, s, "GET", "/api/timetable", "", nil); code != 401 {
		t.Errorf("timetable without a session: %d; want 401", code)
	}
	if code, _ := call(t, s, "GET", "/api/timetable", "forged", nil); code != 401 {
		t.Errorf("timetable with a forged token: %d; want 401", code)
	}
}

func TestRoles(t *testing.T) {
	s, _ := server(t, startPrimary(t).url())
	teacher := login(t, s, "teacher001")
	if code, body := call(t, s, "POST", "/api/grades", teacher, map[string]any{"write_id": "w1", "pupil": "pupil0001", "subject": "maths", "value": 15}); code != 201 {
		t.Fatalf("seed a grade: %d %s", code, body)
	}
	tests := []struct {
		who, method, path string
		body              any
		want              int
	}{
		{"pupil0001", "GET", "/api/grades", nil, 200},
		{"pupil0001", "GET", "/api/grades?pupil=pupil0001", nil, 200},
		{"pupil0001", "GET", "/api/grades?pupil=pupil0002", nil, 403},
		{"parent0001", "GET", "/api/grades", nil, 200},
		{"parent0001", "GET", "/api/grades?pupil=pupil0002", nil, 403},
		{"teacher001", "GET", "/api/grades?pupil=pupil0001", nil, 200},
		{"teacher002", "GET", "/api/grades?pupil=pupil0001", nil, 403},
		{"pupil0001", "POST", "/api/grades", map[string]any{"write_id": "p1", "pupil": "pupil0001", "subject": "maths", "value": 20}, 403},
		{"teacher002", "POST", "/api/grades", map[string]any{"write_id": "t2", "pupil": "pupil0001", "subject": "maths", "value": 9}, 403},
		{"teacher001", "POST", "/api/grades", map[string]any{"write_id": "bad", "pupil": "pupil0001", "subject": "maths", "value": 21}, 400},
		{"teacher001", "POST", "/api/homework", map[string]any{"class": "c01", "subject": "maths", "due": "2021-04-12", "body": "ex. 3 p. 42"}, 201},
		{"teacher003", "POST", "/api/homework", map[string]any{"class": "c01", "subject": "maths", "due": "2021-04-12", "body": "x"}, 403},
		{"pupil0001", "POST", "/api/homework", map[string]any{"class": "c01", "subject": "maths", "due": "2021-04-12", "body": "x"}, 403},
		{"pupil0001", "GET", "/api/homework", nil, 200},
		{"parent0001", "GET", "/api/timetable", nil, 200},
		{"pupil0001", "POST", "/api/messages", map[string]any{"to": "teacher001", "body": "bonjour"}, 201},
		{"pupil0001", "POST", "/api/messages", map[string]any{"to": "nobody", "body": "bonjour"}, 400},
		{"teacher001", "GET", "/api/messages", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.method+" "+tt.path, func(t *testing.T) {
			if code, body := call(t, s, tt.method, tt.path, login(t, s, tt.who), tt.body); code != tt.want {
				t.Errorf("%d %s; want %d", code, body, tt.want)
			}
		})
	}
	// What each sees, not only whether they may look.
	_, body := call(t, s, "GET", "/api/grades", login(t, s, "parent0001"), nil)
	if !strings.Contains(string(body), `"write_id":"w1"`) {
		t.Errorf("parent0001's view of their child's grades misses w1: %s", body)
	}
	_, body = call(t, s, "GET", "/api/homework", login(t, s, "pupil0001"), nil)
	if !strings.Contains(string(body), "ex. 3 p. 42") {
		t.Errorf("pupil0001 does not see their class's homework: %s", body)
	}
	_, body = call(t, s, "GET", "/api/homework", login(t, s, "pupil0030"), nil)
	if strings.Contains(string(body), "ex. 3 p. 42") {
		t.Errorf("pupil0030 (class c02) sees c01's homework: %s", body)
	}
}

func TestGradeIdempotent(t *testing.T) {
	c := startPrimary(t)
	s, d := server(t, c.url())
	teacher := login(t, s, "teacher001")
	g := map[string]any{"write_id": "same", "pupil": "pupil0002", "subject": "histoire", "value": 12.5}
	if code, body := call(t, s, "POST", "/api/grades", teacher, g); code != 201 {
		t.Fatalf("first write: %d %s; want 201", code, body)
	}
	if code, body := call(t, s, "POST", "/api/grades", teacher, g); code != 200 {
		t.Errorf("replay: %d %s; want 200", code, body)
	}
	if code, body := call(t, s, "POST", "/api/grades", login(t, s, "teacher002"), g); code != 409 {
		t.Errorf("another teacher reusing the write_id: %d %s; want 409", code, body)
	}
	// 201 means committed: a fresh connection sees exactly one row.
	p, err := d.primary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := p.QueryRow(context.Background(), "SELECT count(*) FROM grades WHERE write_id = 'same'").Scan(&n); err != nil || n != 1 {
		t.Errorf("rows for write_id same: %d (%v); want 1", n, err)
	}
}

func TestDocumentLimit(t *testing.T) {
	s, _ := server(t, startPrimary(t).url())
	pupil := login(t, s, "pupil0001")
	if code, _ := call(t, s, "POST", "/api/documents?name=big.pdf", pupil, bytes.Repeat([]byte("x"), maxDocument+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a document over 1 MiB: %d; want 413", code)
	}
	code, body := call(t, s, "POST", "/api/documents?name=devoir.txt", pupil, []byte("ma rédaction"))
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var out struct{ ID int64 }
	_ = json.Unmarshal(body, &out)
	path := fmt.Sprintf("/api/documents/%d", out.ID)
	for who, want := range map[string]int{"pupil0001": 200, "parent0001": 200, "teacher001": 200, "pupil0002": 403, "parent0002": 403, "teacher002": 403} {
		if code, body := call(t, s, "GET", path, login(t, s, who), nil); code != want || (want == 200 && string(body) != "ma rédaction") {
			t.Errorf("%s reads the document: %d %q; want %d", who, code, body, want)
		}
	}
}

func TestMigrationsConcurrent(t *testing.T) {
	c := startPrimary(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &db{urls: []string{c.url()}}
			defer d.close()
			errs[i] = d.migrate(context.Background(), 60)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migration %d: %v", i, err)
		}
	}
	d := &db{urls: []string{c.url()}}
	defer d.close()
	p, err := d.primary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var version, users int
	_ = p.QueryRow(context.Background(), "SELECT max(version) FROM schema_migrations").Scan(&version)
	_ = p.QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&users)
	if version != len(migrations) || users != 60+60+3 {
		t.Errorf("after 4 concurrent starts: schema version %d, %d users; want %d and 123", version, users, len(migrations))
	}
}

// TestFollowsPrimary lists the standby first: entd must use the primary,
// then, once the standby is promoted and the old primary stopped, switch.
func TestFollowsPrimary(t *testing.T) {
	primary := startPrimary(t)
	standby := startStandby(t, primary)
	s, _ := server(t, standby.url(), primary.url())
	teacher := login(t, s, "teacher001")
	if code, body := call(t, s, "POST", "/api/grades", teacher, map[string]any{"write_id": "before", "pupil": "pupil0001", "subject": "maths", "value": 10}); code != 201 {
		t.Fatalf("write on the primary: %d %s", code, body)
	}
	mustRun(t, asPostgres("pg_ctl", "-D", primary.dir, "-m", "immediate", "stop"))
	mustRun(t, asPostgres("pg_ctl", "-D", standby.dir, "-w", "promote"))
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := call(t, s, "POST", "/api/grades", teacher, map[string]any{"write_id": "after", "pupil": "pupil0001", "subject": "maths", "value": 11})
		if code == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the failover, writes still fail: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, body := call(t, s, "GET", "/api/grades?pupil=pupil0001", teacher, nil)
	if !strings.Contains(string(body), `"before"`) || !strings.Contains(string(body), `"after"`) {
		t.Errorf("the promoted standby should hold both grades: %s", body)
	}
}
