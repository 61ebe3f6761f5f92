// Package rules holds the rules of a hosting that every driver must apply
// the same way: when backups run, where a restore goes, the shape of a
// surge, demand against capacity, what attack traffic gets through, and
// which faults touch a region. The model simulates with them and the
// containers driver acts on them, so that the two drivers can only differ
// in what they measure, never in what they decide.
package rules

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Constants shared by the drivers, each with its reason.
const (
	// RateLimitPass is the share of attack traffic that per-address rate
	// limits let through: a wide botnet sends little from each address.
	RateLimitPass = 0.1
	// ScrubbingPass is what a scrubbing centre lets through.
	ScrubbingPass = 0.001
)

// Sheds says whether the hosting's app tier, overloaded by an open stream
// of requests, sheds what it cannot serve rather than collapsing, for users
// of patience p. Requests queue for a worker in FIFO order. When nothing
// bounds that wait (queue_timeout unset), or its bound is no shorter than
// the users' patience, the queue grows until every request served is one
// whose user has already left: goodput falls to nothing. A queue_timeout
// under p turns away, after that wait, what the workers cannot take, so
// every request served is still wanted: the tier serves its capacity.
func Sheds(h *experiments.Hosting, p time.Duration) bool {
	return h.QueueTimeout > 0 && h.QueueTimeout < p
}

// Midnight is the start of the experiment's first day, in its own zone.
func Midnight(start time.Time) time.Time {
	y, m, d := start.Date()
	return Wall(start.Location(), y, m, d, 0)
}

// TimeOfDay is the wall-clock time since midnight at offset t from start,
// in the experiment's zone: with an IANA zone it follows daylight saving
// (a day may have 23 or 25 hours); with a fixed offset every day has 24.
func TimeOfDay(start time.Time, t time.Duration) time.Duration {
	return clock(start.Add(t))
}

func clock(x time.Time) time.Duration {
	h, m, s := x.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(x.Nanosecond())
}

// Wall is the moment the clocks of loc show time of day c on the given
// date (normalised as time.Date does). A time the clocks skip (02:30 on a
// spring-forward night) is the moment they jump, as cron runs a job whose
// time was skipped; a time they show twice (autumn) is its first showing.
func Wall(loc *time.Location, y int, mo time.Month, d int, c time.Duration) time.Time {
	n := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) // normalise the date
	y, mo, d = n.Date()
	hh, mm, ss, ns := int(c/time.Hour), int(c%time.Hour/time.Minute), int(c%time.Minute/time.Second), int(c%time.Second)
	x := time.Date(y, mo, d, hh, mm, ss, ns, loc)
	if xy, xm, xd := x.Date(); xy != y || xm != mo || xd != d || clock(x) != c {
		// skipped: x is on one side of the jump.
		from, to := x.ZoneBounds()
		if clock(x) < c && xd == d {
			return to
		}
		return from
	}
	// shown twice: x may be the second showing; the first is an offset
	// change earlier, in the zone before.
	if from, _ := x.ZoneBounds(); !from.IsZero() {
		_, before := from.Add(-time.Nanosecond).Zone()
		_, now := x.Zone()
		if before > now {
			if e := x.Add(-time.Duration(before-now) * time.Second); e.Before(from) {
				return e
			}
		}
	}
	return x
}

const day = 24 * time.Hour

// onTheClock says whether a schedule follows the wall clock of a zone with
// daylight saving: in such a zone, a period that divides a day repeats at
// the same times of day every day, and one of whole days at the same time
// every so many days. Any other period (7h, 36h), and every period under a
// fixed offset, counts exact durations.
func onTheClock(start time.Time, every time.Duration) bool {
	if every%day != 0 && day%every != 0 {
		return false
	}
	from, to := start.ZoneBounds()
	return !from.IsZero() || !to.IsZero()
}

// backupsOn are the backups of schedule b on the experiment's local date
// (y, mo, d), in order. They are instants, not offsets from start: past the
// longest Duration an offset would saturate and pass for one in range.
func backupsOn(start time.Time, b experiments.Backup, y int, mo time.Month, d int) []time.Time {
	loc := start.Location()
	if b.Every >= day {
		y0, m0, d0 := start.Date()
		k := (time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(y0, m0, d0, 0, 0, 0, 0, time.UTC)) / day) % (b.Every / day)
		if k != 0 {
			return nil
		}
		return []time.Time{Wall(loc, y, mo, d, b.Offset%day)}
	}
	var out []time.Time
	for c := b.Offset % b.Every; c < day; c += b.Every {
		at := Wall(loc, y, mo, d, c)
		if n := len(out); n == 0 || !out[n-1].Equal(at) { // two skipped times run once
			out = append(out, at)
		}
	}
	return out
}

// LastBackup is the newest backup of schedule b taken at or before offset t
// from start. Backups run at midnight + Offset + k x Every for every
// integer k, before the experiment's start too: last night's backup exists.
// In a zone with daylight saving they follow its wall clock (see Wall).
func LastBackup(start time.Time, b experiments.Backup, t time.Duration) (time.Duration, bool) {
	if b.Every <= 0 {
		return 0, false
	}
	if !onTheClock(start, b.Every) {
		origin := Midnight(start).Add(b.Offset).Sub(start)
		// t - ((t - origin) mod Every), in integers that cannot overflow:
		// t - origin would, for t within a day of the longest Duration.
		rem := (t%b.Every - origin) % b.Every
		if rem < 0 {
			rem += b.Every
		}
		return t - rem, true
	}
	// On the wall clock: instants come from dates (time.Time spans far
	// more than a Duration), so no offset here overflows; one at or before
	// start + t is within a Duration of start.
	now := start.Add(t)
	y, mo, d := now.Date()
	for back := 0; back <= int(b.Every/day)+2; back++ {
		times := backupsOn(start, b, y, mo, d-back)
		for i := len(times) - 1; i >= 0; i-- {
			if !times[i].After(now) {
				return times[i].Sub(start), true
			}
		}
	}
	return 0, false
}

// NextBackup is the first backup of schedule b strictly after t.
func NextBackup(start time.Time, b experiments.Backup, t time.Duration) (time.Duration, bool) {
	if b.Every <= 0 {
		return 0, false
	}
	if !onTheClock(start, b.Every) {
		last, _ := LastBackup(start, b, t)
		return faults.AddDurations(last, b.Every), true
	}
	now := start.Add(t)
	y, mo, d := now.Date()
	for ahead := 0; ahead <= int(b.Every/day)+2; ahead++ {
		for _, at := range backupsOn(start, b, y, mo, d+ahead) {
			if at.After(now) {
				// past the longest Duration, Sub saturates, as
				// faults.AddDurations does.
				return at.Sub(start), true
			}
		}
	}
	return 0, false
}

// RestoreCandidates lists, in order of preference, where a restore of a
// backup kept in backupDC may provision the new primary after the primary
// in failedDC lost its data. The caller takes the first one that is up.
//
// The hosting's restore_to comes first (the user chose it), then the
// standby's datacenter (it was provisioned for the database), then the
// provider's other datacenters on another site than the failed primary,
// then those on the same site, and the backup's own datacenter last: a
// primary restored next to its only backups would lose both to the next
// fire.
func RestoreCandidates(e *experiments.Experiment, h *experiments.Hosting, failedDC, backupDC string) []string {
	var out []string
	add := func(dc string) {
		if dc != "" && dc != failedDC && !slices.Contains(out, dc) {
			out = append(out, dc)
		}
	}
	if h.RestoreTo != nil {
		add(h.RestoreTo.Name)
	}
	if h.Standby != nil {
		add(h.Standby.Name)
	}
	failedSite := ""
	var provider *experiments.Provider
	if d := e.Datacenter(failedDC); d != nil {
		failedSite, provider = d.Site, d.Provider
	}
	if provider == nil {
		provider = h.Primary.Provider
	}
	var far, near []string
	for _, d := range e.Datacenters {
		if d.Provider != provider || d.Name == backupDC {
			continue
		}
		if d.Site == failedSite {
			near = append(near, d.Name)
		} else {
			far = append(far, d.Name)
		}
	}
	sort.Strings(far)
	sort.Strings(near)
	for _, d := range far {
		add(d)
	}
	for _, d := range near {
		add(d)
	}
	add(backupDC)
	return out
}

// StopWaitingAt is when an operator stops waiting for the power to come
// back to a primary whose datacenter went dark at failAt (its data intact)
// while no standby can take over, and restores instead the newest backup
// that survives outside that datacenter: max_wait after the failure, and no
// sooner than a human is on it (detection + operator_response). ok is false
// without max_wait: the operator waits for the power however long it takes.
// Both drivers ask it, so that they give up at the same moment.
func StopWaitingAt(h *experiments.Hosting, failAt time.Duration) (at time.Duration, ok bool) {
	if h.MaxWait <= 0 {
		return 0, false
	}
	d := max(h.MaxWait, faults.AddDurations(h.Detection, h.OperatorResponse))
	if d > math.MaxInt64-failAt {
		return math.MaxInt64, true
	}
	return failAt + d, true
}

// Surge is the demand multiplier of every surge acting on region at t: a
// linear ramp from 1 to Multiplier over Ramp, a hold for Hold, and a ramp
// back over Ramp. Overlapping surges multiply.
func Surge(effects []faults.Effect, region string, t time.Duration) float64 {
	m := 1.0
	for i := range effects {
		e := &effects[i]
		if e.Action != faults.Surge || t < e.At || t >= e.End() || !slices.Contains(e.Regions, region) {
			continue
		}
		x := e.Multiplier
		switch d := t - e.At; {
		case e.Ramp > 0 && d < e.Ramp:
			x = 1 + (e.Multiplier-1)*float64(d)/float64(e.Ramp)
		case e.Ramp > 0 && d >= faults.AddDurations(e.Ramp, e.Hold):
			x = 1 + (e.Multiplier-1)*float64(e.End()-t)/float64(e.Ramp)
		}
		m *= x
	}
	return m
}

// Online is how many of the region's users try to use the service at t
// before any surge: users x peak_concurrency x the daily profile.
func Online(r *experiments.Region, start time.Time, t time.Duration) float64 {
	return NewDemand(r, start).Online(t)
}

// Demand is a region's demand curve before surges, ready to be read often.
type Demand struct {
	peak   float64
	offset time.Duration
	w      *experiments.Workload
	start  time.Time
	zoned  bool // the zone changes its offset: read the wall clock
}

// Never is a moment after every horizon.
const Never = time.Duration(math.MaxInt64)

// NewDemand returns the region's demand curve for an experiment that starts
// at start.
func NewDemand(r *experiments.Region, start time.Time) Demand {
	from, to := start.ZoneBounds()
	return Demand{peak: float64(r.Users) * r.Workload.PeakConcurrency, offset: TimeOfDay(start, 0), w: r.Workload,
		start: start, zoned: !from.IsZero() || !to.IsZero()}
}

// Online is Online at t.
func (d Demand) Online(t time.Duration) float64 {
	return d.peak * d.w.Level(d.TimeOfDay(t))
}

// TimeOfDay is TimeOfDay at t.
func (d Demand) TimeOfDay(t time.Duration) time.Duration {
	if d.zoned {
		return clock(d.start.Add(t))
	}
	return (d.offset + t%day + day) % day
}

// NextShift is the first moment after t at which the zone's offset
// changes (the clock jumps), or Never.
func (d Demand) NextShift(t time.Duration) time.Duration {
	if !d.zoned {
		return Never
	}
	_, to := d.start.Add(t).ZoneBounds()
	if to.IsZero() {
		return Never
	}
	return to.Sub(d.start)
}

// Admitted is how many of online users admission control lets in.
func Admitted(h *experiments.Hosting, online float64) float64 {
	if h.MaxSessions > 0 {
		return math.Min(online, float64(h.MaxSessions))
	}
	return online
}

// RequestsPerUserSecond is the request rate of one online user.
func RequestsPerUserSecond(w *experiments.Workload) float64 {
	return w.RequestsPerSecond()
}

// WriteShare is the share of a user's requests that are acknowledged
// writes (commits); the rest are reads.
func WriteShare(w *experiments.Workload) float64 {
	rps := RequestsPerUserSecond(w)
	if rps <= 0 {
		return 0
	}
	return math.Min(1, w.WritesPerUserHour/3600/rps)
}

// Capacity is what replicas app servers of the hosting serve, in requests
// per second.
func Capacity(h *experiments.Hosting, replicas int) float64 {
	return h.Capacity(replicas)
}

// AttackPass is the share of attack traffic that reaches the application
// behind the hosting's DDoS protection.
func AttackPass(p experiments.DDoSProtection) float64 {
	switch p {
	case experiments.DDoSRateLimit:
		return RateLimitPass
	case experiments.DDoSScrubbing:
		return ScrubbingPass
	}
	return 1
}

// Between says whether a network effect acts on the link between
// datacenters a and b.
func Between(e *faults.Effect, a, b string) bool {
	return (slices.Contains(e.Datacenters, a) && slices.Contains(e.Peers, b)) ||
		(slices.Contains(e.Datacenters, b) && slices.Contains(e.Peers, a))
}

// Datacenters are the datacenters where a hosting puts something: its
// primary, standby and backups.
func Datacenters(h *experiments.Hosting) []string {
	out := []string{h.Primary.Name}
	if h.Standby != nil && !slices.Contains(out, h.Standby.Name) {
		out = append(out, h.Standby.Name)
	}
	for _, b := range h.Backups {
		if !slices.Contains(out, b.To.Name) {
			out = append(out, b.To.Name)
		}
	}
	return out
}

// Touches says whether an effect acts on region r: it names the region, it
// acts on a datacenter in dcs (where the region has something; the
// hosting's Datacenters, plus wherever a recovery moved it), or it acts on
// a link between two of them.
func Touches(e *faults.Effect, r *experiments.Region, dcs []string) bool {
	if slices.Contains(e.Regions, r.Name) {
		return true
	}
	switch e.Action {
	case faults.Partition, faults.Latency:
		for i, a := range dcs {
			for _, b := range dcs[i+1:] {
				if Between(e, a, b) {
					return true
				}
			}
		}
		return false
	}
	for _, dc := range e.Datacenters {
		if slices.Contains(dcs, dc) {
			return true
		}
	}
	return false
}

// RestoreTime is data_size / restore_rate: how long restoring the region's
// data takes at the hosting's rate, 0 when either is unset. It saturates at
// the largest time.Duration (about 292 years) rather than wrapping: such a
// restore never finishes within any horizon.
func RestoreTime(r *experiments.Region, h *experiments.Hosting) time.Duration {
	if r.DataSize <= 0 || h.RestoreRate <= 0 {
		return 0
	}
	ns := float64(r.DataSize) / h.RestoreRate * float64(time.Second)
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}
