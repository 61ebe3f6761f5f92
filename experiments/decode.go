package experiments

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/firedrill/firedrill/faults"
)

// Defaults for hosting attributes left unset. Their sources are in the
// README's "Defaults" table; keep the two in step.
const (
	DefaultReplicationLag   = time.Second      // PostgreSQL async streaming: sub-second to seconds
	DefaultDetection        = 5 * time.Minute  // a typical monitoring alert window
	DefaultOperatorResponse = time.Hour        // on-call paged, diagnoses, decides
	DefaultPromotion        = 30 * time.Second // pg_promote plus clients reconnecting
	DefaultProvisioning     = 30 * time.Minute // a new database server from a provider's catalogue
	DefaultRestoreRate      = 200e6            // bytes/s: base backup restore on SSD over 10 GbE
	DefaultRestart          = time.Minute      // a crashed process restarted by its supervisor
	DefaultAppReplicas      = 2
	DefaultReplicaRPS       = 400 // requests per second one ENT application server sustains
	DefaultRequestsPerMin   = 4   // page views and API calls per online user per minute
	DefaultSuccessRatio     = 0.95
	DefaultScale            = 1000 // real users per virtual user on real-load drivers
	// DefaultRebuild is an assumption: copying the database to a new
	// standby takes under an hour (pg_basebackup at 300-500 MiB/s,
	// postgres.ai), but after a disaster it is planned work, done the next
	// working day rather than in the night of the incident.
	DefaultRebuild = 24 * time.Hour
)

// DefaultStart is the origin of experiments that do not set one: a Monday,
// midnight UTC.
var DefaultStart = time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "experiment", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "datacenter", LabelNames: []string{"name"}},
		{Type: "hosting", LabelNames: []string{"name"}},
		{Type: "workload", LabelNames: []string{"name"}},
		{Type: "region", LabelNames: []string{"name"}},
		{Type: "fault", LabelNames: []string{"kind", "name"}},
	},
}

// Load reads and validates one experiment file. vars override variable
// defaults (--var name=value). On error the diagnostics name file, line and
// column; WriteDiagnostics prints them with a source snippet.
func Load(path string, vars map[string]string) (*Experiment, hcl.Diagnostics) {
	return LoadContext(context.Background(), path, vars)
}

// LoadContext is Load that gives up when ctx is done. A file over
// MaxFileSize is refused before it is read whole.
func LoadContext(ctx context.Context, path string, vars map[string]string) (*Experiment, hcl.Diagnostics) {
	src, diags := ReadSource(path)
	if diags.HasErrors() {
		return nil, diags
	}
	return ParseContext(ctx, src, path, vars)
}

// Parse validates an experiment from source. filename is used in
// diagnostics and reports.
func Parse(src []byte, filename string, vars map[string]string) (*Experiment, hcl.Diagnostics) {
	return ParseContext(context.Background(), src, filename, vars)
}

// ParseContext is Parse that gives up when ctx is done, with an
// "Interrupted" error: the HCL parser cannot be stopped, so it runs on its
// own goroutine, and the decoder checks ctx between blocks.
func ParseContext(ctx context.Context, src []byte, filename string, vars map[string]string) (*Experiment, hcl.Diagnostics) {
	if d := checkSource(src, filename); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	type result struct {
		e     *Experiment
		diags hcl.Diagnostics
	}
	done := make(chan result, 1)
	go func() {
		e, diags := parse(ctx, src, filename, vars)
		done <- result{e, diags}
	}()
	select {
	case r := <-done:
		if ctx.Err() != nil {
			return nil, interrupted(filename, ctx.Err())
		}
		return r.e, r.diags
	case <-ctx.Done():
		return nil, interrupted(filename, ctx.Err())
	}
}

func interrupted(filename string, err error) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Interrupted",
		Detail: fmt.Sprintf("Decoding was stopped: %v.", err), Subject: fileRange(filename).Ptr()}}
}

func parse(ctx context.Context, src []byte, filename string, vars map[string]string) (*Experiment, hcl.Diagnostics) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := f.Body.Content(rootSchema)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags
	}
	dec := &decoder{ctx: ctx, file: filename, blocks: map[string][]*hcl.Block{}}
	for _, b := range content.Blocks {
		dec.blocks[b.Type] = append(dec.blocks[b.Type], b)
	}
	e, d := dec.decode(vars)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	return e, diags
}

type decoder struct {
	ctx    context.Context
	file   string
	blocks map[string][]*hcl.Block
	scope  *faults.Scope
	diags  hcl.Diagnostics
}

func (d *decoder) errorf(r hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: r.Ptr()})
}

func (d *decoder) warnf(r hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: r.Ptr()})
}

// names returns the declared names of a block type, reporting duplicates.
func (d *decoder) names(typ string) map[string]*hcl.Block {
	out := map[string]*hcl.Block{}
	for _, b := range d.blocks[typ] {
		n := b.Labels[len(b.Labels)-1]
		key := strings.Join(b.Labels, ".")
		if prev, dup := out[key]; dup {
			d.errorf(b.LabelRanges[len(b.LabelRanges)-1], "Duplicate "+typ, "%s %q was already declared at %s.", typ, n, prev.DefRange)
			continue
		}
		out[key] = b
	}
	return out
}

func (d *decoder) decode(vars map[string]string) (*Experiment, hcl.Diagnostics) {
	e := &Experiment{File: d.file}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: functions()}
	ctx.Variables["var"] = d.variables(vars)

	// Every reference root is known before any block is decoded, so that
	// pointing at the wrong kind of block says so instead of "unknown variable".
	for _, typ := range []string{"provider", "datacenter", "hosting", "workload", "region"} {
		refs := map[string]cty.Value{}
		for _, b := range d.names(typ) {
			refs[b.Labels[0]] = faults.RefValue(typ, b.Labels[0], nil)
		}
		ctx.Variables[typ] = cty.ObjectVal(refs)
	}
	d.scope = &faults.Scope{Eval: ctx, Datacenters: map[string]faults.DatacenterInfo{}}

	d.experiment(e)
	d.scope.Horizon = e.Duration

	providers := map[string]*Provider{}
	for _, b := range d.blocks["provider"] {
		a := d.scope.Content(b.Body, []faults.Attribute{{Name: "availability_sla"}, {Name: "description"}})
		p := &Provider{Name: b.Labels[0], AvailabilitySLA: a.Number("availability_sla", 0, 0, 100)}
		a.String("description", "")
		d.diags = append(d.diags, a.Diags()...)
		providers[p.Name] = p
		e.Providers = append(e.Providers, p)
		d.scope.Providers = append(d.scope.Providers, p.Name)
	}

	dcs := map[string]*Datacenter{}
	for _, b := range d.blocks["datacenter"] {
		a := d.scope.Content(b.Body, []faults.Attribute{{Name: "provider", Required: true}, {Name: "site", Required: true}})
		dc := &Datacenter{Name: b.Labels[0], Site: a.String("site", "")}
		if pn := a.Ref("provider", "provider"); pn != "" {
			dc.Provider = providers[pn]
		}
		if a.Valid("site") && dc.Site == "" {
			a.Errorf("site", "Invalid value", "site must not be empty: datacenters on the same site share fate in site-wide faults.")
		}
		d.diags = append(d.diags, a.Diags()...)
		dcs[dc.Name] = dc
		e.Datacenters = append(e.Datacenters, dc)
		info := faults.DatacenterInfo{Name: dc.Name, Site: dc.Site}
		if dc.Provider != nil {
			info.Provider = dc.Provider.Name
		}
		d.scope.Datacenters[dc.Name] = info
	}

	hostings := map[string]*Hosting{}
	for _, b := range d.blocks["hosting"] {
		h := d.hosting(b, dcs)
		hostings[h.Name] = h
		e.Hostings = append(e.Hostings, h)
	}
	workloads := map[string]*Workload{}
	for _, b := range d.blocks["workload"] {
		w := d.workload(b)
		workloads[w.Name] = w
		e.Workloads = append(e.Workloads, w)
	}
	for i, b := range d.blocks["region"] {
		if i%256 == 0 && d.ctx != nil && d.ctx.Err() != nil {
			return nil, d.diags
		}
		e.Regions = append(e.Regions, d.region(b, hostings, workloads))
		d.scope.Regions = append(d.scope.Regions, b.Labels[0])
	}
	if len(e.Regions) == 0 {
		d.errorf(fileRange(d.file), "No region", "An experiment needs at least one region block: the users whose service is at stake.")
	}

	d.names("fault")
	for _, b := range d.blocks["fault"] {
		kind, ok := faults.Lookup(b.Labels[0])
		if !ok {
			var known []string
			for _, k := range faults.Kinds() {
				known = append(known, k.Name)
			}
			d.errorf(b.LabelRanges[0], "Unknown fault kind", "There is no fault kind %q. Known kinds: %s.", b.Labels[0], strings.Join(known, ", "))
			continue
		}
		f, fd := kind.Decode(b.Labels[1], b.Body, d.scope)
		d.diags = append(d.diags, fd...)
		if f != nil && !fd.HasErrors() {
			e.Faults = append(e.Faults, f)
		}
	}
	return e, d.diags
}

func fileRange(file string) hcl.Range {
	return hcl.Range{Filename: file, Start: hcl.InitialPos, End: hcl.InitialPos}
}

// variables resolves variable defaults and --var overrides into the "var"
// object. An override keeps the type of the default: "--var users=5" on a
// numeric default is a number.
func (d *decoder) variables(overrides map[string]string) cty.Value {
	vals := map[string]cty.Value{}
	declared := d.names("variable")
	for _, b := range d.blocks["variable"] {
		name := b.Labels[0]
		content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "description"}}})
		d.diags = append(d.diags, diags...)
		var def cty.Value = cty.NilVal
		if at, ok := content.Attributes["default"]; ok {
			v, vd := at.Expr.Value(&hcl.EvalContext{Functions: functions()})
			d.diags = append(d.diags, vd...)
			if !vd.HasErrors() {
				def = v
			}
		}
		raw, overridden := overrides[name]
		// A --var of the wrong type is reported once, here; its uses then
		// see the default, so they do not repeat the error at every site.
		switch {
		case overridden && def != cty.NilVal && def.Type() == cty.Number:
			n, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				d.errorf(b.DefRange, "Invalid value for variable", "--var %s=%q: this variable is a number.", name, raw)
				vals[name] = def
				continue
			}
			vals[name] = cty.NumberFloatVal(n)
		case overridden && def != cty.NilVal && def.Type() == cty.Bool:
			bv, err := strconv.ParseBool(raw)
			if err != nil {
				d.errorf(b.DefRange, "Invalid value for variable", "--var %s=%q: this variable is true or false.", name, raw)
				vals[name] = def
				continue
			}
			vals[name] = cty.BoolVal(bv)
		case overridden && def != cty.NilVal && def.Type() == cty.String && !sameUnit(def.AsString(), raw):
			d.errorf(b.DefRange, "Invalid value for variable", "--var %s=%q: this variable is a %s, like its default %q.", name, raw, unitOf(def.AsString()), def.AsString())
			vals[name] = def
		case overridden:
			vals[name] = cty.StringVal(raw)
		case def != cty.NilVal:
			vals[name] = def
		default:
			d.errorf(b.DefRange, "Variable without a value", "Variable %q has no default; pass --var %s=VALUE.", name, name)
		}
	}
	var unknown []string
	for k := range overrides {
		if _, ok := declared[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		var have []string
		for n := range declared {
			have = append(have, n)
		}
		sort.Strings(have)
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable",
			Detail: fmt.Sprintf("--var %s: %s declares no such variable (declared: %s).", k, d.file, orNone(have))})
	}
	return cty.ObjectVal(vals)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (d *decoder) experiment(e *Experiment) {
	bs := d.blocks["experiment"]
	if len(bs) != 1 {
		r := fileRange(d.file)
		if len(bs) > 1 {
			r = bs[1].DefRange
		}
		d.errorf(r, "One experiment block needed", "A file describes exactly one experiment; found %d experiment blocks.", len(bs))
		if len(bs) == 0 {
			return
		}
	}
	b := bs[0]
	e.Name = b.Labels[0]
	a := d.scope.Content(b.Body, []faults.Attribute{
		{Name: "description"}, {Name: "start"}, {Name: "duration", Required: true},
		{Name: "seed"}, {Name: "time_scale"}, {Name: "scale"}, {Name: "currency"}, {Name: "timezone"},
	})
	e.Description = a.String("description", "")
	e.Start = DefaultStart
	loc := d.timezone(a)
	if s := a.String("start", ""); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		switch {
		case err != nil && a.Has("timezone"):
			// with a zone, a start without an offset is read on its clock
			// (an unknown zone was said already: the start is checked alone).
			in := loc
			if in == nil {
				in = time.UTC
			}
			if t, err = time.ParseInLocation("2006-01-02T15:04:05", s, in); err != nil {
				a.Errorf("start", "Invalid start time", `start must be a time like "2021-03-10T00:00:00+01:00", or "2021-03-10T00:00:00" on the timezone's clock, got %q.`, s)
			}
		case err != nil:
			a.Errorf("start", "Invalid start time", `start must be an RFC 3339 time like "2021-03-10T00:00:00+01:00", got %q.`, s)
		case loc != nil:
			if _, off := t.Zone(); off != zoneOffset(t.In(loc)) {
				d.warnf(a.Range("start"), "Offset not the time zone's", "start's UTC offset is not %s's at that moment: the same instant is %s on the zone's clock.", loc, t.In(loc).Format(time.RFC3339))
			}
		}
		if err == nil {
			e.Start = t
		}
	} else if loc != nil {
		e.Start = time.Date(2000, 1, 3, 0, 0, 0, 0, loc)
	}
	if loc != nil {
		e.Start = e.Start.In(loc)
	}
	e.Duration = a.Duration("duration", 0)
	if a.Valid("duration") && e.Duration <= 0 {
		a.Errorf("duration", "Invalid duration", "duration must be longer than zero.")
	}
	e.Seed = int64(a.Int("seed", 1, 0, 1<<53))
	e.TimeScale = a.Number("time_scale", 0, 1, 1e7)
	if e.TimeScale == 0 {
		// by default a real-time driver compresses the horizon into ten minutes.
		e.TimeScale = max(1, float64(e.Duration)/float64(10*time.Minute))
	}
	e.Scale = a.Int("scale", DefaultScale, 1, 1e9)
	e.Currency = strings.TrimSpace(a.String("currency", ""))
	if a.Valid("currency") && (e.Currency == "" || len(e.Currency) > 16 || strings.ContainsFunc(e.Currency, func(r rune) bool { return r < ' ' })) {
		a.Errorf("currency", "Invalid currency", `currency names the unit of costs in reports, like "EUR" or "$": 1 to 16 printable characters.`)
		e.Currency = ""
	}
	d.diags = append(d.diags, a.Diags()...)
}

var hostingAttrs = []faults.Attribute{
	{Name: "primary", Required: true}, {Name: "standby"}, {Name: "replication"}, {Name: "replication_lag"}, {Name: "sync_fallback"},
	{Name: "failover"}, {Name: "detection"}, {Name: "operator_response"}, {Name: "promotion"},
	{Name: "provisioning"}, {Name: "restore_rate"}, {Name: "restore_to"}, {Name: "restart"}, {Name: "max_wait"},
	{Name: "app_replicas"}, {Name: "replica_rps"}, {Name: "max_sessions"}, {Name: "queue_timeout"}, {Name: "ddos_protection"},
	{Name: "monthly_cost"}, {Name: "rebuild"}, {Name: "description"},
}

func (d *decoder) hosting(b *hcl.Block, dcs map[string]*Datacenter) *Hosting {
	bs := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "backup"}}}
	for _, at := range hostingAttrs {
		bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: at.Name, Required: at.Required})
	}
	content, diags := b.Body.Content(bs)
	d.diags = append(d.diags, diags...)
	a := d.scope.ContentOf(content.Attributes, b.DefRange)

	h := &Hosting{Name: b.Labels[0]}
	h.Primary = dcs[a.Ref("primary", "datacenter")]
	h.Standby = dcs[a.Ref("standby", "datacenter")]
	if h.Primary != nil && h.Standby != nil && h.Primary == h.Standby {
		a.Errorf("standby", "Standby in the primary's datacenter", "The standby (%s) is in the same datacenter as the primary: it would burn with it. Put it in another datacenter, or remove it.", h.Standby.Name)
	}
	if h.Primary != nil && h.Standby != nil && h.Primary != h.Standby && h.Primary.Site == h.Standby.Site {
		d.warnf(a.Range("standby"), "Standby on the primary's site", "The standby %s shares the %s site with the primary %s: a site-wide disaster takes both.", h.Standby.Name, h.Standby.Site, h.Primary.Name)
	}
	defRepl := string(ReplicationNone)
	if h.Standby != nil {
		defRepl = string(ReplicationAsync)
	}
	h.Replication = Replication(a.String("replication", defRepl, "none", "async", "sync"))
	if h.Replication != ReplicationNone && a.Has("replication") && !a.Has("standby") {
		a.Errorf("replication", "Replication without a standby", "replication = %q needs a standby datacenter to replicate to.", h.Replication)
	}
	h.ReplicationLag = a.Duration("replication_lag", DefaultReplicationLag)
	h.SyncFallback = SyncFallback(a.String("sync_fallback", string(SyncBlock), "block", "async"))
	if a.Has("sync_fallback") && h.Replication != ReplicationSync {
		a.Errorf("sync_fallback", "sync_fallback without synchronous replication", "sync_fallback says what a synchronous primary does when its standby is lost; replication is %q.", h.Replication)
	}
	h.Failover = Failover(a.String("failover", string(FailoverManual), "automatic", "manual"))
	h.Detection = a.Duration("detection", DefaultDetection)
	h.OperatorResponse = a.Duration("operator_response", DefaultOperatorResponse)
	h.Promotion = a.Duration("promotion", DefaultPromotion)
	h.Provisioning = a.Duration("provisioning", DefaultProvisioning)
	h.Restart = a.Duration("restart", DefaultRestart)
	h.RestoreRate = DefaultRestoreRate
	if s := a.String("restore_rate", ""); s != "" {
		r, err := parseRate(s)
		if err != nil {
			a.Errorf("restore_rate", "Invalid rate", "restore_rate: %s", err)
		} else {
			h.RestoreRate = r
		}
	}
	h.RestoreTo = dcs[a.Ref("restore_to", "datacenter")]
	h.MaxWait = a.Duration("max_wait", 0)
	if a.Valid("max_wait") && h.MaxWait <= 0 {
		a.Errorf("max_wait", "Invalid duration", "max_wait must be longer than zero; leave it out to wait for the power for ever.")
	}
	h.AppReplicas = a.Int("app_replicas", DefaultAppReplicas, 1, 1e6)
	h.ReplicaRPS = a.Number("replica_rps", DefaultReplicaRPS, 1e-3, 1e9)
	h.MaxSessions = a.Int("max_sessions", 0, 1, 1e9)
	h.QueueTimeout = a.Duration("queue_timeout", 0)
	if a.Valid("queue_timeout") && h.QueueTimeout <= 0 {
		a.Errorf("queue_timeout", "Invalid duration", "queue_timeout must be longer than zero; leave it out for no bound on the wait.")
	}
	h.DDoSProtection = DDoSProtection(a.String("ddos_protection", string(DDoSNone), "none", "rate_limit", "scrubbing"))
	h.MonthlyCost = a.Number("monthly_cost", 0, 0, 1e12)
	h.Rebuild = a.Duration("rebuild", DefaultRebuild)
	if a.Valid("rebuild") && h.Rebuild <= 0 {
		a.Errorf("rebuild", "Invalid duration", "rebuild must be longer than zero: a new standby takes time to copy the database.")
	}
	a.String("description", "")
	d.diags = append(d.diags, a.Diags()...)

	for _, bb := range content.Blocks {
		ba := d.scope.Content(bb.Body, []faults.Attribute{{Name: "every", Required: true}, {Name: "to", Required: true}, {Name: "at"}})
		bk := Backup{Every: ba.Duration("every", 0), To: dcs[ba.Ref("to", "datacenter")]}
		if ba.Valid("every") && bk.Every <= 0 {
			ba.Errorf("every", "Invalid duration", "every must be longer than zero.")
		}
		if s := ba.String("at", ""); s != "" {
			off, err := parseClock(s)
			if err != nil {
				ba.Errorf("at", "Invalid time of day", "at: %s", err)
			}
			bk.Offset = off
		}
		d.diags = append(d.diags, ba.Diags()...)
		if bk.To != nil && h.Primary != nil {
			switch {
			case bk.To == h.Primary:
				d.warnf(ba.Range("to"), "Backup beside the primary", "Backups in %s burn with the primary database they protect.", bk.To.Name)
			case bk.To.Site == h.Primary.Site:
				d.warnf(ba.Range("to"), "Backup on the primary's site", "Backups in %s share the %s site with the primary %s: a site-wide disaster takes both.", bk.To.Name, bk.To.Site, h.Primary.Name)
			}
		}
		if bk.To != nil && bk.Every > 0 {
			h.Backups = append(h.Backups, bk)
		}
	}
	elsewhere := false
	for _, b := range h.Backups {
		elsewhere = elsewhere || b.To != h.Primary
	}
	if h.MaxWait > 0 && h.Primary != nil && !elsewhere {
		d.warnf(a.Range("max_wait"), "max_wait without a backup elsewhere", "max_wait restores a backup kept outside the primary's datacenter (%s) when the power does not come back; this hosting has none, so it waits for the power whatever max_wait says.", h.Primary.Name)
	}
	return h
}

func (d *decoder) workload(b *hcl.Block) *Workload {
	a := d.scope.Content(b.Body, []faults.Attribute{
		{Name: "peak_concurrency", Required: true}, {Name: "writes_per_user_hour"},
		{Name: "requests_per_user_minute"}, {Name: "profile"}, {Name: "description"},
	})
	w := &Workload{Name: b.Labels[0]}
	w.PeakConcurrency = a.Number("peak_concurrency", 0, 0, 1)
	if a.Valid("peak_concurrency") && w.PeakConcurrency == 0 {
		a.Errorf("peak_concurrency", "Value out of range", "peak_concurrency must be above 0: it is the share of users online at the daily peak.")
	}
	w.WritesPerUserHour = a.Number("writes_per_user_hour", 0, 0, 1e6)
	w.RequestsPerUserMinute = a.Number("requests_per_user_minute", DefaultRequestsPerMin, 1e-6, 1e6)
	a.String("description", "")
	d.diags = append(d.diags, a.Diags()...)
	w.Profile = d.profile(b, a)
	return w
}

// profile reads the daily profile map, pointing errors at the offending key.
func (d *decoder) profile(b *hcl.Block, a *faults.Attrs) []ProfilePoint {
	if !a.Has("profile") {
		return []ProfilePoint{{At: 0, Level: 1}}
	}
	attrs, _ := b.Body.JustAttributes()
	expr := attrs["profile"].Expr
	pairs, diags := hcl.ExprMap(expr)
	if diags.HasErrors() {
		d.errorf(expr.Range(), "Invalid profile", `profile must be a map of times of day to levels, like { "08:00" = 0.7, "10:00" = 1.0 }.`)
		return nil
	}
	var pts []ProfilePoint
	seen := map[time.Duration]bool{}
	for _, p := range pairs {
		kv, kd := p.Key.Value(d.scope.Eval)
		vv, vd := p.Value.Value(d.scope.Eval)
		d.diags = append(d.diags, kd...)
		d.diags = append(d.diags, vd...)
		if kd.HasErrors() || vd.HasErrors() {
			continue
		}
		if kv.Type() != cty.String {
			d.errorf(p.Key.Range(), "Invalid profile time", `Profile keys are times of day in quotes, like "08:00".`)
			continue
		}
		at, err := parseClock(kv.AsString())
		if err != nil {
			d.errorf(p.Key.Range(), "Invalid profile time", "%s", err)
			continue
		}
		if seen[at] {
			d.errorf(p.Key.Range(), "Duplicate profile time", "%s appears twice in the profile.", kv.AsString())
			continue
		}
		seen[at] = true
		if vv.Type() != cty.Number {
			d.errorf(p.Value.Range(), "Invalid profile level", "Profile levels are numbers (share of the peak), got %s.", vv.Type().FriendlyName())
			continue
		}
		lvl, _ := vv.AsBigFloat().Float64()
		if lvl < 0 || lvl > 10 {
			d.errorf(p.Value.Range(), "Invalid profile level", "Profile levels are shares of the peak between 0 and 10, got %g.", lvl)
			continue
		}
		pts = append(pts, ProfilePoint{At: at, Level: lvl})
	}
	if len(pts) == 0 && !diags.HasErrors() && len(pairs) == 0 {
		d.errorf(expr.Range(), "Empty profile", "A profile needs at least one point; leave it out for a flat profile.")
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].At < pts[j].At })
	return pts
}

func (d *decoder) region(b *hcl.Block, hostings map[string]*Hosting, workloads map[string]*Workload) *Region {
	bs := &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "users", Required: true}, {Name: "data_size"}, {Name: "hosting", Required: true}, {Name: "workload", Required: true}, {Name: "description"},
			{Name: "downtime_cost"}, {Name: "lost_write_cost"}},
		Blocks: []hcl.BlockHeaderSchema{{Type: "objectives"}},
	}
	content, diags := b.Body.Content(bs)
	d.diags = append(d.diags, diags...)
	a := d.scope.ContentOf(content.Attributes, b.DefRange)
	r := &Region{Name: b.Labels[0]}
	r.Users = a.Int("users", 0, 1, 1e9)
	if s := a.String("data_size", ""); s != "" {
		n, err := parseSize(s)
		if err != nil {
			a.Errorf("data_size", "Invalid size", "data_size: %s", err)
		}
		r.DataSize = n
	}
	r.Hosting = hostings[a.Ref("hosting", "hosting")]
	r.Workload = workloads[a.Ref("workload", "workload")]
	r.DowntimeCost = a.Number("downtime_cost", 0, 0, 1e15)
	r.LostWriteCost = a.Number("lost_write_cost", 0, 0, 1e15)
	r.Costs = a.Has("downtime_cost") || a.Has("lost_write_cost")
	a.String("description", "")
	d.diags = append(d.diags, a.Diags()...)

	r.Objectives.SuccessRatio = DefaultSuccessRatio
	for i, ob := range content.Blocks {
		if i > 0 {
			d.errorf(ob.DefRange, "Duplicate objectives", "A region has one objectives block.")
			continue
		}
		oa := d.scope.Content(ob.Body, []faults.Attribute{{Name: "rto"}, {Name: "rpo"}, {Name: "availability"}, {Name: "success_ratio"},
			{Name: "annual_availability"}, {Name: "annual_rto_breach"}, {Name: "annual_rpo_breach"}, {Name: "latency_p95"}, {Name: "latency_p99"}})
		o := &r.Objectives
		o.RTO, o.RTOSet = oa.Duration("rto", 0), oa.Has("rto")
		o.RPO, o.RPOSet = oa.Duration("rpo", 0), oa.Has("rpo")
		o.Availability = oa.Number("availability", 0, 0, 100)
		o.SuccessRatio = oa.Number("success_ratio", DefaultSuccessRatio, 0.01, 1)
		o.AnnualAvailability = oa.Number("annual_availability", 0, 0, 100)
		o.AnnualRTOBreach, o.AnnualRTOBreachSet = oa.Number("annual_rto_breach", 0, 0, 100), oa.Has("annual_rto_breach")
		o.AnnualRPOBreach, o.AnnualRPOBreachSet = oa.Number("annual_rpo_breach", 0, 0, 100), oa.Has("annual_rpo_breach")
		if o.AnnualRTOBreachSet && !o.RTOSet {
			oa.Errorf("annual_rto_breach", "Annual objective without its objective", "annual_rto_breach bounds the yearly probability of an incident longer than the rto: set rto too.")
		}
		if o.AnnualRPOBreachSet && !o.RPOSet {
			oa.Errorf("annual_rpo_breach", "Annual objective without its objective", "annual_rpo_breach bounds the yearly probability of a loss window longer than the rpo: set rpo too.")
		}
		for _, l := range []struct {
			name string
			to   *time.Duration
		}{{"latency_p95", &o.LatencyP95}, {"latency_p99", &o.LatencyP99}} {
			n := len(oa.Diags())
			if *l.to = oa.Duration(l.name, 0); oa.Has(l.name) && *l.to <= 0 && len(oa.Diags()) == n {
				oa.Errorf(l.name, "Invalid latency objective", "%s must be a positive duration, such as \"2s\" or \"800ms\".", l.name)
			}
		}
		if o.LatencyP95 > 0 && o.LatencyP99 > 0 && o.LatencyP99 < o.LatencyP95 {
			oa.Errorf("latency_p99", "Invalid latency objective", "latency_p99 (%s) is under latency_p95 (%s): the 99th percentile of response time is never under the 95th.", faults.FormatDuration(o.LatencyP99), faults.FormatDuration(o.LatencyP95))
		}
		d.diags = append(d.diags, oa.Diags()...)
	}
	d.capacity(r, b.DefRange)
	return r
}
