package reports

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// riskFormats are the formats of firedrill risk. JUnit has no place for a
// distribution over years.
var riskFormats = map[string]func(io.Writer, *engine.Risk) error{
	"table":    writeRiskTable,
	"markdown": writeRiskMarkdown,
	"json":     writeRiskJSON,
	"html":     writeRiskHTML,
}

// RiskNames lists the formats risk writes, sorted.
func RiskNames() []string {
	var n []string
	for k := range riskFormats {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// HasRiskFormat says whether risk writes the format.
func HasRiskFormat(name string) bool { _, ok := riskFormats[name]; return ok }

// WriteRisk writes the annual view in one format.
func WriteRisk(w io.Writer, format string, r *engine.Risk) error {
	f, ok := riskFormats[format]
	if !ok {
		return fmt.Errorf("unknown risk format %q (have %s)", format, strings.Join(RiskNames(), ", "))
	}
	if r == nil {
		return fmt.Errorf("%s report: no risk", format)
	}
	return f(w, r)
}

// riskRows orders the rows by region (file order), then rank.
func riskRows(r *engine.Risk) []engine.RiskRow {
	rows := append([]engine.RiskRow(nil), r.Rows...)
	order := map[string]int{}
	for i, reg := range r.Regions() {
		order[reg] = i
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if a, b := order[rows[i].Region], order[rows[j].Region]; a != b {
			return a < b
		}
		return rows[i].Rank < rows[j].Rank
	})
	return rows
}

// riskSecs formats a mean in seconds as a duration, to the second (or the
// millisecond under a second, so that a small mean does not read as 0).
func riskSecs(s float64) string {
	if s > 0 && s < 1 {
		return strconv.FormatFloat(s*1000, 'f', 0, 64) + "ms"
	}
	return fmtSecs(s)
}

// meanSecs is a duration mean with its standard error.
func meanSecs(e engine.Estimate) string {
	return riskSecs(e.Mean) + " ± " + riskSecs(e.StdErr)
}

// probText is a probability in percent, with enough digits for rare ones.
func probText(p float64) string {
	switch {
	case p == 0:
		return "0%"
	case p >= 0.01:
		return strconv.FormatFloat(100*p, 'f', 2, 64) + "%"
	case p < 1e-6:
		// one year in a million and less: a figure with no use to a buyer
		// that would read as noise.
		return "< 0.0001%"
	default:
		return strconv.FormatFloat(100*p, 'g', 2, 64) + "%"
	}
}

// probEst is a probability with its standard error.
func probEst(e *engine.Estimate) string {
	if e == nil {
		return "-"
	}
	if e.Mean > 0 && e.Mean < 1e-6 {
		return probText(e.Mean)
	}
	return probText(e.Mean) + " ± " + probText(e.StdErr)
}

// money formats an amount with thousands separators, to the unit (cents
// below 100).
func money(f float64, currency string) string {
	s := thousands(f)
	if currency != "" {
		s += " " + currency
	}
	return s
}

func thousands(f float64) string {
	if math.Abs(f) < 100 {
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
	s := strconv.FormatFloat(math.Round(math.Abs(f)), 'f', 0, 64)
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// incidentYears is how many of the simulated years held a fault-caused
// incident. The years are drawn by number of occurrences, so this is not
// the probability of such a year, which P(incident) gives.
func incidentYears(r *engine.Risk, row *engine.RiskRow) string {
	return count(row.YearsWithIncident) + " of " + count(r.Simulated)
}

// count writes a whole number with thousands separators.
func count(n int) string {
	if n < 1000 && n > -1000 {
		return strconv.Itoa(n)
	}
	return thousands(float64(n))
}

func moneyEst(e engine.Estimate, currency string) string {
	return money(e.Mean, currency) + " ± " + thousands(e.StdErr)
}

func writesEst(e engine.Estimate) string {
	return thousands(e.Mean) + " ± " + thousands(e.StdErr)
}

// availCell is the mean availability, its 5th percentile, and the
// provider's SLA when it is above the mean.
func availCell(row *engine.RiskRow) string {
	s := fmt.Sprintf("%.4f%% (p5 %.4f%%)", row.Availability.Mean, row.AvailabilityP5)
	if row.AvailabilitySLA > 0 {
		if row.Availability.Mean < row.AvailabilitySLA {
			s += ", BELOW SLA " + trimNum(row.AvailabilitySLA) + "%"
		} else {
			s += ", SLA " + trimNum(row.AvailabilitySLA) + "% met"
		}
	}
	return s
}

func riskVerdict(r *engine.Risk, row *engine.RiskRow) string {
	v := "PASS"
	if !row.Pass {
		var missed []string
		for _, x := range row.Verdicts {
			if !x.Pass {
				missed = append(missed, x.Objective)
			}
		}
		v = "FAIL (" + strings.Join(missed, ", ") + ")"
	}
	if len(row.Verdicts) == 0 {
		v = "no annual objective"
	}
	if c := r.Cheapest(row.Region); c != nil && c.Hosting == row.Hosting {
		v += ", cheapest passing"
	}
	return v
}

// riskObjectiveLines state each region's annual objectives once.
func riskObjectiveLines(r *engine.Risk) []string {
	var out []string
	for _, reg := range r.Regions() {
		for i := range r.Rows {
			if r.Rows[i].Region == reg {
				out = append(out, fmt.Sprintf("%s: annual objectives: %s.", reg, annualObjectives(&r.Rows[i])))
				break
			}
		}
	}
	return out
}

// annualObjectives lists a row's annual objectives in words.
func annualObjectives(row *engine.RiskRow) string {
	var parts []string
	for _, v := range row.Verdicts {
		parts = append(parts, strings.ReplaceAll(v.Objective, "_", " ")+" "+v.Target)
	}
	if len(parts) == 0 {
		return "none (set annual_availability, annual_rto_breach or annual_rpo_breach in objectives)"
	}
	return strings.Join(parts, "; ")
}

// costOf is what the ranking compares: the cost of ownership with costs,
// else twelve months of the hosting.
func costOf(r *engine.Risk, row *engine.RiskRow) string {
	if row.Costs {
		return moneyEst(row.TCO, r.Currency)
	}
	return money(12*row.MonthlyCost, r.Currency) + " (hosting only)"
}

func aleOf(r *engine.Risk, row *engine.RiskRow) string {
	if !row.Costs {
		return "-"
	}
	return moneyEst(row.ALE, r.Currency)
}

// riskCheapestLines name, per region, the cheapest offer that meets every
// annual objective.
func riskCheapestLines(r *engine.Risk) []string {
	var out []string
	for _, reg := range r.Regions() {
		c := r.Cheapest(reg)
		if c == nil {
			out = append(out, fmt.Sprintf("%s: no offer meets every annual objective.", reg))
			continue
		}
		what := "cost of ownership " + money(c.TCO.Mean, r.Currency) + " a year"
		if !c.Costs {
			what = "hosting " + money(12*c.MonthlyCost, r.Currency) + " a year"
		}
		out = append(out, fmt.Sprintf("%s: cheapest offer meeting every annual objective: %s (%s).", reg, c.Hosting, what))
	}
	return out
}

// riskFacts are the lines every format opens with: what was simulated.
func riskFacts(r *engine.Risk) []string {
	out := []string{fmt.Sprintf("File: %s   Driver: model   Seed: %d   Years: %s per region and offer (%s simulated)",
		r.File, r.Seed, count(r.Years), count(r.Simulated))}
	if len(r.Frequencies) > 0 {
		var fs []string
		for _, f := range r.Frequencies {
			s := f.Fault + " every " + faults.FormatPeriod(f.Every)
			if f.Targets > 1 {
				s += fmt.Sprintf(" on each of %d targets", f.Targets)
			}
			fs = append(fs, s)
		}
		out = append(out, "Frequencies: "+strings.Join(fs, "; ")+fmt.Sprintf(" (%.4g occurrences a year in all)", r.Rate))
	} else {
		out = append(out, "Frequencies: none (no fault has every): every year is the same")
	}
	if len(r.Timed) > 0 {
		out = append(out, "In every year: "+strings.Join(r.Timed, ", "))
	}
	var st []string
	for i := 0; i < len(r.Strata); {
		s := r.Strata[i]
		// the years of one occurrence are drawn hazard by hazard: one entry.
		p, years, split := s.Probability, s.Years, 0
		for j := i + 1; s.Hazard != "" && j < len(r.Strata) && r.Strata[j].Hazard != "" && r.Strata[j].Occurrences == s.Occurrences; j++ {
			p += r.Strata[j].Probability
			years += r.Strata[j].Years
			split++
		}
		i += split + 1
		k := strconv.Itoa(s.Occurrences)
		if s.Tail {
			k += "+"
		}
		n := count(years) + " years"
		if years == 1 && !s.Tail && s.Occurrences == 0 {
			n = "computed once"
		}
		if s.Hazard != "" {
			n += fmt.Sprintf(" over %d hazards", split+1)
		}
		st = append(st, fmt.Sprintf("%s (P %s, %s)", k, probText(p), n))
	}
	out = append(out, "Years drawn by number of occurrences: "+strings.Join(st, ", "))
	return out
}

// riskNote says how to read the figures.
const riskNote = "Each mean is followed by its Monte Carlo standard error. Downtime is the yearly sum of " +
	"fault-caused incidents; a breach of the RTO is an incident longer than it, of the RPO a loss " +
	"window longer than it; losing all data counts as both. An incident still open at the end of " +
	"the year counts up to the year's end."

func writeRiskTable(w io.Writer, r *engine.Risk) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Risk: %s\n", r.Experiment)
	if r.Description != "" {
		fmt.Fprintf(&b, "  %s\n", r.Description)
	}
	for _, l := range riskFacts(r) {
		b.WriteString(l + "\n")
	}
	b.WriteString("\nAnnual downtime and data loss:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	rows := riskRows(r)
	t := newASCIITable(w)
	t.Header("Region", "Hosting", "Years with incident", "P(incident)", "Downtime (mean)", "p50", "p95", "p99", "Availability", "P(> RTO)", "P(> RPO)", "P(all data lost)", "Lost writes")
	for i := range rows {
		row := &rows[i]
		if err := t.Append(row.Region, row.Hosting, incidentYears(r, row), probEst(&row.PIncident), meanSecs(row.Downtime),
			riskSecs(row.DowntimeP50), riskSecs(row.DowntimeP95), riskSecs(row.DowntimeP99), availCell(row),
			probEst(row.PRTOBreach), probEst(row.PRPOBreach), probEst(&row.PTotalLoss), writesEst(row.LostWrites)); err != nil {
			return fmt.Errorf("table report: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	if _, err := io.WriteString(w, "\nCost and rank:\n"); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	t = newASCIITable(w)
	t.Header("Region", "Hosting", "Monthly cost", "Annualised loss", "Cost of ownership", "Rank", "Verdict")
	for i := range rows {
		row := &rows[i]
		if err := t.Append(row.Region, row.Hosting, money(row.MonthlyCost, r.Currency), aleOf(r, row), costOf(r, row),
			strconv.Itoa(row.Rank), riskVerdict(r, row)); err != nil {
			return fmt.Errorf("table report: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	b.Reset()
	b.WriteString("\n")
	for _, l := range riskObjectiveLines(r) {
		b.WriteString(l + "\n")
	}
	for _, l := range riskCheapestLines(r) {
		b.WriteString(l + "\n")
	}
	b.WriteString("Rank: " + engine.RiskRankRule + "\n")
	b.WriteString(riskNote + "\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	return nil
}

func writeRiskMarkdown(w io.Writer, r *engine.Risk) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Risk: %s\n\n", r.Experiment)
	if r.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", r.Description)
	}
	for _, l := range riskFacts(r) {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\n## Annual downtime and data loss\n\n")
	mdRow(&b, "Region", "Hosting", "Years with incident", "P(incident)", "Downtime (mean)", "p50", "p95", "p99", "Availability", "P(> RTO)", "P(> RPO)", "P(all data lost)", "Lost writes")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n")
	rows := riskRows(r)
	for i := range rows {
		row := &rows[i]
		mdRow(&b, row.Region, row.Hosting, incidentYears(r, row), probEst(&row.PIncident), meanSecs(row.Downtime),
			riskSecs(row.DowntimeP50), riskSecs(row.DowntimeP95), riskSecs(row.DowntimeP99), availCell(row),
			probEst(row.PRTOBreach), probEst(row.PRPOBreach), probEst(&row.PTotalLoss), writesEst(row.LostWrites))
	}
	b.WriteString("\n## Cost and rank\n\n")
	mdRow(&b, "Region", "Hosting", "Monthly cost", "Annualised loss", "Cost of ownership", "Rank", "Verdict")
	b.WriteString("|---|---|---:|---:|---:|---:|---|\n")
	for i := range rows {
		row := &rows[i]
		v := riskVerdict(r, row)
		if c := r.Cheapest(row.Region); c != nil && c.Hosting == row.Hosting {
			v = "**" + v + "**"
		}
		mdRow(&b, row.Region, row.Hosting, money(row.MonthlyCost, r.Currency), aleOf(r, row), costOf(r, row),
			strconv.Itoa(row.Rank), v)
	}
	b.WriteString("\n")
	for _, l := range riskObjectiveLines(r) {
		b.WriteString(l + "\n\n")
	}
	for _, l := range riskCheapestLines(r) {
		b.WriteString("**" + l + "**\n\n")
	}
	b.WriteString("Rank: " + engine.RiskRankRule + "\n\n" + riskNote + "\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}
