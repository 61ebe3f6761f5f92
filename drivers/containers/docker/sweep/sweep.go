// Package sweep removes the Docker resources a filter matches: what a run
// removes when it ends or is cleaned up, and what reaperd removes when the
// firedrill process dies. One sweep for both, so that the order and the
// retries that make it complete are written once.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Removed counts what a sweep removed.
type Removed struct {
	Containers, Networks, Volumes int
}

func (r Removed) String() string {
	return fmt.Sprintf("%d containers, %d networks, %d volumes", r.Containers, r.Networks, r.Volumes)
}

// Add sums two sweeps' counts.
func (r Removed) Add(o Removed) Removed {
	return Removed{Containers: r.Containers + o.Containers, Networks: r.Networks + o.Networks, Volumes: r.Volumes + o.Volumes}
}

// Remove deletes what matches f, except containers whose labels keep
// says to keep (nil keeps none): containers first, at once and forcibly
// (a run being swept is over), then the networks and volumes they held.
// What is already gone counts as removed by someone else, not as an error.
// names are the names of containers the caller ever started, gone or not:
// a network that Docker says still has endpoints is forcibly disconnected
// from them (see removeNetwork).
func Remove(ctx context.Context, cli *client.Client, f client.Filters, keep func(labels map[string]string) bool, names ...string) (Removed, error) {
	var n Removed
	var errs []error
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return n, fmt.Errorf("list containers: %w", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, c := range cs.Items {
		if keep != nil && keep(c.Labels) {
			continue
		}
		for _, nm := range c.Names {
			names = append(names, strings.TrimPrefix(nm, "/"))
		}
		wg.Go(func() {
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove container %.12s: %w", c.ID, err))
				return
			}
			n.Containers++
		})
	}
	wg.Wait()
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return n, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, nw := range ns.Items {
		if err := removeNetwork(ctx, cli, nw.ID, names); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
			continue
		}
		n.Networks++
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return n, errors.Join(append(errs, fmt.Errorf("list volumes: %w", err))...)
	}
	for _, v := range vs.Items {
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
			continue
		}
		n.Volumes++
	}
	return n, errors.Join(errs...)
}

// removeNetwork removes a network, retrying for up to 5 s while Docker
// still holds the endpoints of containers it has just removed. Docker 20.10
// can also keep an endpoint for good when a container was removed while it
// was being attached (moby/moby#17217): the network then lists no
// container, and only a forced disconnect by the container's name, which
// is the endpoint's, releases it. Halfway through the retries, every name
// of names is disconnected so; names Docker does not know are ignored.
func removeNetwork(ctx context.Context, cli *client.Client, id string, names []string) error {
	var err error
	for i := range 20 {
		_, err = cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if !strings.Contains(err.Error(), "active endpoints") {
			return err
		}
		if i == 10 {
			for _, name := range names {
				_, _ = cli.NetworkDisconnect(ctx, id, client.NetworkDisconnectOptions{Container: name, Force: true})
			}
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
	return err
}
