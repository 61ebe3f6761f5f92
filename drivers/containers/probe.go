package containers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/firedrill/firedrill/engine"
)

const (
	// probeEvery is the prober's interval, in wall time.
	probeEvery = 100 * time.Millisecond
	// probeTimeout: a probe slower than this is a failure, as it is for a
	// user staring at a spinner.
	probeTimeout = time.Second
	// sustain is how many successful checks in a row, over at least
	// sustainSpan, end an outage: ten probes, a second of wall time.
	sustain     = 10
	sustainSpan = 9 * probeEvery
	// maxInFlight bounds outstanding requests per generator, so that a hung
	// stack cannot pile up goroutines.
	maxInFlight = 64
	// pupilsPerTeacher is entd's seeding: teacher001 teaches pupil0001 to
	// pupil0020, teacher002 the next twenty, and so on.
	pupilsPerTeacher = 20
)

// result is one request's outcome.
type result struct {
	sent    time.Time
	latency time.Duration
	ok      bool
	// restricted: admission control answered with its page.
	restricted bool
}

// series is a thread-safe list of results.
type series struct {
	mu  sync.Mutex
	all []result
}

func (s *series) add(r result) {
	s.mu.Lock()
	s.all = append(s.all, r)
	s.mu.Unlock()
}

func (s *series) sorted() []result {
	s.mu.Lock()
	out := append([]result(nil), s.all...)
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].sent.Before(out[j].sent) })
	return out
}

// okStreak says whether the last n results all succeeded.
func (s *series) okStreak(n int) bool {
	rs := s.sorted()
	if len(rs) < n {
		return false
	}
	for _, r := range rs[len(rs)-n:] {
		if !r.ok {
			return false
		}
	}
	return true
}

// between counts the results sent in [from, to), and those that
// succeeded.
func (s *series) between(from, to time.Time) (ok, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.all {
		if !r.sent.Before(from) && r.sent.Before(to) {
			n++
			if r.ok {
				ok++
			}
		}
	}
	return ok, n
}

// probe hits the region's entry point every probeEvery until ctx ends.
// Probes are sent on a fixed schedule whatever the answers take, so that a
// slow stack shows as slow probes, not as fewer probes.
func probe(ctx context.Context, entry string, timeout time.Duration, out *series) {
	hc := &http.Client{Timeout: timeout}
	t := time.NewTicker(probeEvery)
	defer t.Stop()
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case sent := <-t.C:
			select {
			case sem <- struct{}{}:
			default:
				out.add(result{sent: sent, ok: false, latency: timeout})
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, entry+"/api/probe", nil)
				// Each probe plays a different user: a rate limit per
				// address must not mistake the prober for a bot.
				req.Header.Set("X-Forwarded-For", userAddr(sent.UnixNano()/int64(probeEvery)))
				resp, err := hc.Do(req)
				ok := err == nil && resp.StatusCode == http.StatusOK
				restricted := false
				if err == nil {
					body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
					restricted = resp.StatusCode == http.StatusServiceUnavailable && bytes.Contains(body, []byte("restreint"))
					resp.Body.Close()
				}
				out.add(result{sent: sent, ok: ok, restricted: restricted, latency: time.Since(sent)})
			}()
		}
	}
}

// outages turns a series of checks (probes, writes) into outage spans in
// wall time: from the first failed check to the first of a sustained run
// of successful ones. An outage still open at the end runs to end.
func outages(rs []result, end time.Time) [][2]time.Time {
	var out [][2]time.Time
	var start time.Time
	down, streak := false, 0
	var streakStart time.Time
	for _, r := range rs {
		switch {
		case !r.ok && !down:
			down, start, streak = true, r.sent, 0
		case !r.ok:
			streak = 0
		case down:
			if streak == 0 {
				streakStart = r.sent
			}
			streak++
			if streak >= sustain && r.sent.Sub(streakStart) >= sustainSpan {
				out = append(out, [2]time.Time{start, streakStart})
				down, streak = false, 0
			}
		}
	}
	if down {
		out = append(out, [2]time.Time{start, end})
	}
	return out
}

// write is one grade a teacher's client entered.
type write struct {
	id         string
	sent, done time.Time
	acked      bool // 200 or 201: the server said it is stored
	status     int  // 0 for a transport error or timeout
	// history marks the grades replayed before t0; at is their experiment
	// time (negative).
	history bool
	at      time.Duration
}

// ledger records every write the clients sent, acknowledged or not.
type ledger struct {
	mu     sync.Mutex
	writes []write
}

func (l *ledger) add(w write) {
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
}

func (l *ledger) all() []write {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]write(nil), l.writes...)
}

// teacher is a teacher's client entering grades through the entry point.
type teacher struct {
	entry, login, prefix string
	// firstPupil is the first of the pupilsPerTeacher pupils the teacher
	// grades: entd refuses grades for another teacher's pupils.
	firstPupil int
	hc         *http.Client
	mu         sync.Mutex
	token      string
	seq        int
}

func (t *teacher) signIn(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" {
		return t.token, nil
	}
	body, _ := json.Marshal(map[string]string{"login": t.login, "password": "pw-" + t.login})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.entry+"/api/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", userAddr(int64(len(t.login))))
	resp, err := t.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign in as %s: %s", t.login, resp.Status)
	}
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("sign in as %s: %w", t.login, err)
	}
	t.token = out.Token
	return t.token, nil
}

func (t *teacher) forget(token string) {
	t.mu.Lock()
	if t.token == token {
		t.token = ""
	}
	t.mu.Unlock()
}

// enterGrades posts grades at rate per second (open model: on schedule,
// whatever the answers take) until ctx ends, and records each in l.
func (t *teacher) enterGrades(ctx context.Context, rate float64, l *ledger) {
	every := time.Duration(float64(time.Second) / rate)
	tk := time.NewTicker(every)
	defer tk.Stop()
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	rng := rand.New(rand.NewPCG(uint64(len(t.prefix)), 7))
	for {
		select {
		case <-ctx.Done():
			return
		case sent := <-tk.C:
			t.seq++
			id := fmt.Sprintf("%s-%06d", t.prefix, t.seq)
			pupil := fmt.Sprintf("pupil%04d", t.firstPupil+rng.IntN(pupilsPerTeacher))
			value := float64(rng.IntN(41)) / 2
			select {
			case sem <- struct{}{}:
			default:
				l.add(write{id: id, sent: sent, done: sent})
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				status := t.post(context.WithoutCancel(ctx), id, pupil, value)
				l.add(write{id: id, sent: sent, done: time.Now(), status: status, acked: status == http.StatusCreated || status == http.StatusOK})
			}()
		}
	}
}

func (t *teacher) post(ctx context.Context, id, pupil string, value float64) int {
	token, err := t.signIn(ctx)
	if err != nil {
		return 0
	}
	body, _ := json.Marshal(map[string]any{"write_id": id, "pupil": pupil, "subject": "maths", "value": value})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.entry+"/api/grades", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-For", userAddr(int64(fnvHash(id))))
	resp, err := t.hc.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		// The session did not survive (a restore from an older backup):
		// sign in again for the next write.
		t.forget(token)
	}
	return resp.StatusCode
}

// phases sums latency and errors of probes and writes before, during and
// after the faults.
func phases(probes []result, writes []write, during [2]time.Time) []engine.Phase {
	type acc struct {
		h          *hdrhistogram.Histogram
		req, errs  int64
		maxLatency time.Duration
	}
	names := []string{"before", "during", "after"}
	accs := make([]acc, 3)
	for i := range accs {
		accs[i].h = hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3)
	}
	which := func(t time.Time) int {
		switch {
		case during[0].IsZero() || t.Before(during[0]):
			return 0
		case t.Before(during[1]):
			return 1
		}
		return 2
	}
	record := func(t time.Time, lat time.Duration, ok bool) {
		a := &accs[which(t)]
		a.req++
		if !ok {
			a.errs++
		}
		_ = a.h.RecordValue(max(1, lat.Microseconds()))
		a.maxLatency = max(a.maxLatency, lat)
	}
	for _, p := range probes {
		record(p.sent, p.latency, p.ok)
	}
	for _, w := range writes {
		record(w.sent, w.done.Sub(w.sent), w.acked)
	}
	var out []engine.Phase
	for i, a := range accs {
		if a.req == 0 {
			continue
		}
		out = append(out, engine.Phase{
			Name: names[i], Requests: a.req, Errors: a.errs,
			P50: time.Duration(a.h.ValueAtQuantile(50)) * time.Microsecond,
			P99: time.Duration(a.h.ValueAtQuantile(99)) * time.Microsecond,
			Max: a.maxLatency,
		})
	}
	return out
}

// userAddr is the address of the n-th of many users' homes, as a CDN in
// front of the entry point would pass it in X-Forwarded-For.
func userAddr(n int64) string {
	if n < 0 {
		n = -n
	}
	return fmt.Sprintf("10.%d.%d.%d", 100+n%100, (n/100)%250, 1+(n/25000)%250)
}

func fnvHash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}
