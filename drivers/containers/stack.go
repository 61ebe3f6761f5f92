package containers

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

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
	roleReaper   role = "reaper"
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

// run is one containers run: its Docker resources and their state.
type run struct {
	id     string
	cli    *client.Client
	exp    *experiments.Experiment
	plan   []faults.Effect // the trial's effects, sorted by At
	images Images
	log    io.Writer
	scale  int // real users per virtual user

	mu       sync.Mutex
	nets     map[string]string // datacenter -> network name
	edgeNet  string
	ctrs     []*ctr
	volumeNo int
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 20 {
		s = s[:20]
	}
	if s == "" {
		s = "x"
	}
	return s
}

func (r *run) baseLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		LabelManaged: "true",
		LabelRun:     r.id,
		LabelPID:     strconv.Itoa(os.Getpid()),
		LabelHost:    host,
	}
}

func (r *run) dcLabels(dc string, extra map[string]string) map[string]string {
	l := r.baseLabels()
	if d := r.exp.Datacenter(dc); d != nil {
		l[LabelDatacenter] = d.Name
		l[LabelSite] = d.Site
		l[LabelProvider] = d.Provider.Name
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// network returns the network of datacenter dc, creating it on first use.
// Datacenter networks are internal: nothing in them reaches beyond the
// run's own containers.
func (r *run) network(ctx context.Context, dc string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.nets[dc]; ok {
		return n, nil
	}
	name := fmt.Sprintf("fd-%s-%s", r.id, slug(dc))
	_, err := r.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", Internal: true, Labels: r.dcLabels(dc, nil),
	})
	if err != nil {
		return "", fmt.Errorf("create network for datacenter %s: %w", dc, err)
	}
	r.nets[dc] = name
	return name, nil
}

// edgeNetwork is the one network that is not internal: the edge publishes
// the regions' entry points on it, to 127.0.0.1 only.
func (r *run) edgeNetwork(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.edgeNet != "" {
		return r.edgeNet, nil
	}
	name := fmt.Sprintf("fd-%s-edge", r.id)
	if _, err := r.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: r.baseLabels()}); err != nil {
		return "", fmt.Errorf("create edge network: %w", err)
	}
	r.edgeNet = name
	return name, nil
}

func (r *run) volume(ctx context.Context, dc, what string) (string, error) {
	r.mu.Lock()
	r.volumeNo++
	name := fmt.Sprintf("fd-%s-%s-%d", r.id, what, r.volumeNo)
	r.mu.Unlock()
	if _, err := r.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: r.dcLabels(dc, nil)}); err != nil {
		return "", fmt.Errorf("create volume %s: %w", name, err)
	}
	return name, nil
}

// spec describes a container to start.
type spec struct {
	name     string
	role     role
	dc       string
	peer     string
	region   *region
	image    string
	cmd      []string
	env      map[string]string
	networks []string            // the first one carries published ports
	aliases  map[string][]string // network -> aliases
	volumes  map[string]string   // volume -> mount path
	files    []testcontainers.ContainerFile
	cpus     float64
	memMB    int64
	publish  int // container port published on 127.0.0.1, 0 for none
	user     string
	restart  bool // restart when the process exits on its own
	// binds are host paths mounted into the container (the reaper's
	// Docker socket), as "host:container".
	binds []string
	// autoRemove has Docker remove the container when it exits.
	autoRemove bool
	wait       wait.Strategy
}

// start creates and starts a container with testcontainers and records it,
// so that faults and cleanup find it even when starting fails half-way.
func (r *run) start(ctx context.Context, s spec) (*ctr, testcontainers.Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", s.name, err)
	}
	extra := map[string]string{LabelRole: string(s.role)}
	if s.region != nil {
		extra[LabelRegion] = s.region.r.Name
	}
	labels := r.baseLabels()
	if s.dc != "" {
		labels = r.dcLabels(s.dc, nil)
	}
	for k, v := range extra {
		labels[k] = v
	}
	req := testcontainers.ContainerRequest{
		Name:           s.name,
		Image:          s.image,
		Cmd:            s.cmd,
		Env:            s.env,
		Labels:         labels,
		Networks:       s.networks,
		NetworkAliases: s.aliases,
		Files:          s.files,
		WaitingFor:     s.wait,
		ConfigModifier: func(c *container.Config) {
			if s.user != "" {
				c.User = s.user
			}
		},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.NanoCPUs = int64(s.cpus * 1e9)
			hc.Memory = s.memMB << 20
			if s.restart {
				hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyOnFailure}
			}
			hc.Binds = append(hc.Binds, s.binds...)
			hc.AutoRemove = s.autoRemove
			if s.publish != 0 {
				p := network.MustParsePort(fmt.Sprintf("%d/tcp", s.publish))
				hc.PortBindings = network.PortMap{p: {{HostIP: netip.MustParseAddr("127.0.0.1")}}}
			}
		},
	}
	if s.publish != 0 {
		req.ExposedPorts = []string{fmt.Sprintf("%d/tcp", s.publish)}
	}
	for v, path := range s.volumes {
		req.Mounts = append(req.Mounts, testcontainers.VolumeMount(v, testcontainers.ContainerMountTarget(path)))
	}
	c := &ctr{name: s.name, role: s.role, dc: s.dc, peer: s.peer, region: s.region}
	for v := range s.volumes {
		c.volumes = append(c.volumes, v)
	}
	// Creating a container is not interrupted half-way when the run ends:
	// a container cut off between creation and its network attachments
	// can leave Docker with endpoints it will not release. It is removed
	// with the rest at cleanup.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	tc, err := testcontainers.GenericContainer(cctx, testcontainers.GenericContainerRequest{
		ContainerRequest: req, Started: true, Logger: quietLogger{},
	})
	if tc != nil {
		c.id = tc.GetContainerID()
		r.mu.Lock()
		r.ctrs = append(r.ctrs, c)
		r.mu.Unlock()
	}
	if err != nil {
		return c, tc, fmt.Errorf("start %s: %w", s.name, err)
	}
	return c, tc, nil
}

// quietLogger keeps testcontainers' chatter out of reports; errors reach
// the user through the returned errors.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

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

// kill stops a container at once, as a power cut would: SIGKILL, no
// shutdown. Docker counts a kill as stopped by hand, so no restart policy
// brings it back.
func (r *run) kill(ctx context.Context, c *ctr) error {
	_, err := r.cli.ContainerKill(ctx, c.id, client.ContainerKillOptions{Signal: "SIGKILL"})
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "is not running") {
		return fmt.Errorf("kill %s: %w", c.name, err)
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
	if _, err := r.cli.ContainerStart(ctx, c.id, client.ContainerStartOptions{}); err != nil {
		return false, fmt.Errorf("restart %s: %w", c.name, err)
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
	_, err := r.cli.ContainerRemove(ctx, c.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("destroy %s: %w", c.name, err)
	}
	for _, v := range c.volumes {
		if _, err := r.cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			return fmt.Errorf("destroy volume %s: %w", v, err)
		}
	}
	return nil
}

// pgURL is how entd reaches a database by its alias.
func pgURL(alias string) string {
	return fmt.Sprintf("postgres://ent:ent@%s:%d/ent?sslmode=disable&connect_timeout=1", alias, pgPort)
}

func pgReady() wait.Strategy {
	return wait.ForExec([]string{"pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"}).
		WithPollInterval(200 * time.Millisecond).WithStartupTimeout(90 * time.Second)
}
