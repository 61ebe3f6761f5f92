package containers

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/internal/workerpool"
	"github.com/firedrill/firedrill/rules"
)

// region is one region's ENT stack and what was observed of it.
type region struct {
	run *run
	r   *experiments.Region
	h   *experiments.Hosting
	rs  string // the region's short name in container names and aliases

	mu      sync.Mutex
	primary *ctr // the database entd should be using
	standby *ctr // nil when there is none, or once promoted
	apps    []*ctr
	agents  []*agent
	edge    *ctr
	// edgeServers are the app servers HAProxy knows, and mapping how the
	// experiment's load maps onto this stack.
	edgeServers []string
	mapping     mapping
	// appRate is the request rate each app server's worker pool serves
	// (ENTD_CAPACITY), set for regions that load effects act on; 0 for
	// no pool.
	appRate  float64
	entry    string // where users' requests reach the edge (entryPoint)
	clock    *clock
	timeline []engine.Event
	hitBy    map[string]bool
	recovery engine.Recovery
	allLost  bool
	// busy is set while a recovery runs, so a second fault does not start
	// another one over it; recovering waits for it at the end of the run.
	busy       bool
	recovering sync.WaitGroup

	dcDown map[string]bool
	dcGone map[string]bool
	// faults spans, in wall time, from the first effect injected to the
	// end of the last one: the "during" phase.
	faults [2]time.Time

	probes   *series // the prober's view
	load     *series // generated users' requests (surges)
	writes   *ledger
	stopLoad context.CancelFunc
	// history counts the acknowledged writes replayed before t0.
	history int
	// lostRows and ackedRows are the audit's counts of ledger rows.
	lostRows, ackedRows int
	// notes are the region's lines for the report's notes.
	notes []string
	// mech is what the real mechanisms were measured to do.
	mech measuredMechs
}

// agent takes a region's backups into a volume of its datacenter.
type agent struct {
	c     *ctr
	dc    string
	specs []experiments.Backup
	mu    sync.Mutex
	seq   int
	dumps []dump
}

type dump struct {
	path string
	// at is the experiment time of the snapshot: pg_dump's start, or the
	// scheduled time of a backup taken before t0.
	at time.Duration
}

// due says whether one of the agent's schedules has a backup at t.
func (a *agent) due(e *experiments.Experiment, t time.Duration) bool {
	for _, b := range a.specs {
		if last, ok := rules.LastBackup(e.Start, b, t); ok && last == t {
			return true
		}
	}
	return false
}

// next is the agent's first backup strictly after t.
func (a *agent) next(e *experiments.Experiment, t time.Duration) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, b := range a.specs {
		if n, ok := rules.NextBackup(e.Start, b, t); ok && (!found || n < best) {
			best, found = n, true
		}
	}
	return best, found
}

func (a *agent) newest() (dump, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.dumps) == 0 {
		return dump{}, false
	}
	return a.dumps[len(a.dumps)-1], true
}

func (g *region) alias(what string) string { return g.rs + "-" + what }

func (g *region) name(what string) string { return fmt.Sprintf("fd-%s-%s-%s", g.run.id, g.rs, what) }

// dcs returns the datacenters the region's stack may live in: where the
// hosting puts something, and every place a restore may go.
func (g *region) dcs() []string {
	out := rules.Datacenters(g.h)
	for _, b := range g.h.Backups {
		for _, dc := range rules.RestoreCandidates(g.run.exp, g.h, g.h.Primary.Name, b.To.Name) {
			if !slices.Contains(out, dc) {
				out = append(out, dc)
			}
		}
	}
	return out
}

// startStack brings the region's stack up, healthy, and returns how long
// that took.
func (g *region) startStack(ctx context.Context) error {
	h := g.h
	p := h.Primary.Name
	primary, err := g.startDB(ctx, "pg-primary", "pg-primary", p, map[string]string{
		"FD_ROLE": "primary", "FD_SYNC": map[bool]string{true: "1", false: "0"}[h.Standby != nil && h.Replication == experiments.ReplicationSync],
	}, nil)
	if err != nil {
		return err
	}
	g.primary = primary
	// Links carry every connection between two datacenters: replication,
	// app servers to a remote database, backups.
	need := map[[2]string]bool{}
	if h.Standby != nil {
		need[[2]string{h.Standby.Name, p}] = true
		need[[2]string{p, h.Standby.Name}] = true
	}
	for _, b := range h.Backups {
		need[[2]string{b.To.Name, p}] = true
		if h.Standby != nil {
			need[[2]string{b.To.Name, h.Standby.Name}] = true
		}
	}
	var pairs [][2]string
	for pr := range need {
		if pr[0] != pr[1] {
			pairs = append(pairs, pr)
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0]+pairs[i][1] < pairs[j][0]+pairs[j][1] })
	for _, pr := range pairs {
		alias := g.alias("pg-primary")
		if pr[1] != p {
			alias = g.alias("pg-standby")
		}
		if err := g.startLink(ctx, pr[0], pr[1], alias); err != nil {
			return err
		}
	}
	if h.Standby != nil && h.Replication != experiments.ReplicationNone {
		primaryAddr, err := g.run.p.Addr(ctx, h.Standby.Name, g.alias("pg-primary"))
		if err != nil {
			return err
		}
		st, err := g.startDB(ctx, "pg-standby", "pg-standby", h.Standby.Name, map[string]string{
			"FD_ROLE": "standby", "FD_PRIMARY": primaryAddr,
		}, nil)
		if err != nil {
			return err
		}
		g.standby = st
	}
	byDC := map[string]*agent{}
	for _, b := range h.Backups {
		a := byDC[b.To.Name]
		if a == nil {
			c, err := g.startAgent(ctx, b.To.Name)
			if err != nil {
				return err
			}
			a = &agent{c: c, dc: b.To.Name}
			byDC[b.To.Name] = a
			g.agents = append(g.agents, a)
		}
		a.specs = append(a.specs, b)
	}
	dbs := []string{g.alias("pg-primary")}
	if g.standby != nil {
		dbs = append(dbs, g.alias("pg-standby"))
	}
	n := g.appsAtStart()
	for k := 1; k <= n; k++ {
		if _, err := g.startApp(ctx, p, fmt.Sprint(k), dbs); err != nil {
			return err
		}
	}
	if g.standby != nil {
		if _, err := g.startApp(ctx, h.Standby.Name, "1", dbs); err != nil {
			return err
		}
	}
	return g.startEdge(ctx)
}

// startDB starts a database server named what that answers to alias in
// its datacenter's network.
func (g *region) startDB(ctx context.Context, what, alias, dc string, env map[string]string, files []platform.File) (*ctr, error) {
	r := g.run
	vol, err := r.p.Volume(ctx, dc, g.rs+"-"+what)
	if err != nil {
		return nil, err
	}
	c, err := r.start(ctx, spec{role: roleDatabase, dc: dc, region: g, Spec: platform.Spec{
		Name: g.name(what), Image: r.images.PG,
		Cmd: []string{"fd-pg"}, Env: env, User: "postgres",
		Nets:    []platform.Net{{DC: dc, Aliases: []string{g.alias(alias), g.alias(alias) + "-home"}}},
		Volumes: map[string]string{vol: "/var/lib/postgresql/data"}, Files: files,
		CPUs: pgCPUs, MemMB: pgMemMB, Ready: pgReady(),
	}})
	if c != nil {
		c.alias = g.alias(alias)
	}
	return c, err
}

// startLink starts the link that carries connections from datacenter from
// to the region's database server in datacenter to that answers to alias
// there. In from's network the link answers to alias too.
func (g *region) startLink(ctx context.Context, from, to, alias string) error {
	r := g.run
	target, err := r.p.Addr(ctx, to, alias+"-home")
	if err != nil {
		return err
	}
	_, err = r.start(ctx, spec{role: roleLink, dc: from, peer: to, region: g, Spec: platform.Spec{
		Name:  g.name("link-" + slug(from) + "-" + slug(to) + "-" + strings.TrimPrefix(alias, g.rs+"-")),
		Image: r.images.Link, Cmd: []string{"serve"}, User: "65534:65534",
		Env:  map[string]string{"LINK_ROUTES": fmt.Sprintf("%d=%s:%d", pgPort, target, pgPort)},
		Nets: []platform.Net{{DC: from, Aliases: []string{alias}}, {DC: to}},
		CPUs: linkCPUs, MemMB: linkMemMB,
		Ready: platform.Ready{Log: "linkd: listening", Timeout: 30 * time.Second},
	}})
	if err != nil {
		return fmt.Errorf("link from %s to %s: %w", from, to, err)
	}
	return nil
}

func (g *region) startAgent(ctx context.Context, dc string) (*ctr, error) {
	r := g.run
	vol, err := r.p.Volume(ctx, dc, g.rs+"-backups")
	if err != nil {
		return nil, err
	}
	return r.start(ctx, spec{role: roleBackup, dc: dc, region: g, Spec: platform.Spec{
		Name: g.name("backup-" + slug(dc)), Image: r.images.PG,
		Cmd: []string{"sleep", "infinity"}, User: "postgres",
		Nets: []platform.Net{{DC: dc}}, Volumes: map[string]string{vol: "/backups"},
		CPUs: agentCPUs, MemMB: agentMemMB,
	}})
}

func (g *region) appAlias(dc, k string) string { return g.alias("app-" + slug(dc) + "-" + k) }

// startApp starts an app server that uses the databases that answer to
// aliases in its datacenter.
func (g *region) startApp(ctx context.Context, dc, k string, aliases []string) (*ctr, error) {
	r := g.run
	var dbs []string
	for _, a := range aliases {
		addr, err := r.p.Addr(ctx, dc, a)
		if err != nil {
			return nil, err
		}
		dbs = append(dbs, pgURL(addr))
	}
	c, err := r.start(ctx, spec{role: roleApp, dc: dc, region: g, Spec: platform.Spec{
		Name: g.name("app-" + slug(dc) + "-" + k), Image: r.images.Entd,
		Env: map[string]string{
			"ENTD_ADDR": fmt.Sprintf(":%d", appPort), "ENTD_DATABASES": strings.Join(dbs, ","),
			"ENTD_REGION": g.r.Name, "ENTD_SEED_PUPILS": fmt.Sprint(seedPupils),
			"ENTD_CAPACITY": strconv.FormatFloat(g.appRate, 'f', 3, 64),
		},
		Nets: []platform.Net{{DC: dc, Aliases: []string{g.appAlias(dc, k)}}},
		CPUs: appCPUs, MemMB: appMemMB, Restart: true,
	}})
	if c != nil {
		g.mu.Lock()
		g.apps = append(g.apps, c)
		g.mu.Unlock()
	}
	return c, err
}

// startEdge starts the region's HAProxy. It stands outside the
// datacenters (it plays the DNS name and anycast address users type) and
// reaches app servers in every datacenter the region may run in,
// including those a restore would start.
func (g *region) startEdge(ctx context.Context) error {
	r := g.run
	nets := []platform.Net{{DC: ""}}
	type app struct{ dc, k string }
	var apps []app
	n := g.appsAtStart()
	for k := 1; k <= n; k++ {
		apps = append(apps, app{g.h.Primary.Name, fmt.Sprint(k)})
	}
	if g.standby != nil {
		apps = append(apps, app{g.h.Standby.Name, "1"})
	}
	for _, dc := range g.dcs() {
		nets = append(nets, platform.Net{DC: dc})
		apps = append(apps, app{dc, "r"})
	}
	var servers []string
	for _, a := range apps {
		addr, err := r.p.Addr(ctx, a.dc, g.appAlias(a.dc, a.k))
		if err != nil {
			return err
		}
		servers = append(servers, addr)
	}
	g.edgeServers = servers
	cfg := g.haproxyParams().config()
	c, err := r.start(ctx, spec{role: roleEdge, region: g, Spec: platform.Spec{
		Name: g.name("edge"), Image: r.images.PG,
		// -W: master-worker, so that a new configuration (admission
		// control, once capacity is measured) is loaded with SIGUSR2.
		Cmd:  []string{"haproxy", "-W", "-db", "-f", haproxyCfgPath},
		Nets: nets, Port: appPort,
		Files: []platform.File{{Path: haproxyCfgPath, Data: []byte(cfg), Mode: 0o644}},
		CPUs:  edgeCPUs, MemMB: edgeMemMB,
	}})
	if err != nil {
		return err
	}
	g.edge = c
	addr, err := r.p.Endpoint(ctx, c.id)
	if err != nil {
		return fmt.Errorf("entry point of %s: %w", g.r.Name, err)
	}
	g.entry = "http://" + addr
	return g.waitHealthy(ctx, 3*time.Minute)
}

// waitHealthy polls the region's entry point until a real read succeeds.
func (g *region) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	// A fresh connection each time: a first connection that reached
	// something other than the stack (a Service not yet programmed, an
	// intercepting network) must not be kept alive and asked forever.
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last string
	for time.Now().Before(deadline) {
		resp, err := hc.Get(g.entry + "/api/probe")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("region %s not healthy after %s (last answer: %s)", g.r.Name, limit, last)
}

const haproxyCfgPath = "/etc/haproxy/firedrill.cfg"

// haproxyParams is the edge's configuration as the region's mapping has
// it now: admission control only once capacity is measured.
func (g *region) haproxyParams() haproxyParams {
	workers, _ := workerpool.Size(g.appRate)
	return haproxyParams{
		Servers:      g.edgeServers,
		AdmitRate:    int(math.Round(g.mapping.admit)),
		Protection:   g.h.DDoSProtection,
		RatePerIP:    rateLimitPerClient,
		QueueTimeout: g.h.QueueTimeout,
		Workers:      workers,
	}
}

// reloadEdge writes the edge's configuration anew and has HAProxy's
// master load it, then waits for the entry point to answer.
func (g *region) reloadEdge(ctx context.Context) error {
	r := g.run
	if err := r.p.CopyIn(ctx, g.edge.id, haproxyCfgPath, []byte(g.haproxyParams().config())); err != nil {
		return err
	}
	if _, err := r.mustExec(ctx, g.edge, "", "kill", "-USR2", "1"); err != nil {
		return fmt.Errorf("reload HAProxy of %s: %w", g.r.Name, err)
	}
	// The old worker finishes its requests while the new one starts.
	if !platform.Sleep(ctx, 500*time.Millisecond) {
		return ctx.Err()
	}
	return g.waitHealthy(ctx, 30*time.Second)
}

func (g *region) dcState(dc string) (down, gone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.dcDown[dc], g.dcGone[dc]
}

func (g *region) setDC(dc string, down, gone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.dcDown[dc] = down
	if gone {
		g.dcGone[dc] = true
	}
}

func (g *region) faulted(w time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.faults[0].IsZero() {
		g.faults[0] = w
	}
	if w.After(g.faults[1]) {
		g.faults[1] = w
	}
}
