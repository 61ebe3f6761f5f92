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

// Midnight is the start of the experiment's first day, in its own zone.
func Midnight(start time.Time) time.Time {
	y, m, d := start.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, start.Location())
}

// TimeOfDay is the time since midnight at offset t from start. The UTC
// offset at start holds for the whole horizon (a DST change is ignored), so
// that every day has 24 hours.
func TimeOfDay(start time.Time, t time.Duration) time.Duration {
	tod := (start.Sub(Midnight(start)) + t) % (24 * time.Hour)
	if tod < 0 {
		tod += 24 * time.Hour
	}
	return tod
}

// LastBackup is the newest backup of schedule b taken at or before offset t
// from start. Backups run at midnight + Offset + k x Every for every
// integer k, before the experiment's start too: last night's backup exists.
func LastBackup(start time.Time, b experiments.Backup, t time.Duration) (time.Duration, bool) {
	if b.Every <= 0 {
		return 0, false
	}
	origin := Midnight(start).Add(b.Offset).Sub(start)
	k := math.Floor(float64(t-origin) / float64(b.Every))
	return origin + time.Duration(k)*b.Every, true
}

// NextBackup is the first backup of schedule b strictly after t.
func NextBackup(start time.Time, b experiments.Backup, t time.Duration) (time.Duration, bool) {
	last, ok := LastBackup(start, b, t)
	if !ok {
		return 0, false
	}
	return last + b.Every, true
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
	d := max(h.MaxWait, h.Detection+h.OperatorResponse)
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
		case e.Ramp > 0 && d >= e.Ramp+e.Hold:
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
}

// NewDemand returns the region's demand curve for an experiment that starts
// at start.
func NewDemand(r *experiments.Region, start time.Time) Demand {
	return Demand{peak: float64(r.Users) * r.Workload.PeakConcurrency, offset: TimeOfDay(start, 0), w: r.Workload}
}

// Online is Online at t.
func (d Demand) Online(t time.Duration) float64 {
	return d.peak * d.w.Level(d.TimeOfDay(t))
}

// TimeOfDay is TimeOfDay at t.
func (d Demand) TimeOfDay(t time.Duration) time.Duration {
	const day = 24 * time.Hour
	return (d.offset + t%day + day) % day
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
