package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

// primary states.
type pstate int

const (
	pOK      pstate = iota
	pOff            // its datacenter is powered off: data intact
	pGone           // its data is lost
	pCrashed        // the process crashed and restarts by itself
	pNone           // no database at all (all data lost)
)

// phase of a recovery in progress.
type phase int

const (
	phDetecting phase = iota
	phOperator        // waiting for a human
	phPromoting
	phRestoreWait // waiting for the backup's or the target's datacenter
	phRestoring
	phPowerWait
	phRestarting // power back, the database starting
)

// timer kinds.
type tkind int

const (
	tRecovery  tkind = iota // the recovery's current phase ends
	tCrashBack              // a crashed database process is back
	tAppBack                // crashed app servers are back
	tDropSync               // an operator drops the synchronous requirement
	tRebuild                // a new standby is ready
)

type timer struct {
	at   time.Duration
	kind tkind
	gen  int // recovery generation, for tRecovery; rebuild generation, for tRebuild
	n    int // app servers, for tAppBack
	fid  string
}

// recovery is the process that brings the database back after its primary
// failed. A later failure interrupts it and it plans again from the state
// as it is then.
type recovery struct {
	failAt   time.Duration
	fault    string
	phase    phase
	gen      int
	operator bool // a human is on it: later plans do not wait for one again
	// restore in progress
	bt          time.Duration
	bdc, target string
	loss        int // index of this failure's loss in sim.losses, -1 if none yet
}

// okSpan is a stretch during which the primary in dc was up: backups taken
// then hold data. why and fault say what ended it.
type okSpan struct {
	dc         string
	a, b       time.Duration
	why, fault string
}

// sim is one region's simulation in one trial.
type sim struct {
	p       *engine.Plan
	w       *world
	r       *experiments.Region
	h       *experiments.Hosting
	start   time.Time
	horizon time.Duration
	detail  bool

	// constants of the region
	rps, ws, wph, thr float64
	wpr               float64 // acknowledged writes per request answered
	workers           int     // per app server
	hold, think       float64 // seconds: a read's service time, a user's think time
	p95, p99          float64 // objectives in seconds, 0 when unset
	wantLat           bool    // response time is needed: objectives or detail
	sheds             bool    // overload is shed, not collapse (rules.Sheds)

	tracking         bool    // integrating the horizon: worst response times count
	worst95, worst99 float64 // seconds
	demand           rules.Demand
	surges, floods   []faults.Effect
	dcBuf            []string

	// state
	primary       string
	ps            pstate
	crashGen      int
	standby       string
	missingSince  time.Duration // first acked write the standby lacks; -1 none
	blocked       bool          // synchronous commits block
	dropped       bool          // an operator dropped the synchronous requirement
	dropAt        time.Duration // when the pending drop falls due; -1 none
	ok            []okSpan
	appDown       int
	standbyLost   time.Duration // when the standby was destroyed; -1 never
	standbyLostIn string        // and where
	standbyFault  string
	noneAt        time.Duration // when every copy was found gone; never otherwise
	rec           *recovery
	gen           int
	timers        []timer
	lastUp        engine.Recovery // what last brought service back
	restoreStart  time.Duration
	cum           float64 // acknowledged writes since t0
	// pair is the primary the configured standby replicates from: the
	// hosting's primary, or the one a rebuilt standby follows.
	pair string
	// rebuilding is the datacenter a new standby is being built in ("" when
	// none is), rebuildGen tells a cancelled rebuild's timer apart.
	rebuilding string
	rebuildGen int

	// constant over the region: the users online at the profile's 1.0 and
	// the most online at once, before any surge, and the profile's
	// integral.
	peakUsers, peakOnline float64
	lv                    levels
	lvFor                 *experiments.Workload

	// run control
	ctx   context.Context
	steps int   // loop steps, for cancelled
	err   error // the context's, once cancelled

	// outputs
	every  time.Duration // the service series' spacing (sampleStep)
	bucket totals        // the series' step in progress, when wider than sampleEvery
	obs    engine.RegionObservation
	losses []engine.Loss
	// lostAt is, for each of losses, when its writes were lost for good:
	// the failure when the primary's data went with it, else the moment
	// the intact primary was given up (a promotion, a restore elsewhere).
	lostAt []time.Duration
	now    time.Duration // the moment being stepped through
	segs   []seg
	out    *engine.Outage // the outage in progress
}

// reset readies s for region r of plan p, keeping the buffers of its
// previous use: a many-trial run reuses a handful of sims.
func (s *sim) reset(ctx context.Context, p *engine.Plan, w *world, r *experiments.Region) {
	h := r.Hosting
	lv, lvFor := s.lv, s.lvFor
	*s = sim{
		ctx: ctx,
		p:   p, w: w, r: r, h: h,
		start:   p.Experiment.Start,
		horizon: p.Experiment.Duration,
		detail:  p.Detail,
		every:   sampleStep(p.Experiment.Duration),
		rps:     rules.RequestsPerUserSecond(r.Workload),
		ws:      rules.WriteShare(r.Workload),
		wph:     r.Workload.WritesPerUserHour,
		thr:     r.Objectives.Success(),

		demand: rules.NewDemand(r, p.Experiment.Start),

		primary:      h.Primary.Name,
		pair:         h.Primary.Name,
		missingSince: -1,
		dropAt:       -1,
		standbyLost:  -1,
		noneAt:       never,
		ok:           append(s.ok[:0], okSpan{dc: h.Primary.Name, a: ever, b: never}),
		segs:         s.segs[:0],
		timers:       s.timers[:0],
		losses:       s.losses[:0],
		lostAt:       s.lostAt[:0],
		surges:       s.surges[:0],
		floods:       s.floods[:0],
	}
	s.workers, s.hold = workers(h)
	if s.rps > 0 {
		s.think = max(0, 1/s.rps-s.hold)
		s.wpr = s.wph / 3600 / s.rps
	}
	s.p95, s.p99 = r.Objectives.LatencyP95.Seconds(), r.Objectives.LatencyP99.Seconds()
	s.wantLat = s.detail || s.p95 > 0 || s.p99 > 0
	s.sheds = rules.Sheds(h, r.Objectives.Patience(experiments.UserPatience))
	if s.configured() {
		s.standby = h.Standby.Name
	}
	s.peakUsers = float64(r.Users) * r.Workload.PeakConcurrency
	s.peakOnline = s.peakUsers * maxLevel(r.Workload)
	// the profile's integral depends on the workload alone: compare and
	// risk run the same workload on every offer, year after year.
	if lvFor != r.Workload {
		lv, lvFor = newLevels(r.Workload), r.Workload
	}
	s.lv, s.lvFor = lv, lvFor
	for i := range p.Effects {
		e := p.Effects[i]
		if !slices.Contains(e.Regions, r.Name) {
			continue
		}
		switch e.Action {
		case faults.Surge:
			s.surges = append(s.surges, e)
		case faults.Flood:
			s.floods = append(s.floods, e)
		}
	}
	s.obs = engine.RegionObservation{Region: r.Name, Hosting: h.Name, Recovery: engine.RecoveryNone}
	if s.detail {
		for _, fs := range engine.FaultSpans(p) {
			s.obs.FaultServed = append(s.obs.FaultServed, engine.SpanServed{Fault: fs.Fault, Span: fs.Span})
		}
	}
}

// stepDone records a recovery step that ended at t, for calibrate.
func (s *sim) stepDone(kind engine.StepKind, t, took time.Duration) {
	if s.detail {
		s.obs.Steps = append(s.obs.Steps, engine.Step{Kind: kind, Basis: engine.Modeled, End: t, Took: took})
	}
}

func (s *sim) event(at time.Duration, kind engine.EventKind, fault string, took time.Duration, format string, args ...any) {
	if !s.detail {
		return
	}
	s.obs.Timeline = append(s.obs.Timeline, engine.Event{At: at, Kind: kind, Text: fmt.Sprintf(format, args...), Basis: engine.Modeled, Fault: fault, Took: took})
}

// after is t + d, saturating: a step that would end beyond what a
// Duration holds ends never.
func after(t, d time.Duration) time.Duration { return faults.AddDurations(t, d) }

// cancelled checks the run's context every checkEvery calls: the loops
// over events and over the daily profile call it, so that a signal stops
// even a single trial over a century's horizon at once.
func (s *sim) cancelled() bool {
	if s.err != nil {
		return true
	}
	s.steps++
	// the first step looks too: a year whose quiet stretches integrate in
	// one step may take fewer than checkEvery.
	if s.steps%checkEvery == 1 {
		s.err = s.ctx.Err()
	}
	return s.err != nil
}

// checkEvery is how many steps pass between two looks at the context: a
// step costs well under a microsecond, a look a few nanoseconds.
const checkEvery = 1024

// run steps from event to event, integrating the service in between.
func (s *sim) run() (engine.RegionObservation, error) {
	t := time.Duration(0)
	bi := 0
	for t < s.horizon {
		if s.cancelled() {
			return engine.RegionObservation{}, s.err
		}
		next := s.horizon
		if bi < len(s.w.bounds) {
			next = min(next, s.w.bounds[bi].at)
		}
		for _, tm := range s.timers {
			next = min(next, tm.at)
		}
		next = max(next, t)
		s.integrate(t, next)
		t = next
		s.now = t
		if t >= s.horizon {
			break
		}
		for bi < len(s.w.bounds) && s.w.bounds[bi].at == t {
			b := s.w.bounds[bi]
			s.apply(t, &s.w.effects[b.e], b.end)
			bi++
		}
		s.fireTimers(t)
		s.settle(t)
	}
	if s.err != nil {
		return engine.RegionObservation{}, s.err
	}
	s.finish()
	return s.obs, nil
}

// dcs are the datacenters where the region has something at t: its primary
// and standby as they are (after a failover the old primary's datacenter no
// longer matters), its backups, and where a restore is going.
func (s *sim) dcs(t time.Duration) []string {
	out := s.dcBuf[:0]
	add := func(dc string) {
		// a datacenter that burned already cannot be hit again.
		if f := s.w.dcs[dc]; f != nil && f.destroyed < t {
			return
		}
		if dc != "" && !slices.Contains(out, dc) {
			out = append(out, dc)
		}
	}
	if s.ps != pGone && s.ps != pNone {
		add(s.primary) // a primary whose data is gone no longer matters
	}
	add(s.standby)
	for _, b := range s.h.Backups {
		add(b.To.Name)
	}
	if s.rec != nil {
		add(s.rec.target)
	}
	s.dcBuf = out
	return out
}

// apply carries out an effect's start (or end) at t on the region's state.
func (s *sim) apply(t time.Duration, e *faults.Effect, end bool) {
	if !end && !slices.Contains(s.obs.HitBy, e.Fault) && rules.Touches(e, s.r, s.dcs(t)) {
		s.obs.HitBy = append(s.obs.HitBy, e.Fault)
		s.event(t, engine.EventFault, e.Fault, 0, "%s injected", e.Fault)
	}
	if end {
		switch e.Action {
		case faults.Surge, faults.Flood:
			s.lastUp = engine.RecoveryLoadSubsided
		case faults.Partition, faults.Latency:
			s.lastUp = engine.RecoveryNetwork
		}
		return
	}
	switch e.Action {
	case faults.Destroy, faults.LoseDisk:
		what := "destroyed"
		if e.Action == faults.LoseDisk {
			what = "lost its disks"
		}
		for _, dc := range e.Datacenters {
			if dc == s.primary && s.ps != pGone && s.ps != pNone {
				s.fail(t, e.Fault, pGone, dc, what)
			}
			if dc == s.standby {
				s.event(t, engine.EventDown, e.Fault, 0, "standby in %s %s", dc, what)
				s.standby, s.standbyLost, s.standbyLostIn, s.standbyFault = "", t, dc, e.Fault
			}
		}
	case faults.PowerOff:
		for _, dc := range e.Datacenters {
			if dc == s.primary && (s.ps == pOK || s.ps == pCrashed) {
				s.fail(t, e.Fault, pOff, dc, "powered off")
			}
		}
	case faults.Crash:
		if !slices.Contains(e.Regions, s.r.Name) {
			return
		}
		switch e.Target {
		case "database":
			if s.ps == pOK {
				s.ps = pCrashed
				s.crashGen++
				s.closeOK(t, "the database process crashed", e.Fault)
				s.timers = append(s.timers, timer{at: after(t, s.h.Restart), kind: tCrashBack, gen: s.crashGen, fid: e.Fault})
				s.event(t, engine.EventDown, e.Fault, 0, "database process crashed")
			}
		case "app":
			n := e.Count
			if n == 0 {
				n = s.h.AppReplicas
			}
			n = min(n, s.h.AppReplicas-s.appDown)
			s.appDown += n
			s.timers = append(s.timers, timer{at: after(t, s.h.Restart), kind: tAppBack, n: n, fid: e.Fault})
			s.event(t, engine.EventDown, e.Fault, 0, "%d app server(s) crashed", n)
		}
	}
}

// fail records that the primary in dc stopped at t (what: destroyed, lost
// its disks, powered off) and starts (or re-plans) the recovery.
func (s *sim) fail(t time.Duration, fault string, st pstate, dc, what string) {
	s.event(t, engine.EventDown, fault, 0, "primary database in %s %s", dc, what)
	wasOK := s.ps == pOK
	s.ps = st
	if wasOK {
		if what != "lost its disks" {
			what = "was " + what
		}
		s.closeOK(t, "the primary database in "+dc+" "+what, fault)
	}
	// commits no longer wait for the standby on a primary that stopped: an
	// operator's pending drop of the synchronous requirement is moot, and
	// a primary that comes back blocks (and is dropped) anew.
	s.blocked, s.dropAt = false, -1
	if s.rec == nil {
		s.gen++
		s.rec = &recovery{failAt: t, fault: fault, phase: phDetecting, gen: s.gen, loss: -1}
		s.timers = append(s.timers, timer{at: after(t, s.h.Detection), kind: tRecovery, gen: s.gen})
		return
	}
	// a recovery already runs: it plans again in settle unless it is still
	// detecting or waiting for a human.
}

func (s *sim) closeOK(t time.Duration, why, fault string) {
	if n := len(s.ok); n > 0 && s.ok[n-1].b == never {
		s.ok[n-1].b, s.ok[n-1].why, s.ok[n-1].fault = t, why, fault
	}
}

func (s *sim) openOK(t time.Duration) {
	s.ok = append(s.ok, okSpan{dc: s.primary, a: t, b: never})
}

func (s *sim) fireTimers(t time.Duration) {
	for i := 0; i < len(s.timers); {
		tm := s.timers[i]
		if tm.at != t {
			i++
			continue
		}
		s.timers = slices.Delete(s.timers, i, i+1)
		switch tm.kind {
		case tCrashBack:
			if s.ps == pCrashed && tm.gen == s.crashGen {
				s.ps = pOK
				s.openOK(t)
				s.lastUp = engine.RecoveryRestart
				s.stepDone(engine.StepRestart, t, s.h.Restart)
				s.event(t, engine.EventUp, tm.fid, s.h.Restart, "database process restarted")
			}
		case tAppBack:
			s.appDown -= tm.n
			s.lastUp = engine.RecoveryRestart
			s.stepDone(engine.StepRestart, t, s.h.Restart)
			s.event(t, engine.EventUp, tm.fid, s.h.Restart, "%d app server(s) restarted", tm.n)
		case tDropSync:
			if s.blocked && s.dropAt == t {
				s.blocked, s.dropped, s.dropAt = false, true, -1
				s.missingSince = t
				s.event(t, engine.EventUp, "", 0, "operator drops the synchronous standby: commits resume on the primary alone")
			}
		case tRecovery:
			if s.rec != nil && tm.gen == s.rec.gen {
				s.step(t)
			}
		case tRebuild:
			if tm.gen == s.rebuildGen && s.rebuilding != "" {
				s.rebuilt(t)
			}
		}
	}
}

// step ends the recovery's current phase.
func (s *sim) step(t time.Duration) {
	rc := s.rec
	switch rc.phase {
	case phDetecting:
		s.stepDone(engine.StepDetection, t, s.h.Detection)
		s.event(t, engine.EventDetected, rc.fault, s.h.Detection, "failure detected")
		s.plan(t)
	case phOperator:
		rc.operator = true
		s.stepDone(engine.StepOperator, t, s.h.OperatorResponse)
		s.plan(t)
	case phPromoting:
		s.promoted(t)
	case phPowerWait:
		s.plan(t) // the operator's max_wait is up
	case phRestoring:
		took := t - s.restoreStart
		s.primary, s.ps, s.standby = rc.target, pOK, ""
		s.missingSince, s.blocked, s.dropped, s.dropAt = -1, false, false, -1
		s.openOK(t)
		s.rec = nil
		s.lastUp = engine.RecoveryRestore
		// the plan's restore is provisioning, then data_size / restore_rate.
		s.stepDone(engine.StepProvisioning, s.restoreStart+min(took, s.h.Provisioning), min(took, s.h.Provisioning))
		s.stepDone(engine.StepRestore, t, max(0, took-s.h.Provisioning))
		s.event(t, engine.EventRestoreDone, "", took, "restored into %s", rc.target)
		s.movedTo(rc.target)
	case phRestarting:
		s.ps = pOK
		s.openOK(t)
		s.rec = nil
		s.lastUp = engine.RecoveryPowerBack
		s.stepDone(engine.StepPowerBack, t, s.h.Restart)
		s.event(t, engine.EventUp, "", s.h.Restart, "power back in %s, database restarted", s.primary)
	}
}

// standbyUsable says whether the standby can be promoted at t: it exists,
// replicates, and its datacenter runs.
func (s *sim) standbyUsable(t time.Duration) bool {
	return s.standby != "" && s.w.up(s.standby, t)
}

func (s *sim) wait(t time.Duration, ph phase, d time.Duration) {
	rc := s.rec
	s.gen++
	rc.gen, rc.phase = s.gen, ph
	s.timers = append(s.timers, timer{at: after(t, d), kind: tRecovery, gen: rc.gen})
}

// plan decides the next step of the recovery from the state at t: the
// primary back by itself, else failover, else restore, else wait for power.
func (s *sim) plan(t time.Duration) {
	rc, h := s.rec, s.h
	if s.ps == pOff && s.w.up(s.primary, t) {
		s.wait(t, phRestarting, h.Restart)
		return
	}
	if s.standbyUsable(t) {
		if h.Failover == experiments.FailoverManual && !rc.operator {
			s.wait(t, phOperator, h.OperatorResponse)
			return
		}
		s.event(t, engine.EventFailoverStart, "", 0, "promoting the standby in %s", s.standby)
		s.wait(t, phPromoting, h.Promotion)
		rc.target = s.standby
		return
	}
	giveUp := s.ps == pOff && s.stopWaiting(t)
	if s.ps == pGone || giveUp {
		if !rc.operator {
			s.wait(t, phOperator, h.OperatorResponse)
			return
		}
		bt, bdc, ok := s.newestBackup(t, giveUp)
		if !ok {
			s.unrecoverable(t)
			return
		}
		target := ""
		for _, c := range rules.RestoreCandidates(s.p.Experiment, h, s.primary, bdc) {
			if s.w.up(c, t) {
				target = c
				break
			}
		}
		s.setLoss(rc, bt)
		if target == "" || !s.w.up(bdc, t) {
			if rc.phase != phRestoreWait {
				s.event(t, engine.EventRestoreStart, "", 0, "waiting for the backup in %s and a datacenter to restore into", bdc)
			}
			s.gen++
			rc.gen, rc.phase = s.gen, phRestoreWait
			return
		}
		// a restore that ends past the horizon (or past what a Duration
		// holds) leaves the region not recovered.
		took := faults.AddDurations(h.Provisioning, rules.RestoreTime(s.r, h))
		rc.bt, rc.bdc, rc.target = bt, bdc, target
		s.restoreStart = t
		if s.detail {
			s.event(t, engine.EventRestoreStart, "", 0, "restoring the %s backup from %s into %s", s.start.Add(bt).Format("Jan 2 15:04"), bdc, target)
		}
		s.wait(t, phRestoring, took)
		return
	}
	if rc.phase != phPowerWait {
		if h.Standby != nil && h.Replication != experiments.ReplicationNone {
			s.event(t, engine.EventDown, "", 0, "standby unavailable: no failover, waiting for power in %s", s.primary)
		} else {
			s.event(t, engine.EventDown, "", 0, "waiting for power in %s", s.primary)
		}
	}
	s.gen++
	rc.gen, rc.phase = s.gen, phPowerWait
	if at, ok := rules.StopWaitingAt(h, rc.failAt); ok && at > t && at < s.horizon {
		s.timers = append(s.timers, timer{at: at, kind: tRecovery, gen: rc.gen})
	}
}

// stopWaiting says whether, at t, the operator stops waiting for the power
// to come back to the dark primary (rules.StopWaitingAt) and restores
// elsewhere: only when a backup outside the dark datacenter can be read now
// and a datacenter runs to restore it into; otherwise the wait goes on.
func (s *sim) stopWaiting(t time.Duration) bool {
	rc := s.rec
	at, ok := rules.StopWaitingAt(s.h, rc.failAt)
	if !ok || t < at {
		return false
	}
	_, bdc, ok := s.newestBackup(t, true)
	if !ok || !slices.ContainsFunc(rules.RestoreCandidates(s.p.Experiment, s.h, s.primary, bdc), func(c string) bool { return s.w.up(c, t) }) {
		return false
	}
	if !rc.operator {
		rc.operator = true // StopWaitingAt is never before a human is on it
		s.event(t, engine.EventDown, "", 0, "no power in %s for %s (max_wait %s): the operator stops waiting and restores elsewhere",
			s.primary, faults.FormatDuration(t-rc.failAt), faults.FormatDuration(s.h.MaxWait))
	}
	return true
}

// settle re-checks, after the events at t, whatever the events may have
// changed: replication, a recovery that waits or that they interrupted,
// and the rebuilding of a lost standby.
func (s *sim) settle(t time.Duration) {
	s.replication(t)
	defer s.rebuild(t)
	rc := s.rec
	if rc == nil {
		return
	}
	switch rc.phase {
	case phPromoting:
		if !s.standbyUsable(t) {
			s.event(t, engine.EventDown, "", 0, "promotion interrupted: the standby in %s is lost", rc.target)
			s.plan(t)
		}
	case phRestoring:
		if s.ps == pOff && s.w.up(s.primary, t) {
			// the power came back before a restore elsewhere finished: the
			// primary, intact, restarts, and loses nothing.
			s.event(t, engine.EventDown, "", 0, "power back in %s: the restore into %s is abandoned, the primary restarts with its data", s.primary, rc.target)
			if rc.loss >= 0 {
				s.dropLoss(rc.loss)
				rc.loss = -1
			}
			rc.target = ""
			s.plan(t)
		} else if why, fault := s.restoreBroken(t); why != "" {
			s.event(t, engine.EventDown, fault, 0, "restore interrupted: %s", why)
			s.plan(t)
		}
	case phRestarting:
		if s.ps == pGone || !s.w.up(s.primary, t) {
			s.plan(t)
		}
	case phRestoreWait, phPowerWait:
		s.plan(t)
	case phOperator:
		// automatic failover does not wait for the human who was called
		// for a restore: a standby that comes back is promoted at once.
		if s.h.Failover == experiments.FailoverAutomatic && s.standbyUsable(t) {
			s.plan(t)
		}
	}
}

// restoreBroken says what, at t, stops the restore in progress: the
// backup's datacenter down or its backups lost, the target's datacenter
// down or its disks (with what was restored so far) lost. "" when nothing.
func (s *sim) restoreBroken(t time.Duration) (why, fault string) {
	rc := s.rec
	var whys []string
	if s.w.lostSince(rc.bdc, t) > rc.bt || !s.w.up(rc.bdc, t) {
		what, f := s.w.why(rc.bdc, t)
		fault = f
		switch {
		case rc.bdc == rc.target:
			return rc.bdc + ", which holds the backup and the restore's target, " + what, f
		case what == "lost its disks":
			whys = append(whys, "the backups in "+rc.bdc+" were lost")
		default:
			whys = append(whys, rc.bdc+", which holds the backup, "+what)
		}
	}
	if !s.w.up(rc.target, t) || s.w.lostSince(rc.target, t) > s.restoreStart {
		what, f := s.w.why(rc.target, t)
		if fault == "" {
			fault = f
		}
		whys = append(whys, rc.target+", the restore's target, "+what)
	}
	return strings.Join(whys, " and "), fault
}

// configured says the hosting has a standby that replicates.
func (s *sim) configured() bool {
	return s.h.Standby != nil && s.h.Replication != experiments.ReplicationNone
}

// rebuild starts, or calls off, the building of a new standby. Operators
// rebuild redundancy that a failover, a restore or a disaster took away:
// once a primary runs with no standby, a new one replicates after the
// hosting's rebuild in the first datacenter that runs and has not burned,
// the configured standby's first, then the configured primary's, then the
// provider's others (rules.RestoreCandidates' order). A rebuild whose
// datacenter or primary fails starts over.
func (s *sim) rebuild(t time.Duration) {
	if !s.configured() {
		return
	}
	if s.rebuilding != "" {
		if s.rec != nil || s.ps != pOK || !s.w.up(s.rebuilding, t) {
			s.event(t, engine.EventDown, "", 0, "rebuilding the standby in %s interrupted", s.rebuilding)
			s.rebuilding = ""
			s.rebuildGen++
		}
		return
	}
	if s.standby != "" || s.rec != nil || s.ps != pOK {
		return
	}
	cands := append([]string{s.h.Standby.Name, s.h.Primary.Name}, rules.RestoreCandidates(s.p.Experiment, s.h, s.primary, "")...)
	for _, dc := range cands {
		if dc == s.primary || !s.w.up(dc, t) {
			continue
		}
		s.rebuilding = dc
		s.rebuildGen++
		s.timers = append(s.timers, timer{at: t + s.h.Rebuild, kind: tRebuild, gen: s.rebuildGen})
		s.event(t, engine.EventRebuildStart, "", 0, "rebuilding a standby in %s", dc)
		return
	}
}

// rebuilt ends a rebuild: the new standby replicates from the primary.
func (s *sim) rebuilt(t time.Duration) {
	// the standby lost before is replaced: it is no longer a copy whose
	// loss ends the data.
	s.standby, s.pair, s.rebuilding, s.standbyLost = s.rebuilding, s.primary, "", -1
	s.blocked, s.dropped, s.dropAt, s.missingSince = false, false, -1, -1
	s.event(t, engine.EventRebuildDone, "", s.h.Rebuild, "standby rebuilt in %s, replicating from %s", s.standby, s.primary)
}

// promoted ends a failover: the standby is the primary and the old
// primary's datacenter no longer matters.
func (s *sim) promoted(t time.Duration) {
	rc := s.rec
	// what the standby had not received when the primary failed is lost.
	from := time.Duration(-1)
	if s.h.Replication == experiments.ReplicationAsync {
		lag := s.h.ReplicationLag + s.w.delay(s.primary, s.standby, rc.failAt)
		from = rc.failAt - lag
	}
	if s.missingSince >= 0 && (from < 0 || s.missingSince < from) {
		from = s.missingSince
	}
	if from >= 0 && from < rc.failAt {
		s.addLoss(rc.failAt, from, rc.fault, false)
	}
	s.primary, s.ps, s.standby = s.standby, pOK, ""
	s.missingSince, s.blocked, s.dropped, s.dropAt = -1, false, false, -1
	s.openOK(t)
	s.rec = nil
	s.lastUp = engine.RecoveryFailover
	s.stepDone(engine.StepPromotion, t, s.h.Promotion)
	s.event(t, engine.EventFailoverDone, "", s.h.Promotion, "standby in %s is the new primary", s.primary)
	s.movedTo(s.primary)
}

// movedTo records on the event just logged that the primary now lives in dc.
func (s *sim) movedTo(dc string) {
	if n := len(s.obs.Timeline); n > 0 {
		s.obs.Timeline[n-1].Primary = dc
	}
}

func (s *sim) unrecoverable(t time.Duration) {
	rc := s.rec
	s.event(t, engine.EventUnrecoverable, rc.fault, 0, "no copy of the data survived")
	if rc.loss >= 0 {
		s.dropLoss(rc.loss)
	}
	l := s.addLoss(rc.failAt, 0, rc.fault, true)
	// the writes were lost when the last copy went, which may be well
	// after the failure: a restore's backups lost during the restore, a
	// standby burned while it could not be promoted.
	type copyLoss struct {
		at          time.Duration
		fault, what string
	}
	copies := []copyLoss{{rc.failAt, rc.fault, "the primary database"}}
	if s.standbyLost >= 0 {
		copies = append(copies, copyLoss{s.standbyLost, s.standbyFault, "the standby in " + s.standbyLostIn})
	}
	for _, b := range s.h.Backups {
		if at := s.w.lostSince(b.To.Name, t); at > ever {
			_, f := s.w.why(b.To.Name, at)
			c := copyLoss{at, f, "the backups in " + b.To.Name}
			if !slices.Contains(copies, c) {
				copies = append(copies, c)
			}
		}
	}
	last := copies[0]
	for _, c := range copies {
		if c.at > last.at {
			last = c
		}
	}
	var went []string
	for _, c := range copies {
		if c.at == last.at {
			went = append(went, c.what)
		}
	}
	s.event(last.at, engine.EventWritesLost, last.fault, 0, "every acknowledged write lost when the last copy went (%s): %.0f since the start of the horizon, and all history", strings.Join(went, ", "), s.losses[l].Writes)
	s.noneAt = t
	s.obs.AllDataLost = true
	s.ps, s.primary, s.standby = pNone, "", ""
	s.rec = nil
	s.lastUp = engine.RecoveryUnrecoverable
}

// replication follows the standby's reachability: a synchronous primary
// blocks commits without it (until an operator drops the requirement, or
// at once with sync_fallback = "async"); an asynchronous one goes on, and
// what it commits meanwhile is on the primary only.
func (s *sim) replication(t time.Duration) {
	h := s.h
	if s.ps != pOK && s.ps != pCrashed {
		return
	}
	if !s.configured() || s.primary != s.pair {
		return
	}
	reach := s.standby != "" && s.w.up(s.standby, t) && !s.w.cut(s.primary, s.standby, t)
	if reach {
		if s.blocked || s.missingSince >= 0 || s.dropped {
			s.event(t, engine.EventUp, "", 0, "standby in %s caught up", s.standby)
		}
		s.blocked, s.dropped, s.dropAt, s.missingSince = false, false, -1, -1
		return
	}
	if h.Replication == experiments.ReplicationSync && h.SyncFallback != experiments.SyncAsync && !s.dropped {
		if !s.blocked {
			s.blocked = true
			s.dropAt = faults.AddDurations(t, h.Detection, h.OperatorResponse)
			s.timers = append(s.timers, timer{at: s.dropAt, kind: tDropSync})
			why, fault := s.standbyGone(t)
			s.event(t, engine.EventDown, fault, 0, "synchronous standby in %s %s: commits block, reads go on", h.Standby.Name, why)
		}
		return
	}
	if s.missingSince < 0 {
		s.missingSince = t
		if h.Replication == experiments.ReplicationAsync {
			// an asynchronous standby trailed by the lag when it was cut
			// off: what was in flight then never reaches it either. A
			// synchronous one had every commit (dropped or fallen back,
			// it misses only what follows).
			s.missingSince = t - h.ReplicationLag - s.w.delay(s.primary, s.standby, t)
		}
		// a standby destroyed was said so when it was; one that merely
		// stopped receiving is said here, for it is what a failover loses.
		if s.standby != "" {
			why, fault := s.standbyGone(t)
			kind := "asynchronous"
			if h.Replication == experiments.ReplicationSync {
				kind = "synchronous"
			}
			s.event(t, engine.EventDown, fault, 0, "%s standby in %s %s: writes go on, on the primary alone", kind, s.standby, why)
		}
	}
}

// standbyGone says why the standby does not receive the primary's writes
// at t, and which fault is the cause.
func (s *sim) standbyGone(t time.Duration) (why, fault string) {
	if s.standby == "" {
		return "lost", s.standbyFault
	}
	if !s.w.up(s.standby, t) {
		what, f := s.w.why(s.standby, t)
		return strings.TrimPrefix(strings.TrimPrefix(what, "is "), "was "), f
	}
	return "cut off from " + s.primary, s.w.cutBy(s.primary, s.standby, t)
}

// newestBackup is the newest backup that survives at t and was taken from
// a running primary, over every schedule: its time and datacenter. With
// readable, only backups outside the primary's datacenter whose datacenter
// runs at t count.
func (s *sim) newestBackup(t time.Duration, readable bool) (time.Duration, string, bool) {
	best, bdc, found := time.Duration(0), "", false
	for _, b := range s.h.Backups {
		dc := b.To.Name
		if readable && (dc == s.primary || !s.w.up(dc, t)) {
			continue
		}
		gone := s.w.lostSince(dc, t)
		bt, ok := rules.LastBackup(s.start, b, t)
		// step back schedule by schedule: in a zone with daylight saving
		// two backups are not always Every apart.
		for ; ok && bt > gone; bt, ok = rules.LastBackup(s.start, b, bt-1) {
			if s.taken(bt, dc) || s.cancelled() {
				break
			}
		}
		if !ok || bt <= gone {
			continue
		}
		if !found || bt > best {
			best, bdc, found = bt, dc, true
		}
	}
	return best, bdc, found
}

// taken says whether a backup into dc at bt happened: a primary was up,
// the backup's datacenter ran, and no partition separated them.
func (s *sim) taken(bt time.Duration, dc string) bool {
	ok, _, _ := s.backupAt(bt, dc)
	return ok
}

// setLoss records what a restore from the backup taken at bt loses: the
// acknowledged writes from bt to the failure.
func (s *sim) setLoss(rc *recovery, bt time.Duration) {
	if rc.loss >= 0 {
		s.dropLoss(rc.loss)
		rc.loss = -1
	}
	rc.loss = s.addLoss(rc.failAt, bt, rc.fault, false)
}

func (s *sim) addLoss(failAt, from time.Duration, fault string, all bool) int {
	l := engine.Loss{Span: engine.Span{Start: from, End: failAt}, AllData: all, Fault: fault}
	l.Writes = s.writesBetween(from, failAt)
	// writes an earlier failure already lost are not lost twice.
	for _, o := range s.losses {
		if a, b := max(from, o.Start), min(failAt, o.End); b > a {
			l.Writes -= s.writesBetween(a, b)
		}
	}
	l.Writes = max(l.Writes, 0)
	s.losses = append(s.losses, l)
	at := s.now
	if gone := s.w.lostSince(s.primary, s.now); gone >= failAt {
		at = gone
	}
	s.lostAt = append(s.lostAt, at)
	return len(s.losses) - 1
}

func (s *sim) dropLoss(i int) {
	s.losses = slices.Delete(s.losses, i, i+1)
	s.lostAt = slices.Delete(s.lostAt, i, i+1)
}
