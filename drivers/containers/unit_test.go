package containers

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firedrill/firedrill/experiments"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestOutages(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * probeEvery) }
	series := func(pattern string) []result {
		var rs []result
		for i, c := range pattern {
			rs = append(rs, result{sent: at(i), ok: c == '+'})
		}
		return rs
	}
	end := at(100)
	tests := []struct {
		name    string
		pattern string
		want    [][2]time.Time
	}{
		{"all good", "++++++++++++", nil},
		{"one outage", "+++---++++++++++++", [][2]time.Time{{at(3), at(6)}}},
		// A few good probes inside an outage do not end it: only a
		// sustained run does.
		{"flapping", "++--+++--++++++++++++", [][2]time.Time{{at(2), at(9)}}},
		{"still down at the end", "+++------", [][2]time.Time{{at(3), end}}},
		{"two outages", "+-++++++++++++-++++++++++", [][2]time.Time{{at(1), at(2)}, {at(14), at(15)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outages(series(tt.pattern), end)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	c := newClock(t0, 60)
	if got := c.exp(t0.Add(10 * time.Second)); got != 10*time.Minute {
		t.Errorf("compressed: %s; want 10m", got)
	}
	// A mechanism runs for 5 s of wall time: 5 s of experiment, not 5 min.
	c.real(t0.Add(10 * time.Second))
	if got := c.exp(t0.Add(12 * time.Second)); got != 10*time.Minute+2*time.Second {
		t.Errorf("inside a real window: %s; want 10m2s", got)
	}
	c.compress(t0.Add(15 * time.Second))
	if got := c.exp(t0.Add(16 * time.Second)); got != 10*time.Minute+5*time.Second+time.Minute {
		t.Errorf("after it: %s; want 11m5s", got)
	}
	if got := c.wallFor(time.Hour); got != time.Minute {
		t.Errorf("wallFor(1h) at 60x: %s; want 1m", got)
	}
}

func TestBackupTimes(t *testing.T) {
	start := time.Date(2021, 3, 10, 8, 0, 0, 0, time.UTC)
	exp := &experiments.Experiment{Start: start, Duration: 4 * time.Hour}
	tests := []struct {
		name string
		b    experiments.Backup
		want []time.Duration
	}{
		{"every 30m", experiments.Backup{Every: 30 * time.Minute},
			[]time.Duration{0, 30 * time.Minute, time.Hour, 90 * time.Minute, 2 * time.Hour, 150 * time.Minute, 3 * time.Hour, 210 * time.Minute}},
		// Nightly at 02:00: none falls in 08:00-12:00, only the one that
		// stands for last night's.
		{"nightly", experiments.Backup{Every: 24 * time.Hour, Offset: 2 * time.Hour}, []time.Duration{0}},
		{"hourly at :15", experiments.Backup{Every: time.Hour, Offset: 15 * time.Minute},
			[]time.Duration{0, 15 * time.Minute, 75 * time.Minute, 135 * time.Minute, 195 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, backupTimes(exp, tt.b)); diff != "" {
				t.Errorf("backupTimes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHAProxyConfig(t *testing.T) {
	tests := []struct {
		name string
		p    haproxyParams
	}{
		{"plain", haproxyParams{Servers: []string{"r0-app-par1-1", "r0-app-par1-r"}}},
		{"admission-rate-limit", haproxyParams{Servers: []string{"r0-app-par1-1"}, MaxSessions: 25, Protection: experiments.DDoSRateLimit, RatePerIP: rateLimitPerClient}},
		{"scrubbing", haproxyParams{Servers: []string{"r0-app-par1-1"}, Protection: experiments.DDoSScrubbing, RatePerIP: rateLimitPerClient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := haproxyConfig(tt.p)
			path := filepath.Join("testdata", "haproxy-"+tt.name+".cfg")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}
