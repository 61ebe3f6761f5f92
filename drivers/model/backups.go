package model

import (
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/rules"
	"time"
)

// backupAt says whether the backup into dc scheduled at bt happened, and
// if not why, and which fault is the cause. A scheduled backup that cannot
// run is skipped, not retried: the next one runs at its own time, as a
// cron job's pg_dump that failed would.
func (s *sim) backupAt(bt time.Duration, dc string) (ok bool, why, fault string) {
	if bt < 0 {
		return true, "", "" // the workload has run for ever: history holds
	}
	var prev *okSpan
	for i := range s.ok {
		o := &s.ok[i]
		if o.a <= bt && bt < o.b {
			if !s.w.up(dc, bt) {
				what, f := s.w.why(dc, bt)
				return false, dc + " " + what, f
			}
			if f := s.w.cutBy(o.dc, dc, bt); f != "" {
				return false, o.dc + " is cut off from " + dc, f
			}
			return true, "", ""
		}
		if o.b <= bt {
			prev = o
		}
	}
	if prev == nil {
		return false, "no primary database runs", ""
	}
	return false, "no primary database runs; " + prev.why, prev.fault
}

// backupEvents writes every scheduled backup of the horizon into the
// timeline: taken (from which primary), or skipped and why. Backups into a
// datacenter that burned stop, said once; after every copy was lost there
// is nothing left to back up.
func (s *sim) backupEvents() {
	if !s.detail {
		return
	}
	for _, b := range s.h.Backups {
		dc := b.To.Name
		// a run of backups skipped for the same reason is one event.
		var run struct {
			n           int
			first, last time.Duration
			why, fault  string
		}
		flush := func() {
			if run.fault != "" {
				run.why += " (" + run.fault + ")" // the table formats show no fault column
			}
			switch {
			case run.n == 1:
				s.event(run.first, engine.EventBackupSkipped, run.fault, 0, "backup into %s skipped: %s", dc, run.why)
			case run.n > 1:
				s.event(run.first, engine.EventBackupSkipped, run.fault, 0, "%d backups into %s skipped, the last at %s: %s", run.n, dc, s.start.Add(run.last).Format("Jan 2 15:04"), run.why)
			}
			run.n = 0
		}
		bt, ok := rules.NextBackup(s.start, b, -1)
		for ; ok && bt < s.horizon && bt < s.noneAt; bt, ok = rules.NextBackup(s.start, b, bt) {
			if f := s.w.dcs[dc]; f != nil && f.destroyed <= bt {
				flush()
				_, fault := s.w.why(dc, bt)
				s.event(bt, engine.EventBackupSkipped, fault, 0, "backups into %s stop: %s was destroyed", dc, dc)
				break
			}
			taken, why, fault := s.backupAt(bt, dc)
			if !taken {
				if run.n > 0 && (why != run.why || fault != run.fault) {
					flush()
				}
				if run.n == 0 {
					run.first, run.why, run.fault = bt, why, fault
				}
				run.n++
				run.last = bt
				continue
			}
			flush()
			s.event(bt, engine.EventBackup, "", 0, "backup taken into %s from %s", dc, s.primaryAt(bt))
		}
		flush()
	}
}

// primaryAt is the datacenter of the primary that ran at bt.
func (s *sim) primaryAt(bt time.Duration) string {
	for _, o := range s.ok {
		if o.a <= bt && bt < o.b {
			return o.dc
		}
	}
	return ""
}
