package engine

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/firedrill/firedrill/experiments"
)

// summarise turns one trial's observation into figures and verdicts. base
// holds the control trial's observations by region (nil without one).
// Without detail only the pass/fail is judged, not its words.
func summarise(ctx context.Context, exp *experiments.Experiment, obs *Observation, base map[string]*RegionObservation, sustain time.Duration, detail bool) ([]RegionResult, error) {
	byName := make(map[string]*experiments.Region, len(exp.Regions))
	for _, r := range exp.Regions {
		byName[r.Name] = r
	}
	out := make([]RegionResult, 0, len(obs.Regions))
	for i := range obs.Regions {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		o := &obs.Regions[i]
		rr := RegionResult{
			Region:         o.Region,
			Hosting:        o.Hosting,
			HitBy:          o.HitBy,
			Recovery:       o.Recovery,
			LostWrites:     int64(math.Round(o.LostWrites)),
			AckedWrites:    int64(math.Round(o.AckedWrites)),
			AllDataLost:    o.AllDataLost,
			UnackedApplied: int64(math.Round(o.UnackedApplied)),
			UserHoursLost:  o.UserHoursLost,
			Outages:        o.Outages,
			Timeline:       o.Timeline,
			Served:         o.Served,
			Phases:         o.Phases,
			ServedRatio:    servedRatio(o.Demanded, o.Delivered),
			P95:            o.P95,
			P99:            o.P99,
		}
		if reg := byName[o.Region]; reg != nil {
			rr.Objectives = reg.Objectives
			if reg.Hosting != nil {
				rr.MonthlyCost = reg.Hosting.MonthlyCost
			}
		}
		for _, l := range o.Losses {
			rr.DataLoss = max(rr.DataLoss, l.Len())
		}
		for _, s := range o.Outages {
			rr.OutOfSLO += s.Len()
			if s.State == StateSlow {
				rr.Slow += s.Len()
			}
		}
		b := base[o.Region]
		if b != nil {
			bl := &Baseline{ServedRatio: servedRatio(b.Demanded, b.Delivered)}
			for _, s := range b.Outages {
				bl.OutOfSLO += s.Len()
			}
			if exp.Duration > 0 {
				bl.Availability = 100 * (1 - float64(bl.OutOfSLO)/float64(exp.Duration))
			}
			rr.Baseline = bl
		}
		rr.Incidents = incidents(o, b, sustain)
		worst := -1 // the incident behind Downtime
		for k, in := range rr.Incidents {
			if in.FaultCaused && (worst < 0 || in.Len() > rr.Downtime) {
				rr.Downtime, worst = in.Len(), k
			}
		}
		rr.Recovered = o.Recovery != RecoveryUnrecoverable && o.Recovery != RecoveryPending &&
			(len(o.Outages) == 0 || o.Outages[len(o.Outages)-1].End < exp.Duration)
		if rr.Recovered && worst >= 0 && rr.Incidents[worst].Recovery != "" {
			// the summary names how the incident it reports ended, not
			// how the last one did.
			rr.Recovery = rr.Incidents[worst].Recovery
		}
		if exp.Duration > 0 {
			rr.Availability = 100 * (1 - float64(rr.OutOfSLO)/float64(exp.Duration))
		}
		if detail {
			judge(&rr)
		} else {
			rr.Pass = passes(&rr)
		}
		out = append(out, rr)
	}
	return out, nil
}

func servedRatio(demanded, delivered float64) float64 {
	if demanded <= 0 {
		return 1
	}
	return min(1, delivered/demanded)
}

// incidents merges outages closer than sustain, attaches each loss to the
// incident its failure opened, and tells fault-caused incidents from what
// the control trial lives through too.
func incidents(o *RegionObservation, base *RegionObservation, sustain time.Duration) []Incident {
	var out []Incident
	var demanded, delivered []float64
	for i := 0; i < len(o.Outages); {
		in := Incident{Span: o.Outages[i].Span, State: o.Outages[i].State}
		var dem, del float64
		j := i
		for ; j < len(o.Outages) && (j == i || o.Outages[j].Start-in.End < sustain); j++ {
			oj := o.Outages[j]
			in.End = oj.End
			if oj.State.Worse(in.State) {
				in.State = oj.State
			}
			for _, c := range oj.Cause {
				if !slices.Contains(in.Cause, c) {
					in.Cause = append(in.Cause, c)
				}
			}
			if oj.Recovery != "" {
				in.Recovery = oj.Recovery
			}
			dem += oj.Demanded
			del += oj.Delivered
		}
		if j == len(o.Outages) && o.Recovery != "" && o.Recovery != RecoveryNone {
			in.Recovery = o.Recovery
		}
		// Time out of SLO that the control trial does not share is the
		// faults' doing. Without a control, a cause is enough.
		in.FaultCaused = len(in.Cause) > 0
		if base != nil && in.FaultCaused {
			in.FaultCaused = excess(o.Outages[i:j], base.Outages) > 0
		}
		out = append(out, in)
		demanded, delivered = append(demanded, dem), append(delivered, del)
		i = j
	}
	for k := range out {
		if demanded[k] > 0 {
			out[k].ServedRatio = min(1, delivered[k]/demanded[k])
		}
	}
	for _, l := range o.Losses {
		k := incidentAt(out, l.End)
		if k < 0 {
			continue
		}
		in := &out[k]
		in.DataLoss = max(in.DataLoss, l.Len())
		in.LostWrites += int64(math.Round(l.Writes))
		in.AllDataLost = in.AllDataLost || l.AllData
	}
	return out
}

// incidentAt is the incident that a failure at t opened: the one that holds
// t, else the first after it; -1 when none.
func incidentAt(ins []Incident, t time.Duration) int {
	for k, in := range ins {
		if t < in.End || (t == in.End && in.Len() == 0) {
			return k
		}
	}
	return -1
}

// excess is the time in spans that base does not cover. Both are sorted.
func excess(spans []Outage, base []Outage) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.Len()
		for _, b := range base {
			if b.End <= s.Start {
				continue
			}
			if b.Start >= s.End {
				break
			}
			d -= min(s.End, b.End) - max(s.Start, b.Start)
		}
	}
	return d
}
