package experiments

import (
	"math"

	"github.com/hashicorp/hcl/v2"
)

// PeakLevel is the highest share of the peak online at any time of day. The
// profile is piecewise linear, so it is one of its points.
func (w *Workload) PeakLevel() float64 {
	if len(w.Profile) == 0 {
		return 1
	}
	peak := 0.0
	for _, p := range w.Profile {
		peak = math.Max(peak, p.Level)
	}
	return peak
}

// RequestsPerSecond is the request rate of one online user; a workload
// built without the decoder gets the decoder's default.
func (w *Workload) RequestsPerSecond() float64 {
	rpm := w.RequestsPerUserMinute
	if rpm <= 0 {
		rpm = DefaultRequestsPerMin
	}
	return rpm / 60
}

// Capacity is what replicas app servers of the hosting serve, in requests
// per second.
func (h *Hosting) Capacity(replicas int) float64 {
	return float64(max(replicas, 0)) * h.ReplicaRPS
}

// capacity warns when a region's app tier cannot carry its own daily peak
// with no fault at all: every report would otherwise blame that ordinary
// overload on whatever fault happens to fall in it.
func (d *decoder) capacity(r *Region, rng hcl.Range) {
	if r.Hosting == nil || r.Workload == nil || r.Hosting.ReplicaRPS <= 0 {
		return
	}
	w, h := r.Workload, r.Hosting
	rps := w.RequestsPerSecond()
	online := float64(r.Users) * w.PeakConcurrency * w.PeakLevel()
	demand := online * rps
	capacity := h.Capacity(h.AppReplicas)
	if p := r.Objectives.Patience(UserPatience); h.QueueTimeout >= p {
		d.warnf(rng, "Queue bound past the users' patience",
			"Hosting %q bounds a request's wait at queue_timeout = %s, but region %q's users wait %s (2 s, or twice its largest latency objective): when the app tier is overloaded, every answer comes after its user has left, and it collapses as if unbounded. Under %s it would shed what it cannot serve instead.",
			h.Name, h.QueueTimeout, r.Name, p, p)
	}
	admitted := demand
	if h.MaxSessions > 0 {
		admitted = math.Min(online, float64(h.MaxSessions)) * rps
	}
	switch {
	case admitted > capacity:
		d.warnf(rng, "Overloaded with no fault",
			"At its daily peak region %q demands %.0f req/s (%d users x %g online x %g at peak x %g requests a minute) against %.0f req/s of capacity (%d app replicas x %g req/s, hosting %q): it is out of its SLO every day before any fault. The baseline in the report shows it; only what faults add counts against the RTO.",
			r.Name, admitted, r.Users, w.PeakConcurrency, w.PeakLevel(), rps*60, capacity, h.AppReplicas, h.ReplicaRPS, h.Name)
	case demand > capacity:
		d.warnf(rng, "Users turned away with no fault",
			"At its daily peak region %q has %.0f users online (%.0f req/s) against %.0f req/s of capacity; admission control (max_sessions = %d) turns %.0f of them away every day before any fault.",
			r.Name, online, demand, capacity, h.MaxSessions, online-float64(h.MaxSessions))
	case h.MaxSessions > 0 && float64(h.MaxSessions)*rps > capacity:
		// the peak fits, but admission control would let in more than the
		// servers answer at the users' pace: under a surge the admitted
		// wait (the model's closed population), each about sessions /
		// capacity - 1/rps seconds on average.
		d.warnf(rng, "Admission control above capacity",
			"For region %q, max_sessions = %d admits up to %.0f req/s (%d sessions x %g requests a minute) against %.0f req/s of capacity (%d app replicas x %g req/s, hosting %q): when a surge brings that many users, the admitted are answered, but each waits about %.1f s on average (%d / %.0f - %.0f s between a user's requests): slow, not restricted. The servers carry at most %.0f sessions at their own pace.",
			r.Name, h.MaxSessions, float64(h.MaxSessions)*rps, h.MaxSessions, rps*60, capacity, h.AppReplicas, h.ReplicaRPS, h.Name,
			float64(h.MaxSessions)/capacity-1/rps, h.MaxSessions, capacity, 1/rps, math.Floor(capacity/rps))
	}
}
