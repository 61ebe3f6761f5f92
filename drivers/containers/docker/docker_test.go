package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/drivers/containers/images"
	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// These tests start real containers: no mock of Docker. They skip, saying
// why, only when no Docker engine answers.

func needDocker(t *testing.T) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("starts containers; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := Client(ctx)
	if errors.Is(err, ErrNoDocker) {
		t.Skipf("no Docker engine: %v (DEVELOPERS.md says how to start one)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// leftovers counts the firedrill resources of run.
func leftovers(t *testing.T, cli *client.Client, run string) Removed {
	t.Helper()
	ctx := context.Background()
	f := runFilter(run)
	var n Removed
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	n.Containers, n.Networks, n.Volumes = len(cs.Items), len(ns.Items), len(vs.Items)
	return n
}

func TestImagesAreCached(t *testing.T) {
	cli := needDocker(t)
	ctx := context.Background()
	if _, err := images.Ensure(ctx, cli, nil); err != nil {
		t.Fatal(err)
	}
	im, err := images.Ensure(ctx, cli, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !im.Cached() {
		t.Errorf("second Ensure built %v; want everything cached", im.Built)
	}
	if im.Took > 5*time.Second {
		t.Logf("cached Ensure took %s", im.Took)
	}
}

// TestCleanSweepsLeaks leaks a labelled container, network and volume, as
// a run killed with SIGKILL would, and sweeps them, but only with force
// while the process that made them lives.
func TestCleanSweepsLeaks(t *testing.T) {
	cli := needDocker(t)
	ctx := context.Background()
	im, err := images.Ensure(ctx, cli, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("leak%d", os.Getpid())
	s := &session{
		run: platform.Run{ID: id, Progress: io.Discard, Labels: func(dc string) map[string]string {
			return map[string]string{platform.LabelDatacenter: dc}
		}},
		cli: cli, images: im, nets: map[string]string{}, ctrs: map[string]*ctrInfo{},
	}
	vol, err := s.Volume(ctx, "par1", "leak")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(ctx, platform.Spec{Name: "fd-" + id + "-leak", Labels: map[string]string{platform.LabelRole: "backup"}, Image: im.PG,
		Cmd: []string{"sleep", "infinity"}, Nets: []platform.Net{{DC: "par1"}}, Volumes: map[string]string{vol: "/backups"}, CPUs: 0.1, MemMB: 32}); err != nil {
		t.Fatal(err)
	}
	if n := leftovers(t, cli, id); n != (Removed{Containers: 1, Networks: 1, Volumes: 1}) {
		t.Fatalf("leaked %s; want 1 of each", n)
	}
	// The leak carries this test's own PID, alive: clean leaves it alone
	// unless forced.
	n, kept, err := Clean(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if n != (Removed{}) || len(kept) != 1 || kept[0] != id {
		t.Errorf("Clean without force removed %s and kept %v; want nothing removed and %s kept (its process is alive)", n, kept, id)
	}
	n, kept, err = Clean(ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if n != (Removed{Containers: 1, Networks: 1, Volumes: 1}) || len(kept) != 0 {
		t.Errorf("Clean --force removed %s, kept %v; want 1 of each removed", n, kept)
	}
	if n := leftovers(t, cli, id); n != (Removed{}) {
		t.Errorf("after Clean, %s remain; want nothing", n)
	}
}
