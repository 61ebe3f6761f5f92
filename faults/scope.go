package faults

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Scope is what a block of an experiment can refer to. The experiments
// package builds it once every name is known; fault kinds and the
// experiments decoder share its helpers so that every attribute is checked
// the same way and every error points at its source.
type Scope struct {
	Eval        *hcl.EvalContext
	Datacenters map[string]DatacenterInfo
	Providers   []string
	Regions     []string
	Horizon     time.Duration
}

// DatacenterInfo is what faults need to know about a datacenter.
type DatacenterInfo struct {
	Name, Provider, Site string
}

// refKey marks cty objects that stand for a reference to a declared block.
const refKey = "__ref"

// RefValue is the value that "kind.name" evaluates to in experiment files.
func RefValue(kind, name string, attrs map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{refKey: cty.StringVal(kind), "name": cty.StringVal(name)}
	for k, v := range attrs {
		m[k] = v
	}
	return cty.ObjectVal(m)
}

// Attrs holds a block's attributes while they are checked one by one;
// diagnostics accumulate so that the user sees every error at once.
type Attrs struct {
	s     *Scope
	attrs hcl.Attributes
	block hcl.Range
	diags hcl.Diagnostics
	// bad holds attributes already reported, so that later checks on their
	// default values do not pile up confusing follow-on errors.
	bad map[string]bool
}

// Content checks body against the given attributes (unknown or missing
// required ones are errors) and returns them for typed reading.
func (s *Scope) Content(body hcl.Body, schema []Attribute) *Attrs {
	bs := &hcl.BodySchema{}
	for _, a := range schema {
		bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: a.Name, Required: a.Required})
	}
	content, diags := body.Content(bs)
	a := &Attrs{s: s, diags: diags, attrs: hcl.Attributes{}, block: body.MissingItemRange()}
	if content != nil {
		a.attrs = content.Attributes
	}
	return a
}

// ContentOf wraps attributes already extracted by the caller.
func (s *Scope) ContentOf(attrs hcl.Attributes, block hcl.Range) *Attrs {
	return &Attrs{s: s, attrs: attrs, block: block}
}

// Diags returns every problem found so far.
func (a *Attrs) Diags() hcl.Diagnostics { return a.diags }

// Has reports whether the attribute is set.
func (a *Attrs) Has(name string) bool { _, ok := a.attrs[name]; return ok }

// Valid reports whether the attribute is set and was read without error.
func (a *Attrs) Valid(name string) bool { return a.Has(name) && !a.bad[name] }

// Range is where the attribute's value is, or the block when it is absent.
func (a *Attrs) Range(name string) hcl.Range {
	if at, ok := a.attrs[name]; ok {
		return at.Expr.Range()
	}
	return a.block
}

// Errorf records an error on an attribute.
func (a *Attrs) Errorf(name, summary, format string, args ...any) {
	if a.bad == nil {
		a.bad = map[string]bool{}
	}
	a.bad[name] = true
	r := a.Range(name)
	a.diags = append(a.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  &r,
	})
}

func (a *Attrs) value(name string) (cty.Value, bool) {
	at, ok := a.attrs[name]
	if !ok {
		return cty.NilVal, false
	}
	v, diags := at.Expr.Value(a.s.Eval)
	a.diags = append(a.diags, a.s.explain(diags)...)
	if diags.HasErrors() {
		if a.bad == nil {
			a.bad = map[string]bool{}
		}
		a.bad[name] = true
		return cty.NilVal, false
	}
	if v.IsNull() || !v.IsWhollyKnown() {
		a.Errorf(name, "Invalid value", "%s must have a known, non-null value.", name)
		return cty.NilVal, false
	}
	return v, true
}

// String reads a string attribute; when allowed is not empty the value must
// be one of them.
func (a *Attrs) String(name, def string, allowed ...string) string {
	v, ok := a.value(name)
	if !ok {
		return def
	}
	if v.Type() != cty.String {
		a.Errorf(name, "Incorrect attribute type", "%s must be a string, got %s.", name, v.Type().FriendlyName())
		return def
	}
	s := v.AsString()
	if len(allowed) > 0 {
		for _, al := range allowed {
			if s == al {
				return s
			}
		}
		a.Errorf(name, "Invalid value", "%s must be one of %s, got %q.", name, quoteList(allowed), s)
		return def
	}
	return s
}

// Number reads a number that must lie in [min, max].
func (a *Attrs) Number(name string, def, min, max float64) float64 {
	v, ok := a.value(name)
	if !ok {
		return def
	}
	if v.Type() != cty.Number {
		a.Errorf(name, "Incorrect attribute type", "%s must be a number, got %s.", name, v.Type().FriendlyName())
		return def
	}
	f, _ := v.AsBigFloat().Float64()
	if math.IsNaN(f) || f < min || f > max {
		a.Errorf(name, "Value out of range", "%s must be between %s and %s, got %s.", name, fmtNum(min), fmtNum(max), fmtNum(f))
		return def
	}
	return f
}

// Int reads a whole number that must lie in [min, max].
func (a *Attrs) Int(name string, def, min, max int) int {
	if !a.Has(name) {
		return def
	}
	f := a.Number(name, math.NaN(), float64(min), float64(max))
	if math.IsNaN(f) {
		return def
	}
	if f != math.Trunc(f) {
		a.Errorf(name, "Invalid value", "%s must be a whole number, got %s.", name, fmtNum(f))
		return def
	}
	return int(f)
}

// Duration reads a duration such as "90s", "5m", "1h30m" or "2d".
func (a *Attrs) Duration(name string, def time.Duration) time.Duration {
	v, ok := a.value(name)
	if !ok {
		return def
	}
	d, err := durationOf(v)
	if err != nil {
		a.Errorf(name, "Invalid duration", "%s: %s", name, err)
		return def
	}
	return d
}

// Window reads a start time: a duration, or a list of two durations
// [earliest, latest] drawn per trial.
func (a *Attrs) Window(name string) (time.Duration, time.Duration) {
	v, ok := a.value(name)
	if !ok {
		return 0, 0
	}
	if v.Type() == cty.String {
		d, err := durationOf(v)
		if err != nil {
			a.Errorf(name, "Invalid duration", "%s: %s", name, err)
		}
		if a.s.Horizon > 0 && d >= a.s.Horizon {
			a.Errorf(name, "Start time beyond the horizon", "%s: %s is not before the end of the experiment (%s).", name, FormatDuration(d), FormatDuration(a.s.Horizon))
		}
		return d, d
	}
	if !v.CanIterateElements() || v.LengthInt() != 2 {
		a.Errorf(name, "Invalid start time", `%s must be a duration like "47m" or a range like ["0h", "24h"].`, name)
		return 0, 0
	}
	ds := make([]time.Duration, 0, 2)
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		d, err := durationOf(ev)
		if err != nil {
			a.Errorf(name, "Invalid duration", "%s: %s", name, err)
			return 0, 0
		}
		ds = append(ds, d)
	}
	if ds[1] < ds[0] {
		a.Errorf(name, "Invalid start time", "%s: the range ends (%s) before it starts (%s).", name, FormatDuration(ds[1]), FormatDuration(ds[0]))
		return 0, 0
	}
	if a.s.Horizon > 0 && ds[1] >= a.s.Horizon {
		a.Errorf(name, "Start time beyond the horizon", "%s: %s is not before the end of the experiment (%s).", name, FormatDuration(ds[1]), FormatDuration(a.s.Horizon))
	}
	return ds[0], ds[1]
}

// Period reads a mean time between occurrences ("50y", "1000y"), in
// seconds.
func (a *Attrs) Period(name string) float64 {
	v, ok := a.value(name)
	if !ok {
		return 0
	}
	if v.Type() != cty.String {
		a.Errorf(name, "Invalid duration", `%s: expected a duration string like "50y", got a %s`, name, v.Type().FriendlyName())
		return 0
	}
	p, err := ParsePeriod(v.AsString())
	if err != nil {
		a.Errorf(name, "Invalid duration", "%s: %s", name, err)
		return 0
	}
	return p
}

// DurationRange reads a duration that may be drawn per occurrence: "4h",
// or a range ["10m", "4h"].
func (a *Attrs) DurationRange(name string, def time.Duration) Range {
	v, ok := a.value(name)
	if !ok {
		return Fixed(def)
	}
	if v.Type() == cty.String {
		d, err := durationOf(v)
		if err != nil {
			a.Errorf(name, "Invalid duration", "%s: %s", name, err)
			return Fixed(def)
		}
		return Fixed(d)
	}
	if !v.CanIterateElements() || v.Type().IsObjectType() || v.LengthInt() != 2 {
		a.Errorf(name, "Invalid duration", `%s must be a duration like "4h" or a range like ["10m", "4h"], drawn per occurrence.`, name)
		return Fixed(def)
	}
	var ds []time.Duration
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		d, err := durationOf(ev)
		if err != nil {
			a.Errorf(name, "Invalid duration", "%s: %s", name, err)
			return Fixed(def)
		}
		ds = append(ds, d)
	}
	if ds[1] < ds[0] {
		a.Errorf(name, "Invalid range", "%s: the range ends (%s) before it starts (%s).", name, FormatDuration(ds[1]), FormatDuration(ds[0]))
		return Fixed(def)
	}
	return Range{ds[0], ds[1]}
}

// RefOrRefs reads one reference (datacenter.a) or a list of them
// ([datacenter.a, datacenter.b]): a frequency fault's several targets.
func (a *Attrs) RefOrRefs(name, kind string) []string {
	v, ok := a.value(name)
	if !ok {
		return nil
	}
	if v.Type().IsObjectType() {
		n := a.Ref(name, kind)
		if n == "" {
			return nil
		}
		return []string{n}
	}
	out := a.Refs(name, kind)
	if a.Valid(name) && len(out) == 0 {
		a.Errorf(name, "No target", "%s must name at least one %s.", name, kind)
	}
	return out
}

// StringOrStrings reads a string or a list of distinct strings.
func (a *Attrs) StringOrStrings(name string) []string {
	v, ok := a.value(name)
	if !ok {
		return nil
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}
	}
	if !v.CanIterateElements() || v.Type().IsObjectType() || v.LengthInt() == 0 {
		a.Errorf(name, "Incorrect attribute type", `%s must be a string or a list of strings like ["a", "b"].`, name)
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		if ev.IsNull() || ev.Type() != cty.String {
			a.Errorf(name, "Incorrect attribute type", `%s must be a string or a list of strings like ["a", "b"].`, name)
			return nil
		}
		if s := ev.AsString(); !slices.Contains(out, s) {
			out = append(out, s)
		} else {
			a.Errorf(name, "Duplicate value", "%s lists %q twice.", name, s)
		}
	}
	return out
}

// Ref reads a reference such as datacenter.sbg2 and returns the name.
func (a *Attrs) Ref(name, kind string) string {
	v, ok := a.value(name)
	if !ok {
		return ""
	}
	n, err := refOf(v, kind)
	if err != nil {
		a.Errorf(name, "Invalid reference", "%s: %s", name, err)
	}
	return n
}

// Refs reads a list of references such as [datacenter.a, datacenter.b].
func (a *Attrs) Refs(name, kind string) []string {
	v, ok := a.value(name)
	if !ok {
		return nil
	}
	if !v.CanIterateElements() || v.Type().IsObjectType() {
		a.Errorf(name, "Invalid reference list", "%s must be a list like [%s.a, %s.b].", name, kind, kind)
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		n, err := refOf(ev, kind)
		if err != nil {
			a.Errorf(name, "Invalid reference", "%s: %s", name, err)
			return nil
		}
		if seen[n] {
			a.Errorf(name, "Duplicate reference", "%s lists %s.%s twice.", name, kind, n)
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// Datacenter checks that a datacenter name exists and returns its info.
func (s *Scope) Datacenter(name string) DatacenterInfo { return s.Datacenters[name] }

// DatacentersWhere returns the names of datacenters matching keep, sorted.
func (s *Scope) DatacentersWhere(keep func(DatacenterInfo) bool) []string {
	var out []string
	for n, d := range s.Datacenters {
		if keep(d) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// explain rewrites HCL's "object has no attribute" errors on references
// into what the user did wrong: naming a block that does not exist, with
// the names that do.
func (s *Scope) explain(diags hcl.Diagnostics) hcl.Diagnostics {
	for i, d := range diags {
		if d.Summary != "Unsupported attribute" || d.Expression == nil {
			continue
		}
		tr, tdiags := hcl.AbsTraversalForExpr(d.Expression)
		if tdiags.HasErrors() || len(tr) < 2 {
			continue
		}
		root := tr.RootName()
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		obj, ok := s.Eval.Variables[root]
		if !ok || !obj.Type().IsObjectType() {
			continue
		}
		var have []string
		for n := range obj.Type().AttributeTypes() {
			have = append(have, n)
		}
		sort.Strings(have)
		kind := root
		if root == "var" {
			kind = "variable"
		}
		nd := *d
		nd.Summary = "Unknown " + kind
		nd.Detail = fmt.Sprintf("There is no %s named %q. Declared: %s.", kind, attr.Name, strings.Join(have, ", "))
		if len(have) == 0 {
			nd.Detail = fmt.Sprintf("There is no %s named %q: the file declares no %s block.", kind, attr.Name, kind)
		}
		diags[i] = &nd
	}
	return diags
}

func refOf(v cty.Value, kind string) (string, error) {
	if !v.Type().IsObjectType() || !v.Type().HasAttribute(refKey) {
		return "", fmt.Errorf("expected a reference to a %s, like %s.NAME, got a %s", kind, kind, v.Type().FriendlyName())
	}
	got := v.GetAttr(refKey).AsString()
	n := v.GetAttr("name").AsString()
	if got != kind {
		return "", fmt.Errorf("expected a reference to a %s, got %s.%s", kind, got, n)
	}
	return n, nil
}

func durationOf(v cty.Value) (time.Duration, error) {
	if v.Type() != cty.String {
		return 0, fmt.Errorf(`expected a duration string like "5m", got a %s`, v.Type().FriendlyName())
	}
	return ParseDuration(v.AsString())
}

var units = []struct {
	suffix string
	d      time.Duration
}{
	// longest suffixes first so that "ms" is not read as "m".
	{"ms", time.Millisecond}, {"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
	{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
}

// ParseDuration parses durations such as "500ms", "90s", "1h30m", "2d" or
// "50y". Unlike time.ParseDuration it accepts days and weeks, which hosting
// contracts use, and years of 365 days, which fault frequencies use; it
// rejects negative durations.
func ParseDuration(s string) (time.Duration, error) {
	total, err := parseNanos(s)
	if err != nil {
		return 0, err
	}
	// float64(MaxInt64) is 2^63, one past the largest Duration.
	if total >= float64(math.MaxInt64) {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	return time.Duration(total), nil
}

// ParsePeriod parses a mean time between occurrences, which may exceed
// time.Duration's 292 years ("1000y"), into seconds.
func ParsePeriod(s string) (float64, error) {
	total, err := parseNanos(s)
	return total / float64(time.Second), err
}

// Year is the year of durations ("y"): 365 days.
const Year = 365 * 24 * time.Hour

// FormatPeriod prints a mean time between occurrences: in years when it is
// a whole number of them ("300y"), else as a duration.
func FormatPeriod(seconds float64) string {
	y := seconds / Year.Seconds()
	if y >= 1 && y == math.Trunc(y) {
		return strconv.FormatFloat(y, 'f', -1, 64) + "y"
	}
	if seconds < float64(math.MaxInt64/int64(time.Second)) {
		return FormatDuration(time.Duration(seconds * float64(time.Second)))
	}
	return strconv.FormatFloat(y, 'g', 4, 64) + "y"
}

func parseNanos(s string) (float64, error) {
	bad := fmt.Errorf(`invalid duration %q: use numbers with units ms, s, m, h, d, w or y, like "90s", "1h30m", "2d" or "50y"`, s)
	if s == "" {
		return 0, bad
	}
	if s == "0" {
		return 0, nil
	}
	var total float64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, bad
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, bad
		}
		rest = rest[i:]
		matched := false
		for _, u := range units {
			if strings.HasPrefix(rest, u.suffix) {
				total += n * float64(u.d)
				rest = rest[len(u.suffix):]
				matched = true
				break
			}
		}
		if !matched {
			return 0, bad
		}
	}
	return total, nil
}

// FormatDuration prints a duration the way experiment files write them,
// with days: "2d3h", "47m", "1.5s".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	neg := d < 0
	if neg {
		d = -d
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if d < time.Second {
		fmt.Fprintf(&b, "%dms", d.Milliseconds())
		return b.String()
	}
	if d < time.Minute {
		s := strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
		b.WriteString(strings.TrimSuffix(s, ".0") + "s")
		return b.String()
	}
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	sec := d / time.Second
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if sec > 0 {
		fmt.Fprintf(&b, "%ds", sec)
	}
	return b.String()
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

func fmtNum(f float64) string {
	// whole numbers as integers: a seed's limit, 2^53, reads
	// 9007199254740992, not 9.007199254740992e+15.
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
