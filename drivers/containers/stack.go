package containers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Resources per container. A region's stack (two databases, two app
// servers, HAProxy, links, a backup agent) stays under one core, so that
// three regions fit on a 2-core machine and the capacity the probes and the
// load measure is the capacity of these limits, not of the host.
const (
	pgCPUs, pgMemMB       = 0.5, 256
	appCPUs, appMemMB     = 0.25, 128
	edgeCPUs, edgeMemMB   = 0.25, 64
	linkCPUs, linkMemMB   = 0.2, 96
	agentCPUs, agentMemMB = 0.25, 128
	// maxAppsPerDC caps the app servers started per datacenter: a hosting's
	// app_replicas stands for production capacity, not for containers this
	// machine can hold.
	maxAppsPerDC = 2
	// seedPupils is how many pupils each region's ENT is seeded with.
	seedPupils = 200
	pgPort     = 5432
	appPort    = 8080
)

// role is what a container does in a region's stack.
type role string

// Roles, also written in the firedrill.role label.
const (
	roleDatabase role = "database"
	roleApp      role = "app"
	roleEdge     role = "edge"
	roleLink     role = "link"
	roleBackup   role = "backup"
)

// ctr is one container of a run.
type ctr struct {
	id, name string
	role     role
	dc       string // "" for the edge, which stands outside any datacenter
	region   *region
	volumes  []string
	// peer is the other datacenter of a link container.
	peer string
	// alias is the name a database server answers to.
	alias string

	mu     sync.Mutex
	down   bool // killed or stopped by a fault
	gone   bool // destroyed
	fenced bool // must not come back (a demoted primary)
}

func (c *ctr) state() (down, gone, fenced bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down, c.gone, c.fenced
}

// run is one run: its workloads on the platform and their state.
type run struct {
	id     string
	p      platform.Session
	exp    *experiments.Experiment
	plan   []faults.Effect // the trial's effects, sorted by At
	images platform.Images
	log    io.Writer
	scale  int // real users per virtual user

	mu   sync.Mutex
	ctrs []*ctr
}

// slug makes a name fit for container names and DNS aliases.
var slug = platform.Slug

// dcLabels are the labels of what lives in datacenter dc.
func (r *run) dcLabels(dc string) map[string]string {
	l := map[string]string{}
	if d := r.exp.Datacenter(dc); d != nil {
		l[platform.LabelDatacenter] = d.Name
		l[platform.LabelSite] = d.Site
		l[platform.LabelProvider] = d.Provider.Name
	}
	return l
}

// spec describes a workload of the stack to start.
type spec struct {
	platform.Spec
	role   role
	dc     string // "" for the edge, which stands outside any datacenter
	peer   string
	region *region
}

// start starts a workload and records it, so that faults and cleanup find
// it even when starting fails half-way.
func (r *run) start(ctx context.Context, s spec) (*ctr, error) {
	labels := r.dcLabels(s.dc)
	labels[platform.LabelRole] = string(s.role)
	if s.region != nil {
		labels[platform.LabelRegion] = s.region.r.Name
	}
	s.Labels = labels
	id, err := r.p.Start(ctx, s.Spec)
	c := &ctr{id: id, name: s.Name, role: s.role, dc: s.dc, peer: s.peer, region: s.region}
	for v := range s.Volumes {
		c.volumes = append(c.volumes, v)
	}
	if id != "" {
		r.mu.Lock()
		r.ctrs = append(r.ctrs, c)
		r.mu.Unlock()
	}
	return c, err
}

// containers returns the run's containers that satisfy keep.
func (r *run) containers(keep func(*ctr) bool) []*ctr {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*ctr
	for _, c := range r.ctrs {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// kill stops a container at once, as a power cut would: no shutdown, and
// no restart policy brings it back.
func (r *run) kill(ctx context.Context, c *ctr) error {
	if err := r.p.Kill(ctx, c.id); err != nil {
		return err
	}
	c.mu.Lock()
	c.down = true
	c.mu.Unlock()
	return nil
}

// revive starts a container stopped by a fault, unless it was destroyed or
// fenced meanwhile.
func (r *run) revive(ctx context.Context, c *ctr) (bool, error) {
	c.mu.Lock()
	skip := c.gone || c.fenced || !c.down
	c.mu.Unlock()
	if skip {
		return false, nil
	}
	if err := r.p.Restart(ctx, c.id); err != nil {
		return false, err
	}
	c.mu.Lock()
	c.down = false
	c.mu.Unlock()
	return true, nil
}

// destroy kills a container and removes it with its volumes: what a fire
// leaves of a server and its disks.
func (r *run) destroy(ctx context.Context, c *ctr) error {
	c.mu.Lock()
	c.gone, c.down = true, true
	c.mu.Unlock()
	return r.p.Remove(ctx, c.id, c.volumes)
}

// exec runs cmd in a container; a non-zero exit is in the result.
func (r *run) exec(ctx context.Context, c *ctr, user string, cmd ...string) (platform.ExecResult, error) {
	return r.p.Exec(ctx, c.id, user, cmd...)
}

// mustExec is exec that turns a non-zero exit into an error.
func (r *run) mustExec(ctx context.Context, c *ctr, user string, cmd ...string) (string, error) {
	res, err := r.p.Exec(ctx, c.id, user, cmd...)
	if err != nil {
		return "", err
	}
	if res.Code != 0 {
		return res.Stdout, fmt.Errorf("%q in %s exited %d: %s", strings.Join(cmd, " "), c.name, res.Code, strings.TrimSpace(res.Stderr+res.Stdout))
	}
	return res.Stdout, nil
}

// pgURL is how entd reaches a database by its alias.
func pgURL(alias string) string {
	return fmt.Sprintf("postgres://ent:ent@%s:%d/ent?sslmode=disable&connect_timeout=1", alias, pgPort)
}

func pgReady() platform.Ready {
	return platform.Ready{Exec: []string{"pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"}, Timeout: 90 * time.Second}
}
