package containers

import (
	"context"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// clock maps a region's wall time to experiment time. Waiting (human
// delays, hours-long outages, quiet periods) is compressed by time_scale;
// while a real mechanism runs (promotion, restore, restart, the service
// coming back) the clock runs at 1:1, so that what the machine really
// took is reported as it was measured, not multiplied.
type clock struct {
	start time.Time
	scale float64

	mu      sync.Mutex
	windows [][2]time.Time // closed real-time windows
	open    time.Time      // start of the open window, zero when none
	depth   int            // how many holders keep the window open
}

func newClock(start time.Time, scale float64) *clock {
	if scale <= 0 {
		scale = 1
	}
	return &clock{start: start, scale: scale}
}

// exp is the experiment time at wall time w.
func (c *clock) exp(w time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.Before(c.start) {
		return 0
	}
	var real time.Duration
	add := func(a, b time.Time) {
		if b.After(w) {
			b = w
		}
		if b.After(a) {
			real += b.Sub(a)
		}
	}
	for _, win := range c.windows {
		add(win[0], win[1])
	}
	if !c.open.IsZero() {
		add(c.open, w)
	}
	compressed := w.Sub(c.start) - real
	return time.Duration(float64(compressed)*c.scale) + real
}

// now is the experiment time now.
func (c *clock) now() time.Duration { return c.exp(time.Now()) }

// real starts a real-time window, or joins the open one. Every real must
// be matched by a compress: the window closes when its last holder leaves.
func (c *clock) real(w time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.depth == 0 {
		c.open = w
	}
	c.depth++
}

// compress leaves the real-time window, closing it if it was the last
// holder.
func (c *clock) compress(w time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.depth == 0 {
		return
	}
	c.depth--
	if c.depth == 0 {
		c.windows = append(c.windows, [2]time.Time{c.open, w})
		c.open = time.Time{}
	}
}

// pace is how many experiment seconds a wall second stood for at w: 1
// inside a real-time window, time_scale outside. A request sent at w
// stands for that much experiment time of its stream, so shares counted
// over requests weigh each by it: the seconds measured at 1:1 must not
// outweigh the compressed hours around them.
func (c *clock) pace(w time.Time) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.open.IsZero() && !w.Before(c.open) {
		return 1
	}
	for _, win := range c.windows {
		if !w.Before(win[0]) && w.Before(win[1]) {
			return 1
		}
	}
	return c.scale
}

// wallFor is how long to wait on the wall for d of compressed experiment
// time.
func (c *clock) wallFor(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.scale)
}

// wait sleeps until the clock reads at (experiment time) and returns how
// late, in wall time, it woke. It re-reads the clock as it goes, because a
// real-time window may open or close meanwhile.
func (c *clock) wait(ctx context.Context, at time.Duration) (time.Duration, bool) {
	for {
		now := time.Now()
		left := at - c.exp(now)
		if left <= 0 {
			c.mu.Lock()
			realNow := !c.open.IsZero()
			c.mu.Unlock()
			if realNow {
				return -left, true
			}
			return time.Duration(float64(-left) / c.scale), true
		}
		c.mu.Lock()
		d := time.Duration(float64(left) / c.scale)
		if !c.open.IsZero() {
			d = left
		}
		c.mu.Unlock()
		if !platform.Sleep(ctx, time.Until(now.Add(min(d, 200*time.Millisecond)))) {
			return 0, false
		}
	}
}
