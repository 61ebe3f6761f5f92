package reports

import (
	"io"
	"math"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// RiskSchema is the version of risk's JSON; see SCHEMA.md.
const RiskSchema = "firedrill.risk/v1"

type jsonRisk struct {
	Schema      string             `json:"schema"`
	Experiment  jsonRiskExperiment `json:"experiment"`
	Years       int                `json:"years"`
	Simulated   int                `json:"simulated_years"`
	Rate        float64            `json:"occurrences_per_year"`
	Frequencies []jsonFrequency    `json:"frequencies"`
	Timed       []string           `json:"every_year"`
	Strata      []jsonStratum      `json:"strata"`
	Regions     []jsonRiskRow      `json:"regions"`
	Cheapest    map[string]*string `json:"cheapest_passing"`
	RankRule    string             `json:"rank_rule"`
	Pass        bool               `json:"pass"`
}

type jsonRiskExperiment struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	File        string `json:"file"`
	Seed        int64  `json:"seed"`
	Driver      string `json:"driver"`
	Currency    string `json:"currency,omitempty"`
}

type jsonFrequency struct {
	Fault        string  `json:"fault"`
	Every        string  `json:"every"`
	EverySeconds float64 `json:"every_seconds"`
	Targets      int     `json:"targets"`
	PerYear      float64 `json:"occurrences_per_year"`
}

type jsonStratum struct {
	Occurrences int     `json:"occurrences"`
	OrMore      bool    `json:"or_more"`
	Hazard      string  `json:"hazard,omitempty"`
	Probability float64 `json:"probability"`
	Years       int     `json:"years"`
}

type jsonEstimate struct {
	Mean   float64 `json:"mean"`
	StdErr float64 `json:"stderr"`
}

type jsonRiskDowntime struct {
	Mean   float64 `json:"mean"`
	P50    float64 `json:"p50"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	StdErr float64 `json:"stderr"`
}

type jsonRiskAvail struct {
	Mean     float64  `json:"mean"`
	P5       float64  `json:"p5"`
	StdErr   float64  `json:"stderr"`
	SLA      *float64 `json:"availability_sla"`
	BelowSLA bool     `json:"below_sla"`
}

type jsonRiskRow struct {
	Region            string           `json:"region"`
	Hosting           string           `json:"hosting"`
	Years             int              `json:"years"`
	YearsWithIncident int              `json:"years_with_incident"`
	PIncident         jsonEstimate     `json:"p_incident"`
	Downtime          jsonRiskDowntime `json:"annual_downtime_seconds"`
	Availability      jsonRiskAvail    `json:"annual_availability"`
	PRTOBreach        *jsonEstimate    `json:"p_rto_breach"`
	PRPOBreach        *jsonEstimate    `json:"p_rpo_breach"`
	PTotalLoss        jsonEstimate     `json:"p_total_loss"`
	LostWrites        jsonEstimate     `json:"expected_lost_writes"`
	MonthlyCost       float64          `json:"monthly_cost"`
	ALE               *jsonEstimate    `json:"annual_loss_expectancy"`
	TCO               *jsonEstimate    `json:"total_cost_of_ownership"`
	Verdicts          []jsonVerdict    `json:"verdicts"`
	Pass              bool             `json:"pass"`
	Rank              int              `json:"rank"`
	LossUnit          string           `json:"loss_unit"`
	Exceedance        []jsonCurvePoint `json:"loss_exceedance"`
	Distribution      []jsonRiskBin    `json:"downtime_distribution"`
}

type jsonCurvePoint struct {
	X float64 `json:"loss"`
	P float64 `json:"p_exceeded"`
}

type jsonRiskBin struct {
	FromHours float64 `json:"from_hours"`
	P         float64 `json:"p"`
}

// sig keeps a float to 6 significant digits: estimates carry no more, and
// golden files stay stable.
func sig(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	e := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(f))))
	return math.Round(f*e) / e
}

func jsonEst(e engine.Estimate) jsonEstimate {
	return jsonEstimate{Mean: sig(e.Mean), StdErr: sig(e.StdErr)}
}

func jsonRiskOf(r *engine.Risk) jsonRisk {
	out := jsonRisk{Schema: RiskSchema, Years: r.Years, Simulated: r.Simulated, Rate: sig(r.Rate),
		Experiment:  jsonRiskExperiment{Name: r.Experiment, Description: r.Description, File: r.File, Seed: r.Seed, Driver: "model", Currency: r.Currency},
		Frequencies: []jsonFrequency{}, Timed: append([]string{}, r.Timed...), Strata: []jsonStratum{}, Regions: []jsonRiskRow{},
		Cheapest: map[string]*string{}, RankRule: engine.RiskRankRule, Pass: r.Pass()}
	for _, f := range r.Frequencies {
		out.Frequencies = append(out.Frequencies, jsonFrequency{Fault: f.Fault, Every: faults.FormatPeriod(f.Every), EverySeconds: f.Every,
			Targets: f.Targets, PerYear: sig(float64(f.Targets) * engine.Year.Seconds() / f.Every)})
	}
	for _, s := range r.Strata {
		out.Strata = append(out.Strata, jsonStratum{Occurrences: s.Occurrences, OrMore: s.Tail, Hazard: s.Hazard, Probability: sig(s.Probability), Years: s.Years})
	}
	for _, reg := range r.Regions() {
		if c := r.Cheapest(reg); c != nil {
			h := c.Hosting
			out.Cheapest[reg] = &h
		} else {
			out.Cheapest[reg] = nil
		}
	}
	rows := riskRows(r)
	for i := range rows {
		row := &rows[i]
		j := jsonRiskRow{Region: row.Region, Hosting: row.Hosting, Years: r.Years, YearsWithIncident: row.YearsWithIncident,
			PIncident: jsonEst(row.PIncident),
			Downtime: jsonRiskDowntime{Mean: sig(row.Downtime.Mean), StdErr: sig(row.Downtime.StdErr),
				P50: round3(row.DowntimeP50), P95: round3(row.DowntimeP95), P99: round3(row.DowntimeP99)},
			Availability: jsonRiskAvail{Mean: round6(row.Availability.Mean), P5: round6(row.AvailabilityP5), StdErr: sig(row.Availability.StdErr)},
			PTotalLoss:   jsonEst(row.PTotalLoss), LostWrites: jsonEst(row.LostWrites), MonthlyCost: row.MonthlyCost,
			Verdicts: []jsonVerdict{}, Pass: row.Pass, Rank: row.Rank, LossUnit: row.LossUnit(r.Currency),
			Exceedance: []jsonCurvePoint{}, Distribution: []jsonRiskBin{}}
		if row.AvailabilitySLA > 0 {
			sla := row.AvailabilitySLA
			j.Availability.SLA = &sla
			j.Availability.BelowSLA = row.Availability.Mean < sla
		}
		if row.PRTOBreach != nil {
			e := jsonEst(*row.PRTOBreach)
			j.PRTOBreach = &e
		}
		if row.PRPOBreach != nil {
			e := jsonEst(*row.PRPOBreach)
			j.PRPOBreach = &e
		}
		if row.Costs {
			a, t := jsonEst(row.ALE), jsonEst(row.TCO)
			j.ALE, j.TCO = &a, &t
		}
		for _, v := range row.Verdicts {
			j.Verdicts = append(j.Verdicts, jsonVerdict{Objective: v.Objective, Target: v.Target, Actual: v.Actual, Pass: v.Pass})
		}
		for _, p := range row.Exceedance {
			j.Exceedance = append(j.Exceedance, jsonCurvePoint{X: sig(p.X), P: sig(p.P)})
		}
		for _, bn := range row.Distribution {
			j.Distribution = append(j.Distribution, jsonRiskBin{FromHours: sig(bn.From), P: sig(bn.P)})
		}
		out.Regions = append(out.Regions, j)
	}
	return out
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

func writeRiskJSON(w io.Writer, r *engine.Risk) error { return jsonEncode(w, jsonRiskOf(r)) }
