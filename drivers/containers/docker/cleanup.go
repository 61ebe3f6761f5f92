package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/drivers/containers/docker/sweep"
	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// Removed counts what a cleanup removed.
type Removed = sweep.Removed

// Clean removes every container, network and volume of run runID, or of
// every firedrill run when runID is empty. It is what `firedrill clean`
// does. A run whose process is still alive on this host is left alone
// (its ID is returned in kept) unless force: removing resources from under
// a running experiment only makes it fail half-way.
func Clean(ctx context.Context, runID string, force bool) (n Removed, kept []string, err error) {
	cli, err := Client(ctx)
	if err != nil {
		return Removed{}, nil, err
	}
	defer cli.Close()
	f := client.Filters{}.Add("label", platform.LabelManaged+"=true")
	if runID != "" {
		f.Add("label", platform.LabelRun+"="+runID)
	}
	runs, err := owners(ctx, cli, f)
	if err != nil {
		return n, nil, err
	}
	host, _ := os.Hostname()
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(runs)) {
		o := runs[id]
		if !force && o.host == host && platform.ProcessAlive(o.pid) {
			kept = append(kept, id)
			continue
		}
		m, err := remove(ctx, cli, runFilter(id))
		n = n.Add(m)
		errs = append(errs, err)
	}
	// Resources without a run label (none are made so) go with "all runs"
	// only when forced.
	if runID == "" && force {
		m, err := remove(ctx, cli, f)
		n = n.Add(m)
		errs = append(errs, err)
	}
	return n, kept, errors.Join(errs...)
}

// owner is the process that made a run's resources.
type owner struct{ host, pid string }

// owners lists the runs that have resources matching f, with the process
// that owns each.
func owners(ctx context.Context, cli *client.Client, f client.Filters) (map[string]owner, error) {
	out := map[string]owner{}
	add := func(l map[string]string) {
		if id := l[platform.LabelRun]; id != "" {
			out[id] = owner{host: l[platform.LabelHost], pid: l[platform.LabelPID]}
		}
	}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		add(c.Labels)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, nw := range ns.Items {
		add(nw.Labels)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range vs.Items {
		add(v.Labels)
	}
	return out, nil
}

// remove deletes what matches f; names are containers started by this
// process that may have left an endpoint behind (sweep.Remove).
func remove(ctx context.Context, cli *client.Client, f client.Filters, names ...string) (Removed, error) {
	return sweep.Remove(ctx, cli, f, nil, names...)
}

// sweepOrphans removes what runs on this host left behind when they were
// killed outright and their reaper could not act (it was killed too, or
// the engine restarted): their owning process is gone, so nobody else
// will. Runs of live processes are left alone, so two runs at once do not
// collide.
func sweepOrphans(ctx context.Context, cli *client.Client) (Removed, error) {
	host, _ := os.Hostname()
	runs, err := owners(ctx, cli, client.Filters{}.Add("label", platform.LabelManaged+"=true", platform.LabelHost+"="+host))
	if err != nil {
		return Removed{}, fmt.Errorf("list firedrill resources: %w", err)
	}
	var total Removed
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(runs)) {
		if platform.ProcessAlive(runs[id].pid) {
			continue
		}
		n, err := remove(ctx, cli, runFilter(id))
		total = total.Add(n)
		errs = append(errs, err)
	}
	return total, errors.Join(errs...)
}

func runFilter(id string) client.Filters {
	return client.Filters{}.Add("label", platform.LabelManaged+"=true", platform.LabelRun+"="+id)
}
