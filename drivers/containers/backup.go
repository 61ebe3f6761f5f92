package containers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// backups runs the region's backup schedules from t0 until ctx ends: each
// agent dumps whichever database is the primary now into its own volume,
// in its own datacenter, at the times rules.NextBackup gives. Those at or
// before t0 were taken with the history.
func (g *region) backups(ctx context.Context, wg *sync.WaitGroup) {
	for _, a := range g.agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var t time.Duration
			for {
				n, ok := a.next(g.run.exp, t)
				if !ok || n >= g.run.exp.Duration {
					return
				}
				if _, ok := g.clock.wait(ctx, n); !ok {
					return
				}
				g.takeBackup(ctx, a, n)
				t = n
			}
		}()
	}
}

// takeBackup dumps the current primary into the agent's volume. at is the
// backup's scheduled experiment time; once the clock runs, the dump is
// recorded at the time it really started. A backup that cannot run is
// skipped, and said so, as on the model; it is not retried.
func (g *region) takeBackup(ctx context.Context, a *agent, at time.Duration) {
	skipped := func(why string) {
		g.note(engine.Event{At: at, Kind: engine.EventBackupSkipped, Basis: engine.Measured, Text: fmt.Sprintf("backup into %s skipped: %s", a.dc, why)})
	}
	if down, gone, _ := a.c.state(); gone {
		return // backups into a burned datacenter stop
	} else if down {
		skipped(a.dc + " is powered off")
		return
	}
	g.mu.Lock()
	primary := g.primary
	g.mu.Unlock()
	if primary == nil {
		skipped("no primary database runs")
		return
	}
	started := time.Now()
	if g.clock != nil {
		at = g.clock.exp(started)
	}
	a.mu.Lock()
	a.seq++
	path := fmt.Sprintf("/backups/ent-%04d.dump", a.seq)
	a.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	host, err := g.run.p.Addr(cctx, a.dc, primary.alias)
	out := ""
	if err == nil {
		cmd := fmt.Sprintf("pg_dump -h %s -U postgres -Fc -f %s.part ent && mv %s.part %s && stat -c %%s %s", host, path, path, path, path)
		out, err = g.run.mustExec(cctx, a.c, "postgres", "sh", "-c", cmd)
	}
	if err != nil {
		if ctx.Err() == nil {
			g.note(engine.Event{At: at, Kind: engine.EventBackupSkipped, Basis: engine.Measured, Took: time.Since(started),
				Text: fmt.Sprintf("backup into %s skipped: pg_dump from %s failed: %s", a.dc, primary.dc, reason(err.Error()))})
		}
		return
	}
	a.mu.Lock()
	a.dumps = append(a.dumps, dump{path: path, at: at})
	a.mu.Unlock()
	g.note(engine.Event{At: at, Kind: engine.EventBackup, Basis: engine.Measured, Took: time.Since(started),
		Text: fmt.Sprintf("backup taken into %s from %s (pg_dump, %s bytes)", a.dc, primary.dc, strings.TrimSpace(out))})
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
