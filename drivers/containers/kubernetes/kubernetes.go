// Package kubernetes is the Kubernetes platform of the stack
// (k8s.io/client-go): each run gets namespaces of its own, one per
// datacenter and one for the edges, labelled like the Docker resources and
// deleted at the end; workloads are pods; the names a workload answers to
// in its datacenter are Services of that datacenter's namespace, so that
// nothing depends on a cluster DNS; volumes are PersistentVolumeClaims of
// the default StorageClass, or hostPath PersistentVolumes that firedrill
// makes and deletes itself where there is none.
//
// Datacenters are pinned to the nodes' zones when the cluster has as many
// zones as the run has datacenters; otherwise they are emulated, as on
// Docker, by the namespaces and the link pods (linkd) between them. Links,
// not NetworkPolicy, carry partitions and latency: many CNIs (the test
// cluster's bridge among them) do not enforce NetworkPolicy.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// ErrNoCluster says that no Kubernetes cluster could be reached with the
// kubeconfig given. Callers test for it with errors.Is.
var ErrNoCluster = errors.New("no Kubernetes cluster answers")

// ZoneLabel is the node label that names failure domains by default.
const ZoneLabel = "topology.kubernetes.io/zone"

// DefaultVolumeDir is where firedrill's own hostPath volumes live on the
// nodes of a cluster without a default StorageClass.
const DefaultVolumeDir = "/var/lib/firedrill/volumes"

// Options configure the Kubernetes platform.
type Options struct {
	// Kubeconfig is the kubeconfig file; empty: KUBECONFIG, else
	// ~/.kube/config, as kubectl does.
	Kubeconfig string
	// Context is the kubeconfig context; empty: the current one.
	Context string
	// NamespacePrefix starts every namespace's name; empty: "fd".
	NamespacePrefix string
	// ImageRegistry is where firedrill pushes its images for the nodes to
	// pull; empty: the images must be on the nodes already.
	ImageRegistry string
	// ZoneLabel is the node label naming zones; empty: ZoneLabel.
	ZoneLabel string
	// VolumeDir is where firedrill's own volumes live on the nodes when
	// the cluster has no default StorageClass; empty: DefaultVolumeDir.
	VolumeDir string
}

func (o Options) withDefaults() Options {
	if o.NamespacePrefix == "" {
		o.NamespacePrefix = "fd"
	}
	if o.ZoneLabel == "" {
		o.ZoneLabel = ZoneLabel
	}
	if o.VolumeDir == "" {
		o.VolumeDir = DefaultVolumeDir
	}
	return o
}

// Platform runs workloads as pods of a Kubernetes cluster.
type Platform struct{ opts Options }

var _ platform.Platform = (*Platform)(nil)

// New returns the Kubernetes platform.
func New(opts Options) *Platform { return &Platform{opts: opts.withDefaults()} }

// Driver implements platform.Platform.
func (*Platform) Driver() string { return "kubernetes" }

// connect loads the kubeconfig as kubectl does and checks that the API
// server answers.
func connect(ctx context.Context, o Options) (*rest.Config, *kubernetes.Clientset, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if o.Kubeconfig != "" {
		rules.ExplicitPath = o.Kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.Context}).ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config): %v", ErrNoCluster, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoCluster, err)
	}
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().List(vctx, metav1.ListOptions{Limit: 1}); err != nil {
		return nil, nil, fmt.Errorf("%w at %s: %v", ErrNoCluster, cfg.Host, err)
	}
	return cfg, cs, nil
}

// Open implements platform.Platform.
func (p *Platform) Open(ctx context.Context, r platform.Run) (_ platform.Session, err error) {
	cfg, cs, err := connect(ctx, p.opts)
	if err != nil {
		return nil, err
	}
	s := &session{
		opts: p.opts, run: r, cfg: cfg, cs: cs,
		workloads: map[string]*workload{}, services: map[string]string{}, volumes: map[string]*volume{},
	}
	// What runs killed outright on this host left is swept first.
	if n, err := sweep(ctx, cs, "", false); err != nil {
		fmt.Fprintf(r.Progress, "warning: sweeping what killed runs left: %v\n", err)
	} else if n > 0 {
		fmt.Fprintf(r.Progress, "removed what %d killed run(s) left\n", n)
	}
	if err := s.layout(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureImages(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			err = errors.Join(err, s.Close(cctx))
		}
	}()
	for _, dc := range append([]string{""}, r.Datacenters...) {
		if err := s.namespace(ctx, dc); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// layout maps datacenters to zones, and finds where volumes come from.
func (s *session) layout(ctx context.Context) error {
	nodes, err := s.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	zoneNode := map[string]string{}
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable || !nodeReady(&n) {
			continue
		}
		s.nodes = append(s.nodes, n.Name)
		if z := n.Labels[s.opts.ZoneLabel]; z != "" {
			if _, ok := zoneNode[z]; !ok {
				zoneNode[z] = n.Name
			}
		}
	}
	if len(s.nodes) == 0 {
		return fmt.Errorf("the cluster has no Ready, schedulable node")
	}
	zones := slices.Sorted(maps.Keys(zoneNode))
	dcs := s.run.Datacenters
	if len(zones) >= len(dcs) && len(dcs) > 0 {
		s.zones = map[string]string{}
		s.zoneNode = zoneNode
		var pairs []string
		for i, dc := range dcs {
			s.zones[dc] = zones[i]
			pairs = append(pairs, dc+" → "+zones[i])
		}
		s.notes = append(s.notes, fmt.Sprintf("kubernetes: datacenters pinned to zones (node label %s): %s; a fire deletes the zone's pods and volumes of the run", s.opts.ZoneLabel, strings.Join(pairs, ", ")))
	} else {
		s.notes = append(s.notes, fmt.Sprintf("kubernetes: %d datacenters emulated as labelled pod groups (a namespace each) with link pods between them: the cluster has %d zone(s) by node label %s, fewer than datacenters",
			len(dcs), len(zones), s.opts.ZoneLabel))
	}
	scs, err := s.cs.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list storage classes: %w", err)
	}
	for _, sc := range scs.Items {
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			s.storageClass = sc.Name
		}
	}
	if s.storageClass != "" {
		s.notes = append(s.notes, fmt.Sprintf("kubernetes: volumes are claims of the default StorageClass %s", s.storageClass))
	} else {
		s.notes = append(s.notes, fmt.Sprintf("kubernetes: no default StorageClass: volumes are hostPath PersistentVolumes that firedrill made under %s on the nodes and deleted with their data", s.opts.VolumeDir))
	}
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Clean deletes the namespaces and volumes of run runID, or of every
// firedrill run when runID is empty: what `firedrill clean --driver
// kubernetes` does. Runs whose process is alive on this host are left
// alone unless force. It returns how many runs it removed.
func Clean(ctx context.Context, o Options, runID string, force bool) (int, error) {
	o = o.withDefaults()
	_, cs, err := connect(ctx, o)
	if err != nil {
		return 0, err
	}
	return sweep(ctx, cs, runID, force)
}

// sweep removes the runs whose namespaces or volumes carry firedrill's
// labels (only runID's when set) and whose process is gone, or all of them
// when force.
func sweep(ctx context.Context, cs kubernetes.Interface, runID string, force bool) (int, error) {
	sel := platform.LabelManaged + "=true"
	if runID != "" {
		sel += "," + platform.LabelRun + "=" + runID
	}
	owners := map[string]map[string]string{}
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return 0, fmt.Errorf("list namespaces: %w", err)
	}
	for _, ns := range nss.Items {
		owners[ns.Labels[platform.LabelRun]] = ns.Labels
	}
	pvs, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return 0, fmt.Errorf("list persistent volumes: %w", err)
	}
	for _, pv := range pvs.Items {
		owners[pv.Labels[platform.LabelRun]] = pv.Labels
	}
	host, _ := os.Hostname()
	host = labelValue(host)
	n := 0
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(owners)) {
		l := owners[id]
		if id == "" || !force && l[platform.LabelHost] == host && platform.ProcessAlive(l[platform.LabelPID]) {
			continue
		}
		if !force && l[platform.LabelHost] != host && runID == "" {
			// Another machine's run: its own process sweeps it, or a
			// clean naming it.
			continue
		}
		if err := removeRun(ctx, cs, id); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// removeRun deletes everything run id made: the data of its own volumes
// (by a janitor pod on each node that holds some), its namespaces, whose
// deletion takes their pods, services, claims and config maps, and its
// PersistentVolumes; and waits until they are gone.
func removeRun(ctx context.Context, cs kubernetes.Interface, id string) error {
	sel := platform.LabelManaged + "=true," + platform.LabelRun + "=" + id
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("list namespaces of run %s: %w", id, err)
	}
	pvs, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("list volumes of run %s: %w", id, err)
	}
	var errs []error
	// Pods first, at once: a namespace's deletion would give each its
	// grace period.
	zero := int64(0)
	for _, ns := range nss.Items {
		err := cs.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete pods of %s: %w", ns.Name, err))
		}
	}
	if err := wipeVolumes(ctx, cs, id, nss.Items, pvs.Items); err != nil {
		errs = append(errs, err)
	}
	for _, ns := range nss.Items {
		if err := cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete namespace %s: %w", ns.Name, err))
		}
	}
	for _, pv := range pvs.Items {
		if err := cs.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete volume %s: %w", pv.Name, err))
		}
	}
	// Gone means gone: a namespace stays Terminating until its content is.
	for {
		left := 0
		for _, ns := range nss.Items {
			if _, err := cs.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{}); err == nil {
				left++
			}
		}
		for _, pv := range pvs.Items {
			if _, err := cs.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{}); err == nil {
				left++
			}
		}
		if left == 0 {
			break
		}
		if !platform.Sleep(ctx, 500*time.Millisecond) {
			errs = append(errs, fmt.Errorf("run %s: %d namespaces and volumes still terminating: %w", id, left, ctx.Err()))
			break
		}
	}
	return errors.Join(errs...)
}

// wipeVolumes removes the data of the run's hostPath volumes with a pod
// on each node that holds some: the API deletes a PersistentVolume, not
// what lies in its directory. The volumes' paths say where that is
// (DIR/RUN/VOLUME), whatever --volume-dir the clean is given.
func wipeVolumes(ctx context.Context, cs kubernetes.Interface, id string, nss []corev1.Namespace, pvs []corev1.PersistentVolume) error {
	type place struct{ node, dir string }
	nodes := map[place]string{} // -> image
	for _, pv := range pvs {
		if pv.Spec.HostPath == nil {
			continue
		}
		dir := path.Dir(path.Dir(pv.Spec.HostPath.Path))
		nodes[place{pv.Annotations[annotNode], dir}] = pv.Annotations[annotImage]
	}
	if len(nodes) == 0 || len(nss) == 0 {
		return nil
	}
	ns := nss[0].Name
	var errs []error
	for pl, image := range nodes {
		node := pl.node
		if node == "" || image == "" {
			continue
		}
		name := fmt.Sprintf("fd-%s-wipe-%s-%d", id, platform.Slug(node), len(pl.dir)%1000)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{platform.LabelManaged: "true", platform.LabelRun: id, platform.LabelRole: "janitor"}},
			Spec: corev1.PodSpec{
				NodeName: node, RestartPolicy: corev1.RestartPolicyNever, AutomountServiceAccountToken: new(bool),
				Containers: []corev1.Container{{
					Name: "main", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
					Command:      []string{"rm", "-rf", "/volumes/" + id},
					VolumeMounts: []corev1.VolumeMount{{Name: "v", MountPath: "/volumes"}},
				}},
				Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: pl.dir}}}},
			},
		}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("start the pod that wipes run %s's volumes on %s: %w", id, node, err))
			continue
		}
		deadline := time.Now().Add(time.Minute)
		for {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil && p.Status.Phase == corev1.PodSucceeded {
				break
			}
			if err == nil && p.Status.Phase == corev1.PodFailed || time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("wipe run %s's volumes on %s under %s: the pod did not succeed", id, node, pl.dir))
				break
			}
			if !platform.Sleep(ctx, 300*time.Millisecond) {
				return ctx.Err()
			}
		}
	}
	return errors.Join(errs...)
}

var labelValueRe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// labelValue makes s a valid label value: at most 63 characters of
// letters, digits, '-', '_' and '.', starting and ending with an
// alphanumeric.
func labelValue(s string) string {
	s = labelValueRe.ReplaceAllString(s, "-")
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
}
