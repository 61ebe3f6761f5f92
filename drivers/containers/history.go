package containers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

const (
	// historyLead is how far before the oldest backup a restore could use
	// the history starts, so that this backup holds grades too.
	historyLead = time.Hour
	// maxHistoryRows bounds the grades replayed per region: a weekly
	// backup would otherwise mean days of rows. Fewer rows each stand for
	// more real-world writes (see weigh).
	maxHistoryRows = 1500
	// historyInFlight is how many history grades are posted at once.
	historyInFlight = 8
	// historyTries is how often a history grade is posted before the
	// replay gives up on it.
	historyTries = 3
)

// historyPlan says from when, before t0, the region's database must hold
// acknowledged grades: historyLead before the oldest of the backups a
// restore could use at t0 (each agent's newest before t0). A region
// without backups needs none: a failover's standby holds what the primary
// held, and without any copy everything is lost whatever it held.
func (g *region) historyPlan() (from time.Duration, ok bool) {
	exp := g.run.exp
	for _, a := range g.agents {
		newest, found := time.Duration(0), false
		for _, b := range a.specs {
			if t, ok := rules.LastBackup(exp.Start, b, 0); ok && (!found || t > newest) {
				newest, found = t, true
			}
		}
		if found && newest-historyLead < from {
			from = newest - historyLead
		}
	}
	return from, from < 0
}

// replayHistory gives the region's database, before the clock starts, the
// grades its teachers would have entered since historyPlan's start: posted
// through the entry point like any grade, stamped with their experiment
// time (negative: before t0) and recorded in the ledger. Each backup
// scheduled in that span is taken when every grade before its time has
// been answered and none after it sent, so it holds exactly the grades up
// to its own time.
func (g *region) replayHistory(ctx context.Context) error {
	from, ok := g.historyPlan()
	if !ok {
		return nil
	}
	exp := g.run.exp
	// The same spacing, in experiment time, as the grades entered while
	// the clock runs, unless that makes too many rows.
	spacing := time.Duration(exp.TimeScale / g.writeRate(len(exp.Regions)) * float64(time.Second))
	spacing = max(spacing, -from/maxHistoryRows, time.Second)
	type due struct {
		at time.Duration
		a  *agent
	}
	var backups []due
	for _, a := range g.agents {
		for t, ok := a.next(exp, from); ok && t < 0; t, ok = a.next(exp, t) {
			backups = append(backups, due{t, a})
		}
	}
	slices.SortFunc(backups, func(x, y due) int { return int(x.at - y.at) })
	t := &teacher{entry: g.entry, login: "teacher003", prefix: g.rs + "-h", firstPupil: 1 + 2*pupilsPerTeacher, hc: newClient(loadTimeout)}
	defer t.hc.CloseIdleConnections()
	rows, acked := 0, 0
	next := from + spacing
	for i := 0; i <= len(backups); i++ {
		// The grades before the i-th backup (or before t0, after the last).
		until := time.Duration(0)
		if i < len(backups) {
			until = backups[i].at
		}
		var eg errgroup.Group
		eg.SetLimit(historyInFlight)
		for ; next < until || (i == len(backups) && next < 0); next += spacing {
			if err := ctx.Err(); err != nil {
				return err
			}
			rows++
			at := next
			id := fmt.Sprintf("%s-%06d", t.prefix, rows)
			pupil := fmt.Sprintf("pupil%04d", t.firstPupil+rows%pupilsPerTeacher)
			value := float64(rows%41) / 2
			eg.Go(func() error {
				sent := time.Now()
				status, ok := t.postUntilAcked(ctx, id, pupil, value, historyTries)
				g.writes.add(write{id: id, sent: sent, done: time.Now(), status: status, acked: ok, at: at, history: true})
				return nil
			})
		}
		_ = eg.Wait()
		if i < len(backups) {
			g.takeBackup(ctx, backups[i].a, backups[i].at)
		}
	}
	var failed []int
	for _, w := range g.writes.all() {
		switch {
		case w.history && w.acked:
			acked++
		case w.history:
			failed = append(failed, w.status)
		}
	}
	g.history = acked
	if acked < rows {
		return fmt.Errorf("region %s: history before t0: %d of %d grades acknowledged after %d tries each (statuses of the others, 0 for no answer: %v)", g.r.Name, acked, rows, historyTries, failed)
	}
	g.notes = append(g.notes, fmt.Sprintf("%s: history before t0: %d grades from %s (t0 %s), one per %s of experiment time, and %d backups taken on their schedule before t0",
		g.r.Name, acked, exp.Start.Add(from).Format("Jan 2 15:04"), exp.Start.Format("Jan 2 15:04"), faults.FormatDuration(spacing), len(backups)))
	return nil
}

// postUntilAcked posts a grade until it is acknowledged, at most tries
// times. History is the state before t0, not a measurement: a post lost on
// the way (a connection reset behind a Kubernetes Service) is sent again.
// The write id makes that safe: entd answers 200 for a grade it already
// holds, so a grade committed whose answer was lost is acknowledged once.
func (t *teacher) postUntilAcked(ctx context.Context, id, pupil string, value float64, tries int) (status int, ok bool) {
	for try := 0; try < tries && !ok; try++ {
		if !platform.Sleep(ctx, time.Duration(try)*200*time.Millisecond) {
			break
		}
		status = t.post(ctx, id, pupil, value)
		ok = status == http.StatusCreated || status == http.StatusOK
	}
	return status, ok
}
