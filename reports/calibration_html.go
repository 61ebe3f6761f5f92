package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/firedrill/firedrill/engine"
)

// calHTMLBar is one figure drawn as two bars on a shared scale: the model's
// and the measured median, with the measured range as a whisker. Widths
// are percentages of the row's scale.
type calHTMLBar struct {
	engine.Figure
	ModelText, MeasuredText, DiffText, MarginText, Agreement string
	ModelW, MeasuredW, MinW, MaxW                            float64
	Range                                                    bool
	Out                                                      bool
}

type calHTMLRegion struct {
	engine.CalibratedRegion
	Head string
	Bars []calHTMLBar
	Off  []string
}

type calHTMLPage struct {
	C       *engine.Calibration
	Rule    string
	Regions []calHTMLRegion
	Values  [][]string
	HCL     string
	Summary string
}

// calibrationHTML writes one self-contained page: no script, no external
// resource, bars drawn with CSS widths.
func calibrationHTML(w io.Writer, c *engine.Calibration) error {
	p := calHTMLPage{C: c}
	p.Rule = fmt.Sprintf("A duration agrees when |model − measured| ≤ max(%.0f%% of measured, %s); a served share within %.1f percentage points.", 100*c.Tolerance, fmtDur(c.Floor), c.ShareFloor)
	if c.Runs > 1 {
		p.Rule += fmt.Sprintf(" Measured is the median of %d runs; the whisker is their range.", c.Runs)
	}
	n := 0
	for _, r := range c.Regions {
		hr := calHTMLRegion{CalibratedRegion: r}
		hr.Head = fmt.Sprintf("model %s, %s %s", passWord(r.ModelPass), c.MeasuredDriver, measuredVerdicts(r.MeasuredPass))
		for _, v := range r.Verdicts {
			if !v.Agree {
				var ms []string
				for _, x := range v.Measured {
					ms = append(ms, passWord(x.Pass)+" "+x.Actual)
				}
				hr.Off = append(hr.Off, fmt.Sprintf("%s %s: model %s %s, %s %s", v.Objective, v.Target, passWord(v.Model.Pass), v.Model.Actual, c.MeasuredDriver, strings.Join(ms, ", ")))
			}
		}
		for _, f := range r.Figures {
			scale := math.Max(math.Abs(f.Model), math.Max(math.Abs(f.Measured), math.Abs(f.MeasuredMax)))
			if f.Unit == engine.UnitPercent {
				scale = 100
			}
			wd := func(v float64) float64 {
				if scale <= 0 {
					return 0
				}
				return math.Round(1000*math.Abs(v)/scale) / 10
			}
			b := calHTMLBar{Figure: f, ModelText: figureModel(f), MeasuredText: figureMeasured(f, c.Runs), DiffText: figureDiff(f),
				MarginText: figureMargin(f), Agreement: agreeWord(f), Out: !f.WithinTolerance,
				Range: c.Runs > 1 && f.HasMeasured && f.MeasuredMax > f.MeasuredMin}
			if f.HasModel {
				b.ModelW = wd(f.Model)
			}
			if f.HasMeasured {
				b.MeasuredW, b.MinW, b.MaxW = wd(f.Measured), wd(f.MeasuredMin), wd(f.MeasuredMax)
			}
			if b.Out {
				n++
			}
			hr.Bars = append(hr.Bars, b)
		}
		p.Regions = append(p.Regions, hr)
	}
	for _, s := range c.Suggested {
		for _, v := range s.Values {
			p.Values = append(p.Values, []string{s.Hosting, v.Attribute, suggestedText(v.Attribute, v.Assumed), suggestedText(v.Attribute, v.Measured), v.How})
		}
		p.HCL += s.HCL()
	}
	p.Summary = "Every figure within tolerance."
	if n > 0 {
		p.Summary = fmt.Sprintf("%d figure(s) out of tolerance.", n)
	}
	if err := calTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("calibration report: %w", err)
	}
	return nil
}

var calTemplate = template.Must(template.New("calibration").Funcs(template.FuncMap{
	"pct":   func(v float64) template.CSS { return template.CSS(fmt.Sprintf("%.1f%%", v)) },
	"fdur":  fmtDur,
	"fault": faultID,
	"clock": func(c *engine.Calibration, f engine.Scheduled) string { return wallClock(c.Start, f.At) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Calibration: {{.C.Experiment}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #dde2ea;vertical-align:middle;font-size:.9rem}
th{background:#f3f5f8}
.bars{width:40%}
.bar{position:relative;height:.8rem;margin:.15rem 0;background:#f3f5f8}
.bar span{position:absolute;left:0;top:0;bottom:0}
.model span{background:#5b7bb3}
.measured span.fill{background:#e39b3b}
.measured span.range{border-left:2px solid #7a4d10;border-right:2px solid #7a4d10;top:35%;bottom:35%;background:#7a4d10;opacity:.6}
tr.out td{background:#fde8e8}
.out .agree{color:#a11;font-weight:600}
.legend span{display:inline-block;width:1rem;height:.7rem;margin:0 .3rem 0 1rem;vertical-align:middle}
.edge{background:#fff6d8;padding:.4rem .6rem;border-left:4px solid #d6a800}
.disagree{color:#a11;font-weight:600}
pre{background:#f3f5f8;padding:.8rem;overflow-x:auto}
</style>
</head>
<body>
<h1>Calibration: {{.C.Experiment}}</h1>
<p><code>{{.C.File}}</code> on the <b>{{.C.ModelDriver}}</b> driver and {{.C.Runs}} run(s) of the <b>{{.C.MeasuredDriver}}</b> driver, with the same drawn plan (seed {{.C.Seed}}, horizon {{fdur .C.Horizon}}).</p>
<ul>{{range .C.Faults}}<li><code>{{fault .}}</code> at +{{fdur .At}} ({{clock $.C .}})</li>{{end}}</ul>
<p>{{.Rule}}</p>
<p class="legend">Bars:<span style="background:#5b7bb3"></span>model<span style="background:#e39b3b"></span>measured{{if gt .C.Runs 1}}<span style="background:#7a4d10;height:.25rem"></span>measured range{{end}}. Rows out of tolerance are shaded red.</p>
<p><b>{{.Summary}}</b></p>
{{range .Regions}}
<section>
<h2 id="region-{{.Region}}">{{.Region}} <small>({{.Hosting}})</small> — {{.Head}}{{if not .VerdictsAgree}} <span class="disagree">verdicts disagree</span>{{end}}</h2>
{{range .Off}}<p class="disagree">{{.}}</p>{{end}}
{{if .AtSLOEdge}}<p class="edge">At the SLO's edge: the served share sat within the share floor of the SLO's success ratio for most of an incident, so downtime counts minutes at the edge; its agreement rests on the served shares.</p>{{end}}
<table>
<thead><tr><th>Figure</th><th class="bars">Model / measured</th><th>Model</th><th>Measured</th><th>Difference</th><th>Margin</th><th>Agreement</th></tr></thead>
<tbody>
{{range .Bars}}<tr{{if .Out}} class="out"{{end}}>
<td>{{.Name}}</td>
<td class="bars"><div class="bar model" title="model {{.ModelText}}"><span style="width:{{pct .ModelW}}"></span></div><div class="bar measured" title="measured {{.MeasuredText}}"><span class="fill" style="width:{{pct .MeasuredW}}"></span>{{if .Range}}<span class="range" style="left:{{pct .MinW}};width:calc({{pct .MaxW}} - {{pct .MinW}})"></span>{{end}}</div></td>
<td>{{.ModelText}}</td><td>{{.MeasuredText}}</td><td>{{.DiffText}}</td><td>{{.MarginText}}</td><td class="agree">{{.Agreement}}</td>
</tr>{{end}}
</tbody>
</table>
</section>
{{end}}
{{if .Values}}
<h2>Where they differ: the mechanisms as measured</h2>
<table>
<thead><tr><th>Hosting</th><th>Attribute</th><th>Assumed</th><th>Measured</th><th>How</th></tr></thead>
<tbody>{{range .Values}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table>
<p>To bring the model closer to this machine, paste into the hosting:</p>
<pre>{{.HCL}}</pre>
{{end}}
{{if .C.Notes}}<h2>Notes</h2><ul>{{range .C.Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body>
</html>
`))
