package reports

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/firedrill/firedrill/engine"
)

func init() { register("junit", junitWriter{}) }

// junitWriter writes JUnit XML so CI systems show each objective as a test.
type junitWriter struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// junitCases turns a region's verdicts into test cases; a region without
// objectives still gets one case so a never-recovering region fails CI.
func junitCases(class, prefix string, rr *engine.RegionResult) []junitCase {
	var cs []junitCase
	for _, v := range rr.Verdicts {
		// named by the objective alone: a changed target keeps the
		// test's history.
		c := junitCase{Name: prefix + v.Objective, Classname: class,
			Output: fmt.Sprintf("actual %s, target %s", v.Actual, v.Target)}
		if !v.Pass {
			msg := fmt.Sprintf("%s: actual %s, target %s", v.Objective, v.Actual, v.Target)
			c.Failure = &junitFailure{Message: msg, Text: msg}
		}
		cs = append(cs, c)
	}
	if len(rr.Verdicts) == 0 {
		c := junitCase{Name: prefix + "recovered", Classname: class}
		if !rr.Recovered {
			msg := fmt.Sprintf("not recovered within the horizon (%s)", recoveryWord(rr.Recovery))
			c.Failure = &junitFailure{Message: msg, Text: msg}
		}
		cs = append(cs, c)
	}
	return cs
}

func (s *junitSuite) count() {
	s.Tests = len(s.Cases)
	for _, c := range s.Cases {
		if c.Failure != nil {
			s.Failures++
		}
	}
}

func junitEncode(w io.Writer, out *junitSuites) error {
	for i := range out.Suites {
		out.Suites[i].count()
		out.Tests += out.Suites[i].Tests
		out.Failures += out.Suites[i].Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	return nil
}

// WriteRun writes one testsuite per region, one testcase per objective.
func (junitWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("junit report: no result")
	}
	out := &junitSuites{Name: "firedrill." + r.Experiment}
	for i := range r.Regions {
		rr := &r.Regions[i]
		out.Suites = append(out.Suites, junitSuite{
			Name:       rr.Region,
			Properties: append([]junitProperty{{Name: "hosting", Value: rr.Hosting}}, junitLatency(rr)...),
			Cases:      junitCases("firedrill."+r.Experiment+"."+rr.Region, "", rr),
		})
	}
	return junitEncode(w, out)
}

// WriteRuns writes one <testsuites> document: for one result what WriteRun
// writes, for several one testsuite per experiment, with a case per region
// and objective named "region: objective".
func (j junitWriter) WriteRuns(w io.Writer, rs []*engine.Result) error {
	if len(rs) == 1 {
		return j.WriteRun(w, rs[0])
	}
	out := &junitSuites{Name: "firedrill"}
	for _, r := range rs {
		if r == nil {
			return fmt.Errorf("junit report: no result")
		}
		s := junitSuite{Name: r.Experiment, Properties: []junitProperty{{Name: "file", Value: r.File}}}
		for i := range r.Regions {
			rr := &r.Regions[i]
			s.Cases = append(s.Cases, junitCases("firedrill."+r.Experiment+"."+rr.Region, rr.Region+": ", rr)...)
		}
		out.Suites = append(out.Suites, s)
	}
	return junitEncode(w, out)
}

// WriteComparison writes one testsuite per hosting, cases per region and
// objective.
func (junitWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("junit report: no comparison")
	}
	out := &junitSuites{Name: "firedrill." + c.Experiment}
	rows := sortedRows(c)
	for _, h := range c.Hostings {
		s := junitSuite{Name: h, Properties: []junitProperty{{Name: "hosting", Value: h}}}
		for i := range rows {
			rr := &rows[i].RegionResult
			if rr.Hosting != h {
				continue
			}
			s.Cases = append(s.Cases, junitCases("firedrill."+c.Experiment+"."+h, rr.Region+": ", rr)...)
		}
		out.Suites = append(out.Suites, s)
	}
	return junitEncode(w, out)
}

// junitLatency are a region's response-time figures as properties, none
// when the driver reported none.
func junitLatency(rr *engine.RegionResult) []junitProperty {
	if rr.P95 <= 0 {
		return nil
	}
	return []junitProperty{
		{Name: "latency_p95", Value: engine.FormatLatency(rr.P95)},
		{Name: "latency_p99", Value: engine.FormatLatency(rr.P99)},
		{Name: "slow", Value: fmtDur(rr.Slow)},
	}
}
