package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/firedrill/firedrill/drivers/containers/images"
	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// Platform runs workloads as containers of this machine's Docker engine.
type Platform struct{}

var _ platform.Platform = Platform{}

// New returns the Docker platform.
func New() Platform { return Platform{} }

// Driver implements platform.Platform: runs on Docker are the containers
// driver's.
func (Platform) Driver() string { return "containers" }

// Open implements platform.Platform: it sweeps what killed runs left,
// makes the images, and starts the run's reaper.
func (Platform) Open(ctx context.Context, r platform.Run) (_ platform.Session, err error) {
	cli, err := Client(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{run: r, cli: cli, nets: map[string]string{}, ctrs: map[string]*ctrInfo{}}
	defer func() {
		if err != nil {
			cli.Close()
		}
	}()
	// What killed runs left is swept, but what Docker will not let go of
	// (a network holding a half-created container's endpoint) must not
	// stop this run.
	swept, err := sweepOrphans(ctx, cli)
	if swept != (Removed{}) {
		fmt.Fprintf(r.Progress, "removed what killed runs left: %s\n", swept)
	}
	if err != nil {
		fmt.Fprintf(r.Progress, "warning: sweeping what killed runs left: %v\n", err)
	}
	if s.images, err = images.Ensure(ctx, cli, r.Progress); err != nil {
		return nil, err
	}
	// The reaper comes first: from here on, a SIGKILL leaves nothing.
	if s.reaper, err = s.startReaper(ctx); err != nil {
		return nil, errors.Join(err, s.Close(context.WithoutCancel(ctx)))
	}
	return s, nil
}

// EnsureImages builds the images runs need unless they exist: what
// `firedrill images` does.
func EnsureImages(ctx context.Context, progress io.Writer) (images.Images, error) {
	cli, err := Client(ctx)
	if err != nil {
		return images.Images{}, err
	}
	defer cli.Close()
	return images.Ensure(ctx, cli, progress)
}

// session is one run's Docker resources.
type session struct {
	run    platform.Run
	cli    *client.Client
	images images.Images
	reaper *reaper

	mu   sync.Mutex
	nets map[string]string // datacenter -> network name; "" the edge's
	ctrs map[string]*ctrInfo
	// named holds the name of every container this session asked Docker
	// for, created or not: Close may need them to release endpoints.
	named    []string
	volumeNo int
}

// ctrInfo is what the session remembers of a container it started.
type ctrInfo struct {
	name string
	port int
	tc   testcontainers.Container
}

func (s *session) Images() platform.Images {
	how := "cached"
	if !s.images.Cached() {
		how = fmt.Sprintf("built in %s", s.images.Took.Round(time.Second))
	}
	return platform.Images{PG: s.images.PG, Entd: s.images.Entd, Link: s.images.Link, How: how}
}

func (s *session) Notes() []string {
	return []string{fmt.Sprintf("reaper: reaperd holds this process's heartbeat; a run killed outright is removed %s after its connection closes", reaperGrace)}
}

// Close removes every container, network and volume of the run, the
// reaper's among them, then stops the heartbeat.
func (s *session) Close(ctx context.Context) error {
	defer s.cli.Close()
	var err error
	s.mu.Lock()
	names := slices.Clone(s.named)
	s.mu.Unlock()
	if _, cerr := remove(ctx, s.cli, runFilter(s.run.ID), names...); cerr != nil {
		err = fmt.Errorf("clean up run %s (run `firedrill clean`): %w", s.run.ID, cerr)
	}
	s.reaper.close()
	return err
}

func (s *session) baseLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		platform.LabelManaged: "true",
		platform.LabelRun:     s.run.ID,
		platform.LabelPID:     strconv.Itoa(os.Getpid()),
		platform.LabelHost:    host,
	}
}

func (s *session) labels(dc string, extra map[string]string) map[string]string {
	l := s.baseLabels()
	if dc != "" {
		for k, v := range s.run.Labels(dc) {
			l[k] = v
		}
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// network returns the network of datacenter dc ("": the edge's), creating
// it on first use. Datacenter networks are internal: nothing in them
// reaches beyond the run's own containers. The edge's is the one that is
// not: the edge publishes the regions' entry points on it, to 127.0.0.1
// only.
func (s *session) network(ctx context.Context, dc string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.nets[dc]; ok {
		return n, nil
	}
	if dc == "" {
		name := fmt.Sprintf("fd-%s-edge", s.run.ID)
		if _, err := s.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: s.baseLabels()}); err != nil {
			return "", fmt.Errorf("create edge network: %w", err)
		}
		s.nets[dc] = name
		return name, nil
	}
	name := fmt.Sprintf("fd-%s-%s", s.run.ID, platform.Slug(dc))
	_, err := s.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", Internal: true, Labels: s.labels(dc, nil),
	})
	if err != nil {
		return "", fmt.Errorf("create network for datacenter %s: %w", dc, err)
	}
	s.nets[dc] = name
	return name, nil
}

func (s *session) Volume(ctx context.Context, dc, what string) (string, error) {
	s.mu.Lock()
	s.volumeNo++
	name := fmt.Sprintf("fd-%s-%s-%d", s.run.ID, what, s.volumeNo)
	s.mu.Unlock()
	if _, err := s.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: s.labels(dc, nil)}); err != nil {
		return "", fmt.Errorf("create volume %s: %w", name, err)
	}
	return name, nil
}

// Addr implements platform.Session: a container attached to a network
// resolves the aliases of that network by Docker's DNS.
func (s *session) Addr(_ context.Context, _, alias string) (string, error) { return alias, nil }

// spec is a platform spec with what only Docker's own workloads need.
type spec struct {
	platform.Spec
	// binds are host paths mounted into the container (the reaper's
	// Docker socket), as "host:container".
	binds []string
	// autoRemove has Docker remove the container when it exits.
	autoRemove bool
}

func (s *session) Start(ctx context.Context, sp platform.Spec) (string, error) {
	id, _, err := s.start(ctx, spec{Spec: sp})
	return id, err
}

// start creates and starts a container with testcontainers and records it,
// so that faults and cleanup find it even when starting fails half-way.
func (s *session) start(ctx context.Context, sp spec) (string, testcontainers.Container, error) {
	if err := ctx.Err(); err != nil {
		return "", nil, fmt.Errorf("start %s: %w", sp.Name, err)
	}
	var nets []string
	aliases := map[string][]string{}
	for _, n := range sp.Nets {
		nw, err := s.network(ctx, n.DC)
		if err != nil {
			return "", nil, err
		}
		nets = append(nets, nw)
		if len(n.Aliases) > 0 {
			aliases[nw] = n.Aliases
		}
	}
	req := testcontainers.ContainerRequest{
		Name:           sp.Name,
		Image:          sp.Image,
		Cmd:            sp.Cmd,
		Env:            sp.Env,
		Labels:         s.labels("", sp.Labels),
		Networks:       nets,
		NetworkAliases: aliases,
		WaitingFor:     waitFor(sp.Ready),
		ConfigModifier: func(c *container.Config) {
			if sp.User != "" {
				c.User = sp.User
			}
		},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.NanoCPUs = int64(sp.CPUs * 1e9)
			hc.Memory = sp.MemMB << 20
			if sp.Restart {
				hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyOnFailure}
			}
			hc.Binds = append(hc.Binds, sp.binds...)
			hc.AutoRemove = sp.autoRemove
			if sp.Port != 0 {
				p := network.MustParsePort(fmt.Sprintf("%d/tcp", sp.Port))
				hc.PortBindings = network.PortMap{p: {{HostIP: netip.MustParseAddr("127.0.0.1")}}}
			}
		},
	}
	for _, f := range sp.Files {
		req.Files = append(req.Files, testcontainers.ContainerFile{Reader: bytes.NewReader(f.Data), ContainerFilePath: f.Path, FileMode: f.Mode})
	}
	if sp.Port != 0 {
		req.ExposedPorts = []string{fmt.Sprintf("%d/tcp", sp.Port)}
	}
	for v, path := range sp.Volumes {
		req.Mounts = append(req.Mounts, testcontainers.VolumeMount(v, testcontainers.ContainerMountTarget(path)))
	}
	// Creating a container is not interrupted half-way when the run ends:
	// a container cut off between creation and its network attachments
	// can leave Docker with endpoints it will not release. It is removed
	// with the rest at cleanup.
	s.mu.Lock()
	s.named = append(s.named, sp.Name)
	s.mu.Unlock()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	tc, err := testcontainers.GenericContainer(cctx, testcontainers.GenericContainerRequest{
		ContainerRequest: req, Started: true, Logger: quietLogger{},
	})
	id := ""
	if tc != nil {
		id = tc.GetContainerID()
		s.mu.Lock()
		s.ctrs[id] = &ctrInfo{name: sp.Name, port: sp.Port, tc: tc}
		s.mu.Unlock()
	}
	if err != nil {
		return id, tc, fmt.Errorf("start %s: %w", sp.Name, err)
	}
	return id, tc, nil
}

func waitFor(r platform.Ready) wait.Strategy {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	switch {
	case len(r.Exec) > 0:
		return wait.ForExec(r.Exec).WithPollInterval(200 * time.Millisecond).WithStartupTimeout(timeout)
	case r.Log != "":
		return wait.ForLog(r.Log).WithStartupTimeout(timeout)
	}
	return nil
}

// quietLogger keeps testcontainers' chatter out of reports; errors reach
// the user through the returned errors.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func (s *session) info(id string) (*ctrInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ctrs[id]
	if !ok {
		return nil, fmt.Errorf("no container %s in run %s", short(id), s.run.ID)
	}
	return c, nil
}

// Endpoint is the container's address on the edge network, dialled from
// the host, when the host can reach it, else the port published on
// 127.0.0.1 (Docker Desktop does not route container addresses to the
// host). Not the published port first: Docker's userland proxy behind it
// stops accepting for good once it runs out of file descriptors
// (moby/moby#6402), which the connections in flight of a surge against an
// overloaded stack reach, and the refusals would pass for the stack's
// collapse; its copying also takes the host CPU the stacks need.
func (s *session) Endpoint(ctx context.Context, id string) (string, error) {
	c, err := s.info(id)
	if err != nil {
		return "", err
	}
	ci, err := c.tc.Inspect(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	edge, ok := s.nets[""]
	s.mu.Unlock()
	if ep := ci.NetworkSettings.Networks[edge]; ok && ep != nil && ep.IPAddress.IsValid() {
		addr := net.JoinHostPort(ep.IPAddress.String(), fmt.Sprint(c.port))
		// HAProxy listens as soon as it has read its configuration,
		// before any app server is up.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
			if err == nil {
				conn.Close()
				return addr, nil
			}
			if !platform.Sleep(ctx, 200*time.Millisecond) {
				return "", ctx.Err()
			}
		}
	}
	return mappedPort(ctx, c.tc, c.port)
}

func mappedPort(ctx context.Context, tc testcontainers.Container, port int) (string, error) {
	p, err := tc.MappedPort(ctx, fmt.Sprintf("%d/tcp", port))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p.Num()), nil
}

// Kill stops a container at once, as a power cut would: SIGKILL, no
// shutdown. Docker counts a kill as stopped by hand, so no restart policy
// brings it back.
func (s *session) Kill(ctx context.Context, id string) error {
	_, err := s.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "SIGKILL"})
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "is not running") {
		return fmt.Errorf("kill %s: %w", s.name(id), err)
	}
	return nil
}

func (s *session) Restart(ctx context.Context, id string) error {
	if _, err := s.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("restart %s: %w", s.name(id), err)
	}
	return nil
}

func (s *session) Remove(ctx context.Context, id string, volumes []string) error {
	_, err := s.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("destroy %s: %w", s.name(id), err)
	}
	for _, v := range volumes {
		if _, err := s.cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			return fmt.Errorf("destroy volume %s: %w", v, err)
		}
	}
	return nil
}

func (s *session) name(id string) string {
	if c, err := s.info(id); err == nil {
		return c.name
	}
	return short(id)
}

func (s *session) Exec(ctx context.Context, id, user string, cmd ...string) (platform.ExecResult, error) {
	return dockerExec(ctx, s.cli, id, user, cmd...)
}

func (s *session) SetCPUs(ctx context.Context, id string, cpus float64) error {
	_, err := s.cli.ContainerUpdate(ctx, id, client.ContainerUpdateOptions{Resources: &container.Resources{NanoCPUs: int64(cpus * 1e9)}})
	return err
}

// CopyOut reads one file out of a container.
func (s *session) CopyOut(ctx context.Context, id, path string) ([]byte, error) {
	res, err := s.cli.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, fmt.Errorf("copy %s out of %s: %w", path, short(id), err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("copy %s out of %s: %w", path, short(id), err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// CopyIn writes one file into a container.
func (s *session) CopyIn(ctx context.Context, id, path string, data []byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(path), Mode: 0o644, Size: int64(len(data)), ModTime: time.Now()}); err != nil {
		return fmt.Errorf("copy %s into %s: %w", path, short(id), err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("copy %s into %s: %w", path, short(id), err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("copy %s into %s: %w", path, short(id), err)
	}
	if _, err := s.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: filepath.Dir(path), Content: &buf}); err != nil {
		return fmt.Errorf("copy %s into %s: %w", path, short(id), err)
	}
	return nil
}
