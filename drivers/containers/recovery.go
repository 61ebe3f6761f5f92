package containers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// serviceBackLimit bounds how long the clock stays at 1:1 waiting for the
// service to come back after a mechanism finished.
const serviceBackLimit = 90 * time.Second

func (g *region) note(e engine.Event) {
	g.mu.Lock()
	g.timeline = append(g.timeline, e)
	if e.Kind == engine.EventFault && e.Fault != "" {
		g.hitBy[e.Fault] = true
	}
	g.mu.Unlock()
}

func (g *region) event(kind engine.EventKind, basis engine.Basis, fault string, took time.Duration, format string, args ...any) {
	g.note(engine.Event{At: g.clock.now(), Kind: kind, Basis: basis, Fault: fault, Took: took, Text: fmt.Sprintf(format, args...)})
}

// lost is told that the containers hit by e (those hit says) are down, or
// gone with their data when destroyed; it starts a recovery when the
// primary database is among them.
func (g *region) lost(ctx context.Context, at time.Time, e faults.Effect, hit func(*ctr) bool, destroyed bool) {
	g.mu.Lock()
	primary, standby := g.primary, g.standby
	if standby != nil && hit(standby) && destroyed {
		g.standby = nil
	}
	// A region whose data is all lost has nothing left to recover: a
	// later fault on its datacenters starts no recovery (the model's
	// primary is gone for good, too).
	busy := g.busy || g.allLost
	hitPrimary := primary != nil && hit(primary)
	if hitPrimary && !busy {
		g.busy = true
	}
	for _, a := range g.agents {
		if destroyed && hit(a.c) {
			a.mu.Lock()
			if len(a.dumps) > 0 {
				g.timeline = append(g.timeline, engine.Event{At: g.clock.now(), Kind: engine.EventBackupLost, Basis: engine.Measured, Fault: e.Fault,
					Text: fmt.Sprintf("%d backups in %s destroyed", len(a.dumps), a.dc)})
			}
			a.dumps = nil
			a.mu.Unlock()
		}
	}
	g.mu.Unlock()
	if !hitPrimary || busy {
		return
	}
	what := "powered off"
	if destroyed {
		what = "destroyed"
		if e.Action == faults.LoseDisk {
			what = "lost its disks"
		}
	}
	g.note(engine.Event{At: g.clock.exp(at), Kind: engine.EventDown, Basis: engine.Measured, Fault: e.Fault,
		Text: fmt.Sprintf("primary database in %s %s", primary.dc, what)})
	g.recovering.Add(1)
	go func() {
		defer g.recovering.Done()
		g.recoverPrimary(ctx, at, e, primary, destroyed)
	}()
}

func (g *region) forgetDumps(c *ctr) {
	for _, a := range g.agents {
		if a.c == c {
			a.mu.Lock()
			n := len(a.dumps)
			a.dumps = nil
			a.mu.Unlock()
			if n > 0 {
				g.event(engine.EventBackupLost, engine.Measured, "", 0, "%d backups in %s lost with the disk", n, a.dc)
			}
		}
	}
}

// sleepModeled waits for d of experiment time on the region's clock.
func (g *region) sleepModeled(ctx context.Context, d time.Duration) bool {
	_, ok := g.clock.wait(ctx, faults.AddDurations(g.clock.now(), d))
	return ok
}

// sleepModeledUnless waits for d of experiment time on the region's
// clock, or until stop says so; false when ctx ended first.
func (g *region) sleepModeledUnless(ctx context.Context, d time.Duration, stop func() bool) bool {
	until := g.clock.now() + d
	for g.clock.now() < until && !stop() {
		if !platform.Sleep(ctx, 50*time.Millisecond) {
			return false
		}
	}
	return true
}

// recoverPrimary follows the rules the model driver follows, for real:
// fail over to a usable standby, else restore the newest surviving backup
// into a surviving datacenter, else wait for the power, else give up.
func (g *region) recoverPrimary(ctx context.Context, at time.Time, e faults.Effect, old *ctr, destroyed bool) {
	defer func() {
		g.mu.Lock()
		g.busy = false
		g.mu.Unlock()
	}()
	h := g.h
	// Detection runs from the moment of the fault, not from when Docker
	// finished killing containers.
	detected := faults.AddDurations(g.clock.exp(at), h.Detection)
	if _, ok := g.clock.wait(ctx, detected); !ok {
		return
	}
	g.note(engine.Event{At: detected, Kind: engine.EventDetected, Basis: engine.Modeled, Fault: e.Fault, Took: h.Detection,
		Text: fmt.Sprintf("failure detected (detection %s, compressed)", faults.FormatDuration(h.Detection))})
	g.stepDone(engine.StepDetection, engine.Modeled, h.Detection)
	// The operator is called, as on the model, to promote a usable
	// standby by hand or to restore lost data; not to wait for the power.
	operator := func() bool {
		if !g.sleepModeled(ctx, h.OperatorResponse) {
			return false
		}
		g.stepDone(engine.StepOperator, engine.Modeled, h.OperatorResponse)
		return true
	}
	g.mu.Lock()
	standby := g.standby
	g.mu.Unlock()
	if standby != nil {
		down, gone, _ := standby.state()
		dcDown, dcGone := g.dcState(standby.dc)
		if !down && !gone && !dcDown && !dcGone {
			if h.Failover == experiments.FailoverManual && !operator() {
				return
			}
			g.failover(ctx, old, standby)
			return
		}
		g.event(engine.EventDown, engine.Measured, "", 0, "standby in %s unavailable: no failover", standby.dc)
	}
	if destroyed {
		if !operator() {
			return
		}
		g.restore(ctx, e, old, false)
		return
	}
	// Powered off: wait for the power, then for the server to take its
	// WAL back; with max_wait, stop waiting when rules.StopWaitingAt says
	// and restore elsewhere, as the model does.
	giveUp, mayGiveUp := rules.StopWaitingAt(h, g.clock.exp(at))
	for {
		if down, gone, _ := old.state(); gone {
			g.setRecovery(engine.RecoveryUnrecoverable)
			return
		} else if !down {
			break
		}
		if now := g.clock.now(); mayGiveUp && now >= giveUp && g.readableElsewhere(old.dc) {
			g.event(engine.EventDown, engine.Modeled, "", 0, "no power in %s for %s (max_wait %s): the operator stops waiting and restores elsewhere",
				old.dc, faults.FormatDuration(now-g.clock.exp(at)), faults.FormatDuration(h.MaxWait))
			if g.restore(ctx, e, old, true) {
				return
			}
			mayGiveUp = false // the power came back first: restart it
			continue
		}
		if !platform.Sleep(ctx, 50*time.Millisecond) {
			g.setRecovery(engine.RecoveryPending)
			return
		}
	}
	started := time.Now()
	g.clock.real(started)
	if err := g.waitDB(ctx, old, false); err != nil {
		g.event(engine.EventDown, engine.Measured, "", time.Since(started), "database in %s did not come back: %v", old.dc, err)
		g.setRecovery(engine.RecoveryPending)
		g.clock.compress(time.Now())
		return
	}
	g.event(engine.EventUp, engine.Measured, "", time.Since(started), "power back in %s, database recovered from its WAL", old.dc)
	g.stepDone(engine.StepPowerBack, engine.Measured, time.Since(started))
	g.setRecovery(engine.RecoveryPowerBack)
	g.serviceBack(ctx, started)
}

func (g *region) setRecovery(r engine.Recovery) {
	g.mu.Lock()
	g.recovery = r
	g.mu.Unlock()
}

// failover promotes the standby and fences the old primary so that it
// never comes back as a second primary.
func (g *region) failover(ctx context.Context, old, standby *ctr) {
	r := g.run
	started := time.Now()
	g.clock.real(started)
	g.event(engine.EventFailoverStart, engine.Measured, "", 0, "promoting the standby in %s", standby.dc)
	old.mu.Lock()
	old.fenced = true
	old.mu.Unlock()
	_ = r.kill(context.WithoutCancel(ctx), old)
	if _, err := r.mustExec(ctx, standby, "postgres", "pg_ctl", "promote", "-w", "-t", "60", "-D", "/var/lib/postgresql/data/pg"); err != nil {
		g.event(engine.EventDown, engine.Measured, "", time.Since(started), "promotion failed: %v", err)
		g.setRecovery(engine.RecoveryPending)
		g.clock.compress(time.Now())
		return
	}
	if err := g.waitDB(ctx, standby, true); err != nil {
		g.event(engine.EventDown, engine.Measured, "", time.Since(started), "promoted standby not writable: %v", err)
	}
	g.mu.Lock()
	g.primary, g.standby = standby, nil
	g.mu.Unlock()
	g.note(engine.Event{At: g.clock.now(), Kind: engine.EventFailoverDone, Basis: engine.Measured, Took: time.Since(started), Primary: standby.dc,
		Text: fmt.Sprintf("standby in %s is the new primary (pg_ctl promote)", standby.dc)})
	g.stepDone(engine.StepPromotion, engine.Measured, time.Since(started))
	g.setRecovery(engine.RecoveryFailover)
	g.serviceBack(ctx, started)
}

// waitDB waits until a database answers, and is a primary when primary.
func (g *region) waitDB(ctx context.Context, c *ctr, primary bool) error {
	deadline := time.Now().Add(2 * time.Minute)
	var last error
	for time.Now().Before(deadline) {
		out, err := g.run.exec(ctx, c, "postgres", "psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "ent", "-c", "SELECT pg_is_in_recovery()")
		switch {
		case err != nil:
			last = err
		case out.Code != 0:
			last = fmt.Errorf("%s", strings.TrimSpace(out.Stderr))
		case !primary || strings.TrimSpace(out.Stdout) == "f":
			return nil
		default:
			last = fmt.Errorf("still in recovery")
		}
		if !platform.Sleep(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	return last
}

// serviceBack keeps the clock at 1:1 until the prober sees the service
// back, so that the catch-up (entd finding the new primary, HAProxy's
// health checks) is measured, not compressed.
func (g *region) serviceBack(ctx context.Context, since time.Time) {
	deadline := since.Add(serviceBackLimit)
	called := time.Now()
	for time.Now().Before(deadline) {
		if g.probes.okStreak(sustain) {
			g.event(engine.EventRestored, engine.Measured, "", time.Since(since), "service answering again")
			g.stepDone(engine.StepCatchUp, engine.Measured, time.Since(called))
			break
		}
		if !platform.Sleep(ctx, probeEvery) {
			break
		}
	}
	g.clock.compress(time.Now())
}

// readableElsewhere says whether a backup outside dc can be read now: one
// survives in a datacenter that runs.
func (g *region) readableElsewhere(dc string) bool {
	for _, a := range g.agents {
		down, gone := g.dcState(a.dc)
		if _, ok := a.newest(); ok && a.dc != dc && !down && !gone {
			return true
		}
	}
	return false
}

// restore provisions a new primary in a surviving datacenter from the
// newest surviving backup: provisioning (modeled), the real pg_restore of
// the real dump (measured), then the rest of data_size / restore_rate
// (modeled: the real database is a few megabytes, the region's is not),
// and the service back (measured).
//
// elsewhere is the operator giving up on old, a primary whose datacenter
// is dark (rules.StopWaitingAt): only backups outside it that can be read
// now count, and if its power comes back before the restore is done the
// restore is abandoned and restore returns false, for old to restart with
// its data. A restore that completes fences old, so that it never comes
// back as a second primary.
func (g *region) restore(ctx context.Context, e faults.Effect, old *ctr, elsewhere bool) bool {
	r, h := g.run, g.h
	failedDC := old.dc
	powerBack := func() bool {
		if !elsewhere {
			return false
		}
		down, gone, _ := old.state()
		return !down && !gone
	}
	var best *agent
	var bestDump dump
	for _, a := range g.agents {
		if _, gone, _ := a.c.state(); gone {
			continue
		}
		if down, _ := g.dcState(a.dc); elsewhere && (a.dc == failedDC || down) {
			continue
		}
		if d, ok := a.newest(); ok && (best == nil || d.at > bestDump.at) {
			best, bestDump = a, d
		}
	}
	if best == nil && elsewhere {
		return false // nothing readable elsewhere after all: wait for the power
	}
	if best == nil {
		g.event(engine.EventUnrecoverable, engine.Measured, e.Fault, 0, "no copy of the data survived")
		g.mu.Lock()
		g.allLost = true
		g.recovery = engine.RecoveryUnrecoverable
		g.mu.Unlock()
		return true
	}
	// The backup must be reachable and the target up: wait for the power
	// if need be.
	var target string
	for {
		down, gone := g.dcState(best.dc)
		if gone {
			g.event(engine.EventUnrecoverable, engine.Measured, e.Fault, 0, "no copy of the data survived")
			g.setRecovery(engine.RecoveryUnrecoverable)
			return true
		}
		target = g.restoreTarget(failedDC, best.dc)
		if !down && target != "" {
			break
		}
		if powerBack() {
			return false
		}
		if !platform.Sleep(ctx, 50*time.Millisecond) {
			g.setRecovery(engine.RecoveryPending)
			return true
		}
	}
	if !g.sleepModeledUnless(ctx, h.Provisioning, powerBack) {
		g.setRecovery(engine.RecoveryPending)
		return true
	}
	if powerBack() {
		g.event(engine.EventDown, engine.Modeled, "", 0, "power back in %s: the restore into %s is abandoned, the primary restarts with its data", failedDC, target)
		return false
	}
	g.stepDone(engine.StepProvisioning, engine.Modeled, h.Provisioning)
	started := time.Now()
	g.clock.real(started)
	g.event(engine.EventRestoreStart, engine.Measured, "", 0, "restoring the backup of %s from %s into %s (after %s of provisioning, compressed)",
		g.run.exp.Start.Add(bestDump.at).Format("Jan 2 15:04"), best.dc, target, faults.FormatDuration(h.Provisioning))
	fail := func(err error) {
		g.event(engine.EventDown, engine.Measured, "", time.Since(started), "restore failed: %v", err)
		g.setRecovery(engine.RecoveryPending)
		g.clock.compress(time.Now())
	}
	data, err := r.p.CopyOut(ctx, best.c.id, bestDump.path)
	if err != nil {
		fail(err)
		return true
	}
	c, err := g.startDB(ctx, "pg-restore-"+slug(target), "pg-restore", target, map[string]string{"FD_ROLE": "restore", "FD_DUMP": "/tmp/restore.dump"},
		[]platform.File{{Path: "/tmp/restore.dump", Data: data, Mode: 0o644}})
	if err != nil {
		fail(err)
		return true
	}
	if powerBack() {
		_ = r.kill(context.WithoutCancel(ctx), c)
		g.event(engine.EventDown, engine.Measured, "", time.Since(started), "power back in %s: the restore into %s is abandoned, the primary restarts with its data", failedDC, target)
		g.clock.compress(time.Now())
		return false
	}
	g.mu.Lock()
	g.primary = c
	g.mu.Unlock()
	measured := time.Since(started)
	g.note(engine.Event{At: g.clock.now(), Kind: engine.EventRestoreDone, Basis: engine.Measured, Took: measured, Primary: target,
		Text: fmt.Sprintf("restored %d KiB into %s (pg_restore, measured)", len(data)>>10, target)})
	g.stepDone(engine.StepRestore, engine.Measured, measured)
	g.mech.mu.Lock()
	g.mech.restoreBytes, g.mech.restoreTook = float64(len(data)), measured
	g.mech.mu.Unlock()
	g.clock.compress(time.Now())
	// The real dump holds a few megabytes; the region's data_size takes
	// data_size / restore_rate to restore at the hosting's rate. That wait
	// is modeled, on the region's clock.
	if modeled := rules.RestoreTime(g.r, h); modeled > 0 {
		from := g.clock.now()
		if !g.sleepModeledUnless(ctx, modeled, powerBack) {
			g.setRecovery(engine.RecoveryPending)
			return true
		}
		if powerBack() {
			g.mu.Lock()
			g.primary = old
			g.mu.Unlock()
			_ = r.kill(context.WithoutCancel(ctx), c)
			g.event(engine.EventDown, engine.Modeled, "", 0, "power back in %s: the restore into %s is abandoned, the primary restarts with its data", failedDC, target)
			return false
		}
		g.note(engine.Event{At: from + modeled, Kind: engine.EventRestoreDone, Basis: engine.Modeled, Took: modeled,
			Text: fmt.Sprintf("restored %s at %s/s (data_size / restore_rate = %s, modeled)",
				bytesText(float64(g.r.DataSize)), bytesText(h.RestoreRate), faults.FormatDuration(modeled))})
		g.stepDone(engine.StepRestore, engine.Modeled, modeled)
	}
	if elsewhere {
		// the dark primary is given up: it must not come back beside c.
		old.mu.Lock()
		old.fenced = true
		old.mu.Unlock()
	}
	back := time.Now()
	g.clock.real(back)
	// Every surviving backup agent goes on backing up the new primary:
	// those in other datacenters reach it through a link of their own.
	errs := []error{}
	for _, a := range g.agents {
		if _, gone, _ := a.c.state(); gone || a.dc == target {
			continue
		}
		errs = append(errs, g.startLink(ctx, a.dc, target, g.alias("pg-restore")))
	}
	_, err = g.startApp(ctx, target, "r", []string{g.alias("pg-restore")})
	if err = errors.Join(append(errs, err)...); err != nil {
		g.event(engine.EventDown, engine.Measured, "", time.Since(back), "restore failed: %v", err)
		g.setRecovery(engine.RecoveryPending)
		g.clock.compress(time.Now())
		return true
	}
	g.setRecovery(engine.RecoveryRestore)
	g.serviceBack(ctx, back)
	return true
}

// bytesText writes a size in decimal units, as the experiment file does.
func bytesText(b float64) string {
	for _, u := range []struct {
		n    float64
		unit string
	}{{1e15, "PB"}, {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "KB"}} {
		if b >= u.n {
			return strconv.FormatFloat(b/u.n, 'f', -1, 64) + " " + u.unit
		}
	}
	return strconv.FormatFloat(b, 'f', -1, 64) + " B"
}

// restoreTarget picks where a restored primary goes, in the order of
// rules.RestoreCandidates, among datacenters up now.
func (g *region) restoreTarget(failedDC, backupDC string) string {
	for _, c := range rules.RestoreCandidates(g.run.exp, g.h, failedDC, backupDC) {
		if down, gone := g.dcState(c); !down && !gone {
			return c
		}
	}
	return ""
}
