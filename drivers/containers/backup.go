package containers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// backupTimes lists the experiment-time offsets at which schedule b runs
// within the horizon: at midnight(start) + offset + k x every, as the
// model driver has them. The run starts with one backup at 0 that stands
// for the newest one taken before the experiment began.
func backupTimes(e *experiments.Experiment, b experiments.Backup) []time.Duration {
	out := []time.Duration{0}
	if b.Every <= 0 {
		return out
	}
	y, m, d := e.Start.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, e.Start.Location())
	first := midnight.Add(b.Offset).Sub(e.Start)
	for first > 0 {
		first -= b.Every
	}
	for t := first; t < e.Duration; t += b.Every {
		if t > 0 {
			out = append(out, t)
		}
	}
	return out
}

// backups runs the region's backup schedules until ctx ends: each agent
// dumps the current primary into its own volume, in its own datacenter.
func (g *region) backups(ctx context.Context, wg *sync.WaitGroup) {
	for _, a := range g.agents {
		var times []time.Duration
		for _, b := range a.specs {
			times = append(times, backupTimes(g.run.exp, b)...)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, t := range times {
				// The backup at 0 was taken before the clock started.
				if t == 0 || (i > 0 && t == times[i-1]) {
					continue
				}
				if _, ok := g.clock.wait(ctx, t); !ok {
					return
				}
				g.takeBackup(ctx, a, i)
			}
		}()
	}
}

func (g *region) takeBackup(ctx context.Context, a *agent, n int) {
	if down, gone, _ := a.c.state(); down || gone {
		return
	}
	g.mu.Lock()
	primary := g.primary
	g.mu.Unlock()
	if primary == nil {
		return
	}
	alias := primary.alias
	if alias == g.alias("pg-restore") && primary.dc != a.dc {
		// A restored primary in another datacenter is where no link from
		// this agent leads: its backups stop.
		return
	}
	started := time.Now()
	// at is when the backup is recorded: the backup taken before the clock
	// started stands at 0.
	at := func() time.Duration {
		if g.clock == nil {
			return 0
		}
		return g.clock.exp(started)
	}
	path := fmt.Sprintf("/backups/ent-%04d.dump", n)
	cmd := fmt.Sprintf("pg_dump -h %s -U postgres -Fc -f %s.part ent && mv %s.part %s && stat -c %%s %s", alias, path, path, path, path)
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := mustExec(cctx, g.run.cli, a.c.id, "postgres", "sh", "-c", cmd)
	if err != nil {
		if ctx.Err() == nil {
			g.note(engine.Event{At: at(), Kind: engine.EventBackup, Basis: engine.Measured, Took: time.Since(started),
				Text: fmt.Sprintf("backup into %s failed: %s", a.dc, reason(err.Error()))})
		}
		return
	}
	a.mu.Lock()
	a.dumps = append(a.dumps, dump{path: path, at: started})
	a.mu.Unlock()
	g.note(engine.Event{At: at(), Kind: engine.EventBackup, Basis: engine.Measured, Took: time.Since(started),
		Text: fmt.Sprintf("backup taken into %s (pg_dump, %s bytes)", a.dc, strings.TrimSpace(out))})
}

// reason keeps the part of a command's error that says why: the first
// "error: " line of its output, else its last line.
func reason(s string) string {
	if i := strings.Index(s, "error: "); i >= 0 {
		s, _, _ = strings.Cut(s[i+len("error: "):], "\n")
		return strings.TrimSpace(s)
	}
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
