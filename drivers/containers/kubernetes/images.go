package kubernetes

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// imagesHint names the two ways images reach a cluster.
const imagesHint = "pass --image-registry REGISTRY, and firedrill pushes its images there for the nodes to pull; or load them into every node's container runtime beforehand (the test cluster: .ci/kube import IMAGE...; `firedrill images` prints their names)"

// ensureImages builds the images with the local Docker engine, as for the
// containers driver, then pushes them to the registry, or checks that
// every node has them.
func (s *session) ensureImages(ctx context.Context) error {
	im, err := docker.EnsureImages(ctx, s.run.Progress)
	if err != nil {
		return fmt.Errorf("build the images (with the local Docker engine): %w", err)
	}
	how := "cached"
	if !im.Cached() {
		how = fmt.Sprintf("built in %s", im.Took.Round(time.Second))
	}
	s.images = platform.Images{PG: im.PG, Entd: im.Entd, Link: im.Link}
	names := []*string{&s.images.PG, &s.images.Entd, &s.images.Link}
	if reg := strings.TrimSuffix(s.opts.ImageRegistry, "/"); reg != "" {
		s.pull = corev1.PullIfNotPresent
		cli, err := docker.Client(ctx)
		if err != nil {
			return err
		}
		defer cli.Close()
		for _, n := range names {
			dst := reg + "/" + *n
			if err := push(ctx, cli, *n, dst); err != nil {
				return fmt.Errorf("push %s to %s: %w", *n, reg, err)
			}
			*n = dst
		}
		s.images.How = how + ", pushed to " + reg
		s.notes = append(s.notes, "kubernetes: images pushed to "+reg)
		return nil
	}
	s.pull = corev1.PullNever
	nodes, err := s.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	var missing []string
	for _, node := range nodes.Items {
		if !contains(s.nodes, node.Name) {
			continue
		}
		have := map[string]bool{}
		for _, ci := range node.Status.Images {
			for _, n := range ci.Names {
				have[n] = true
			}
		}
		for _, n := range names {
			if !have[*n] && !have["docker.io/"+*n] {
				missing = append(missing, *n+" on "+node.Name)
			}
		}
	}
	if len(missing) > 0 {
		// The kubelet refreshes the list it reports every few tens of
		// seconds: an image loaded a moment ago is not in it yet. The
		// first pod that needs a missing one fails with the same hint.
		fmt.Fprintf(s.run.Progress, "warning: the nodes do not list %s yet; without them the pods fail: %s\n", strings.Join(missing, ", "), imagesHint)
		s.images.How = how + ", expected on the nodes"
		return nil
	}
	s.images.How = how + ", found on every node"
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// push tags src as dst and pushes it, anonymously (docker login's
// credentials are not read).
func push(ctx context.Context, cli *client.Client, src, dst string) error {
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: src, Target: dst}); err != nil {
		return err
	}
	auth, _ := json.Marshal(map[string]string{})
	res, err := cli.ImagePush(ctx, dst, client.ImagePushOptions{RegistryAuth: base64.URLEncoding.EncodeToString(auth)})
	if err != nil {
		return err
	}
	defer res.Close()
	dec := json.NewDecoder(res)
	for {
		var m struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != "" {
			return fmt.Errorf("%s", m.Error)
		}
	}
}
