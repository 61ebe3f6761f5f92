package containers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPostUntilAcked checks the history replay's retry against a fake
// entry point whose grade endpoint fails a given number of times before
// it acknowledges: one failure then 201 takes 2 posts and is acknowledged;
// 3 failures with 3 tries is given up after exactly 3 posts, with the last
// status (502) kept for the error message.
func TestPostUntilAcked(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int32
		wantPosts int32
		wantOK    bool
		wantCode  int
	}{
		{"first answer", 0, 1, true, http.StatusCreated},
		{"one lost", 1, 2, true, http.StatusCreated},
		{"all lost", 3, 3, false, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/api/login") {
					_, _ = w.Write([]byte(`{"token":"t"}`))
					return
				}
				if posts.Add(1) <= tt.failFirst {
					w.WriteHeader(http.StatusBadGateway)
					return
				}
				w.WriteHeader(http.StatusCreated)
			}))
			defer srv.Close()
			te := &teacher{entry: srv.URL, login: "teacher003", hc: newClient(loadTimeout)}
			code, ok := te.postUntilAcked(context.Background(), "w1", "pupil0001", 10, historyTries)
			if ok != tt.wantOK || code != tt.wantCode || posts.Load() != tt.wantPosts {
				t.Errorf("got ok %v, status %d after %d posts; want %v, %d after %d", ok, code, posts.Load(), tt.wantOK, tt.wantCode, tt.wantPosts)
			}
		})
	}
}
