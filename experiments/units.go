package experiments

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firedrill/firedrill/faults"
)

var sizeUnits = []struct {
	suffix string
	bytes  float64
}{
	// binary units first so that "GiB" is not read as "B" after "Gi".
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"B", 1},
}

// parseSize reads sizes such as "1.5TB", "800GiB" or "512MB" (decimal units
// as storage vendors quote them, binary units with an i).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), 64)
			if err != nil || n < 0 {
				break
			}
			return int64(n * u.bytes), nil
		}
	}
	return 0, fmt.Errorf(`invalid size %q: use a number and a unit (B, KB, MB, GB, TB, PB, or KiB..PiB), like "1.5TB"`, s)
}

// parseRate reads throughputs such as "200MB/s" into bytes per second.
func parseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "/s") {
		return 0, fmt.Errorf(`invalid rate %q: use a size per second, like "200MB/s"`, s)
	}
	n, err := parseSize(strings.TrimSuffix(t, "/s"))
	if err != nil || n == 0 {
		return 0, fmt.Errorf(`invalid rate %q: use a positive size per second, like "200MB/s"`, s)
	}
	return float64(n), nil
}

// parseClock reads a time of day "HH:MM" into an offset from midnight.
func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf(`invalid time of day %q: use "HH:MM", like "08:30"`, s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// unitOf names what a string default holds, when it is a quantity that
// attributes parse (a duration, a size, a rate or a time of day), so that
// a --var overriding it can be checked once, at the variable, rather than
// at every attribute that uses it. "" for free text.
func unitOf(s string) string {
	if s == "" {
		return ""
	}
	if _, err := faults.ParseDuration(s); err == nil {
		return "duration"
	}
	if _, err := parseRate(s); err == nil {
		return "rate"
	}
	if _, err := parseSize(s); err == nil {
		return "size"
	}
	if _, err := parseClock(s); err == nil {
		return "time of day"
	}
	return ""
}

// sameUnit says whether v is the same kind of quantity as the default def
// (any string when def is free text).
func sameUnit(def, v string) bool {
	u := unitOf(def)
	return u == "" || unitOf(v) == u
}
