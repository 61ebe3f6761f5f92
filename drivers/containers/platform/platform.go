// Package platform is the narrow interface between a region's ENT stack
// (package containers: roles, recovery, load, audit, written once) and the
// place its workloads run: Docker on this machine (package docker) or a
// Kubernetes cluster. A platform starts a workload in a datacenter, kills,
// stops and starts it, runs commands in it, creates and deletes volumes,
// and lets firedrill reach a workload's port. Links between datacenters are
// workloads too (linkd), set by the stack through Exec, so that partitions
// and latency act the same way everywhere.
package platform

import (
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Labels put on everything firedrill creates, on every platform. Cleanup
// finds resources by these labels only, never by name.
const (
	LabelManaged    = "firedrill.managed"
	LabelRun        = "firedrill.run"
	LabelPID        = "firedrill.pid"
	LabelHost       = "firedrill.host"
	LabelRegion     = "firedrill.region"
	LabelDatacenter = "firedrill.datacenter"
	LabelSite       = "firedrill.site"
	LabelProvider   = "firedrill.provider"
	LabelRole       = "firedrill.role"
)

// Platform runs the workloads of firedrill runs.
type Platform interface {
	// Driver is the name of the engine driver that runs stacks on this
	// platform, as reports show it.
	Driver() string
	// Open prepares a run: what killed runs left is swept, the images are
	// made available, and from Open's return on a run killed outright
	// leaves nothing behind. The session's Close removes everything.
	Open(ctx context.Context, run Run) (Session, error)
}

// Run says what a platform needs to know of a run.
type Run struct {
	// ID is the run's ID, in the firedrill.run label.
	ID string
	// Datacenters are every datacenter the run may place workloads in.
	Datacenters []string
	// Labels returns the labels of what lives in datacenter dc (its
	// datacenter, site and provider); the platform adds its own.
	Labels func(dc string) map[string]string
	// Progress receives what the platform is doing; never nil.
	Progress io.Writer
}

// Session is one run's workloads on a platform. A workload is named by the
// ID Start returns.
type Session interface {
	// Images names the images workloads run.
	Images() Images
	// Volume creates a volume that lives in datacenter dc, named after
	// what, and returns its name.
	Volume(ctx context.Context, dc, what string) (string, error)
	// Start starts a workload and waits until it is ready. It returns the
	// workload's ID whenever something was created, even on error, so
	// that faults and cleanup find it.
	Start(ctx context.Context, s Spec) (string, error)
	// Endpoint is where firedrill reaches the workload's Spec.Port:
	// "host:port".
	Endpoint(ctx context.Context, id string) (string, error)
	// Addr is the address (a name or an IP) by which a workload attached
	// to datacenter dc reaches what answers to alias there, now or once it
	// is started.
	Addr(ctx context.Context, dc, alias string) (string, error)
	// Kill stops a workload at once, as a power cut would: SIGKILL, no
	// shutdown, and no restart policy brings it back.
	Kill(ctx context.Context, id string) error
	// Restart starts a killed workload again, with its volumes as they
	// were.
	Restart(ctx context.Context, id string) error
	// Remove deletes a workload and the volumes named: what a fire leaves
	// of a server and its disks.
	Remove(ctx context.Context, id string, volumes []string) error
	// Exec runs cmd in a workload as user (empty: the image's user) and
	// waits for it. A non-zero exit is in the result, not an error.
	Exec(ctx context.Context, id, user string, cmd ...string) (ExecResult, error)
	// CopyOut reads one file out of a workload.
	CopyOut(ctx context.Context, id, path string) ([]byte, error)
	// CopyIn writes one file into a workload.
	CopyIn(ctx context.Context, id, path string, data []byte) error
	// SetCPUs changes a running workload's CPU limit.
	SetCPUs(ctx context.Context, id string, cpus float64) error
	// Notes are the platform's lines for the report (how datacenters,
	// volumes and images were mapped onto it).
	Notes() []string
	// Close removes everything of the run, and ends what keeps a killed
	// run from leaking.
	Close(ctx context.Context) error
}

// Images names the images of a run.
type Images struct {
	// PG holds PostgreSQL 15 and HAProxy: databases, backup agents, edges.
	PG string
	// Entd is the ENT application.
	Entd string
	// Link is linkd, the link between two datacenters.
	Link string
	// How says how the images were obtained ("cached", "built in 1m2s").
	How string
}

// Spec describes a workload.
type Spec struct {
	// Name is unique in the run and fit for DNS (lower case, digits, '-').
	Name string
	// Labels are the stack's labels (role, region, datacenter...).
	Labels map[string]string
	Image  string
	Cmd    []string
	Env    map[string]string
	// User runs the process ("uid:gid" or a name); empty: the image's.
	User string
	// Nets are the datacenters whose network the workload joins, with the
	// names it answers to in each. DC "" is the edge, outside every
	// datacenter, from which firedrill reaches Port.
	Nets []Net
	// Volumes maps volume names to mount paths.
	Volumes map[string]string
	// Files are written into the workload before its process starts.
	Files []File
	CPUs  float64
	MemMB int64
	// Port is the port firedrill reaches through Endpoint; 0 for none.
	Port int
	// Restart restarts the process when it exits on its own.
	Restart bool
	Ready   Ready
}

// Net is one network a workload joins.
type Net struct {
	DC      string
	Aliases []string
}

// File is a file written into a workload before it starts.
type File struct {
	Path string
	Data []byte
	Mode int64
}

// Ready says when a started workload is ready: when Exec exits 0 (polled),
// or when Log appears in its output; neither: once it runs.
type Ready struct {
	Exec    []string
	Log     string
	Timeout time.Duration
}

// ExecResult is the outcome of a command run in a workload.
type ExecResult struct {
	Code           int
	Stdout, Stderr string
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// Slug makes a name fit for workload names and DNS aliases on every
// platform: lower case letters, digits and '-', at most 20 characters.
func Slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 20 {
		s = s[:20]
	}
	if s == "" {
		s = "x"
	}
	return s
}

// Sleep waits d, or until ctx is done; it reports whether the wait ran
// its course. The stack and every platform poll with it.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// ProcessAlive says whether the process whose ID a run's LabelPID holds is
// still alive on this host: a sweep spares such runs unless forced.
func ProcessAlive(pid string) bool {
	p, err := strconv.Atoi(pid)
	if err != nil || p <= 0 {
		return false
	}
	if p == os.Getpid() {
		return true
	}
	err = syscall.Kill(p, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
