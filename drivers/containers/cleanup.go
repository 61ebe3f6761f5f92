package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// Removed counts what a cleanup removed.
type Removed struct {
	Containers, Networks, Volumes int
}

func (r Removed) String() string {
	return fmt.Sprintf("%d containers, %d networks, %d volumes", r.Containers, r.Networks, r.Volumes)
}

// Clean removes every container, network and volume of run runID, or of
// every firedrill run when runID is empty. It is what `firedrill clean`
// does, and what a run does on its way out.
func Clean(ctx context.Context, runID string) (Removed, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return Removed{}, err
	}
	defer cli.Close()
	f := client.Filters{}.Add("label", LabelManaged+"=true")
	if runID != "" {
		f.Add("label", LabelRun+"="+runID)
	}
	return remove(ctx, cli, f)
}

// remove deletes what matches f: containers first (forcibly: a run being
// cleaned up is over), then the networks and volumes they held.
func remove(ctx context.Context, cli *client.Client, f client.Filters) (Removed, error) {
	var n Removed
	var errs []error
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return n, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", short(c.ID), err))
			continue
		}
		n.Containers++
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return n, fmt.Errorf("list networks: %w", err)
	}
	for _, nw := range ns.Items {
		if err := removeNetwork(ctx, cli, nw.ID); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
			continue
		}
		n.Networks++
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return n, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range vs.Items {
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
			continue
		}
		n.Volumes++
	}
	return n, errors.Join(errs...)
}

// sweepOrphans removes what runs on this host left behind when they were
// killed outright (SIGKILL, a crash): their owning process is gone, so
// nobody else will. Runs of live processes are left alone, so two runs at
// once do not collide.
func sweepOrphans(ctx context.Context, cli *client.Client) (Removed, error) {
	host, _ := os.Hostname()
	f := client.Filters{}.Add("label", LabelManaged+"=true", LabelHost+"="+host)
	var total Removed
	seen := map[string]bool{}
	kinds := []func() (map[string]string, error){
		func() (map[string]string, error) {
			cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
			if err != nil {
				return nil, err
			}
			out := map[string]string{}
			for _, c := range cs.Items {
				out[c.Labels[LabelRun]] = c.Labels[LabelPID]
			}
			return out, nil
		},
		func() (map[string]string, error) {
			ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
			if err != nil {
				return nil, err
			}
			out := map[string]string{}
			for _, n := range ns.Items {
				out[n.Labels[LabelRun]] = n.Labels[LabelPID]
			}
			return out, nil
		},
		func() (map[string]string, error) {
			vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
			if err != nil {
				return nil, err
			}
			out := map[string]string{}
			for _, v := range vs.Items {
				out[v.Labels[LabelRun]] = v.Labels[LabelPID]
			}
			return out, nil
		},
	}
	for _, list := range kinds {
		runs, err := list()
		if err != nil {
			return total, fmt.Errorf("list firedrill resources: %w", err)
		}
		for run, pid := range runs {
			if run == "" || seen[run] || processAlive(pid) {
				continue
			}
			seen[run] = true
			n, err := remove(ctx, cli, client.Filters{}.Add("label", LabelManaged+"=true", LabelRun+"="+run))
			total.Containers += n.Containers
			total.Networks += n.Networks
			total.Volumes += n.Volumes
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

func processAlive(pid string) bool {
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

// cleanupContext is the context cleanup runs under: a fresh one, because
// the run's own context is typically cancelled (Ctrl-C) by then.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// removeNetwork removes a network, retrying while Docker still holds the
// endpoints of containers it has just removed.
func removeNetwork(ctx context.Context, cli *client.Client, id string) error {
	var err error
	for try := 0; try < 10; try++ {
		_, err = cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		if err == nil || isNotFound(err) {
			return nil
		}
		if !strings.Contains(err.Error(), "active endpoints") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}
