package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// Annotations on firedrill's own PersistentVolumes, so that a sweep knows
// where their data lies and which image can remove it.
const (
	annotNode  = "firedrill.node"
	annotImage = "firedrill.wipe-image"
	// aliasLabel prefixes the labels by which an alias's Service selects
	// the pods that answer to it.
	aliasLabel = "alias.firedrill/"
	// maxFiles bounds the files written into a workload: they travel in a
	// ConfigMap, which the API server limits to 1 MiB.
	maxFiles = 900 << 10
	// ports every alias's Service carries: PostgreSQL and the app's.
	pgPort, appPort = 5432, 8080
)

// session is one run's namespaces and what lives in them.
type session struct {
	opts   Options
	run    platform.Run
	cfg    *rest.Config
	cs     kubernetes.Interface
	images platform.Images
	pull   corev1.PullPolicy
	// nodes are the Ready schedulable nodes; zones maps datacenters to
	// zones when they are pinned, zoneNode a zone to a node of it.
	nodes        []string
	zones        map[string]string
	zoneNode     map[string]string
	storageClass string
	notes        []string

	mu         sync.Mutex
	workloads  map[string]*workload // by ID, "namespace/name"
	services   map[string]string    // "namespace/name" -> cluster IP
	volumes    map[string]*volume
	namespaces []string
}

// workload is a pod firedrill made, kept so that it can be made again
// (power back, a new CPU limit) the way it was.
type workload struct {
	ns, name string
	pod      *corev1.Pod
	port     int
	service  string // the Service firedrill reaches Port through
}

// volume is a claim in a datacenter's namespace.
type volume struct {
	ns, claim, pv string
}

func (s *session) Images() platform.Images { return s.images }

func (s *session) Notes() []string { return s.notes }

// ns is the namespace of datacenter dc ("" is the edge's).
func (s *session) ns(dc string) string {
	if dc == "" {
		return fmt.Sprintf("%s-%s-edge", s.opts.NamespacePrefix, s.run.ID)
	}
	return fmt.Sprintf("%s-%s-dc-%s", s.opts.NamespacePrefix, s.run.ID, platform.Slug(dc))
}

func (s *session) baseLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		platform.LabelManaged: "true",
		platform.LabelRun:     s.run.ID,
		platform.LabelPID:     strconv.Itoa(os.Getpid()),
		platform.LabelHost:    labelValue(host),
	}
}

func (s *session) labels(dc string, extra map[string]string) map[string]string {
	l := s.baseLabels()
	if dc != "" {
		for k, v := range s.run.Labels(dc) {
			l[k] = labelValue(v)
		}
	}
	for k, v := range extra {
		l[k] = labelValue(v)
	}
	return l
}

// namespace creates datacenter dc's namespace.
func (s *session) namespace(ctx context.Context, dc string) error {
	name := s.ns(dc)
	if _, err := s.cs.CoreV1().Namespaces().Create(ctx, nsObject(name, s.labels(dc, nil)), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	s.mu.Lock()
	s.namespaces = append(s.namespaces, name)
	s.mu.Unlock()
	return nil
}

func nsObject(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// Close removes the run's namespaces, volumes and their data, and waits
// until they are gone.
func (s *session) Close(ctx context.Context) error {
	if err := removeRun(ctx, s.cs, s.run.ID); err != nil {
		return fmt.Errorf("clean up run %s (run `firedrill clean --driver kubernetes`): %w", s.run.ID, err)
	}
	return nil
}

// service returns the cluster IP of the Service name in namespace ns that
// selects the pods labelled sel, creating it on first use.
func (s *session) service(ctx context.Context, ns, name string, sel map[string]string) (string, error) {
	key := ns + "/" + name
	s.mu.Lock()
	ip, ok := s.services[key]
	s.mu.Unlock()
	if ok {
		return ip, nil
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: s.baseLabels()},
		Spec: corev1.ServiceSpec{
			Selector: sel,
			Ports: []corev1.ServicePort{
				{Name: "pg", Port: pgPort, TargetPort: intstr.FromInt32(pgPort)},
				{Name: "app", Port: appPort, TargetPort: intstr.FromInt32(appPort)},
			},
		},
	}
	got, err := s.cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		got, err = s.cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("create service %s in %s: %w", name, ns, err)
	}
	s.mu.Lock()
	s.services[key] = got.Spec.ClusterIP
	s.mu.Unlock()
	return got.Spec.ClusterIP, nil
}

// aliasService is the Service's name for an alias: Service names must
// start with a letter.
func aliasService(alias string) string {
	n := "a-" + alias
	if len(n) > 63 {
		n = n[:63]
	}
	return strings.TrimRight(n, "-")
}

// Addr implements platform.Session: the cluster IP of the alias's Service
// in the datacenter's namespace; no cluster DNS is needed.
func (s *session) Addr(ctx context.Context, dc, alias string) (string, error) {
	return s.service(ctx, s.ns(dc), aliasService(alias), map[string]string{aliasLabel + alias: "true"})
}

func (s *session) Volume(ctx context.Context, dc, what string) (string, error) {
	ns := s.ns(dc)
	s.mu.Lock()
	name := fmt.Sprintf("fd-%s-%s-%d", s.run.ID, platform.Slug(what), len(s.volumes)+1)
	s.mu.Unlock()
	size := resource.MustParse("1Gi")
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: s.labels(dc, nil)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
	v := &volume{ns: ns, claim: name}
	if s.storageClass == "" {
		node := s.volumeNode(dc)
		class := "firedrill-" + s.run.ID
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: s.labels(dc, nil),
				Annotations: map[string]string{annotNode: node, annotImage: s.images.PG}},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				StorageClassName:              class,
				ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: name},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
					Path: path.Join(s.opts.VolumeDir, s.run.ID, name), Type: ptr(corev1.HostPathDirectoryOrCreate),
				}},
				NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
				}}}},
			},
		}
		if _, err := s.cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("create volume %s: %w", name, err)
		}
		v.pv = name
		pvc.Spec.StorageClassName = &class
		pvc.Spec.VolumeName = name
	}
	s.mu.Lock()
	s.volumes[name] = v
	s.mu.Unlock()
	if _, err := s.cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("create claim %s in %s: %w", name, ns, err)
	}
	return name, nil
}

// volumeNode is the node that holds a datacenter's own volumes: one of its
// zone's when datacenters are pinned to zones.
func (s *session) volumeNode(dc string) string {
	if z, ok := s.zones[dc]; ok {
		return s.zoneNode[z]
	}
	return s.nodes[0]
}

func ptr[T any](v T) *T { return &v }

// Start implements platform.Session.
func (s *session) Start(ctx context.Context, sp platform.Spec) (string, error) {
	if len(sp.Nets) == 0 {
		return "", fmt.Errorf("start %s: no datacenter", sp.Name)
	}
	home := sp.Nets[0].DC
	for _, n := range sp.Nets[1:] {
		if len(n.Aliases) > 0 {
			return "", fmt.Errorf("start %s: on Kubernetes a workload answers to names in its own datacenter only", sp.Name)
		}
	}
	ns := s.ns(home)
	labels := s.labels(home, sp.Labels)
	labels["firedrill.workload"] = labelValue(sp.Name)
	for _, a := range sp.Nets[0].Aliases {
		labels[aliasLabel+a] = "true"
		if _, err := s.Addr(ctx, home, a); err != nil {
			return "", err
		}
	}
	w := &workload{ns: ns, name: sp.Name, port: sp.Port}
	if sp.Port != 0 {
		w.service = sp.Name
		if _, err := s.service(ctx, ns, sp.Name, map[string]string{"firedrill.workload": labelValue(sp.Name)}); err != nil {
			return "", err
		}
	}
	pod, err := s.podFor(ctx, ns, home, labels, sp)
	if err != nil {
		return "", err
	}
	w.pod = pod
	id := ns + "/" + sp.Name
	s.mu.Lock()
	s.workloads[id] = w
	s.mu.Unlock()
	if err := s.create(ctx, w); err != nil {
		return id, fmt.Errorf("start %s: %w", sp.Name, err)
	}
	if err := s.ready(ctx, id, sp.Ready); err != nil {
		return id, fmt.Errorf("start %s: %w", sp.Name, err)
	}
	return id, nil
}

// podFor builds the pod of a spec. Files travel in a ConfigMap that a
// shell copies into place before the process starts; a user named rather
// than numbered is switched to with runuser (a pod's securityContext takes
// numbers only), after the volumes are given to it, as Docker's named
// volumes are.
func (s *session) podFor(ctx context.Context, ns, dc string, labels map[string]string, sp platform.Spec) (*corev1.Pod, error) {
	c := corev1.Container{
		Name: "main", Image: sp.Image, ImagePullPolicy: s.pull, Args: sp.Cmd,
		Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(sp.CPUs*1000), resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(sp.MemMB<<20, resource.BinarySI),
			},
			// Small requests: the limits, as on Docker, set what a
			// workload may use; the requests only have to fit the node.
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewMilliQuantity(10, resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(min(sp.MemMB, 32)<<20, resource.BinarySI),
			},
		},
	}
	for _, k := range slices.Sorted(maps.Keys(sp.Env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: sp.Env[k]})
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: sp.Name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			EnableServiceLinks:            ptr(false),
			AutomountServiceAccountToken:  ptr(false),
			TerminationGracePeriodSeconds: ptr(int64(0)),
		},
	}
	if sp.Restart {
		pod.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	}
	if z, ok := s.zones[dc]; ok {
		pod.Spec.NodeSelector = map[string]string{s.opts.ZoneLabel: z}
	}
	var script []string
	named := sp.User != "" && !numericUser(sp.User)
	if len(sp.Files) > 0 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: sp.Name + "-files", Labels: s.baseLabels()}, BinaryData: map[string][]byte{}}
		total := 0
		for i, f := range sp.Files {
			key := fmt.Sprintf("f%d", i)
			cm.BinaryData[key] = f.Data
			total += len(f.Data)
			script = append(script, fmt.Sprintf("mkdir -p %s && cp /fd-files/%s %s && chmod %o %s", shq(path.Dir(f.Path)), key, shq(f.Path), f.Mode, shq(f.Path)))
			if named {
				script = append(script, fmt.Sprintf("chown %s %s", shq(sp.User), shq(f.Path)))
			}
		}
		if total > maxFiles {
			return nil, fmt.Errorf("start %s: %d KiB of files do not fit a ConfigMap (%d KiB at most)", sp.Name, total>>10, maxFiles>>10)
		}
		if _, err := s.cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("start %s: files: %w", sp.Name, err)
		}
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "fd-files", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "fd-files", MountPath: "/fd-files", ReadOnly: true})
	}
	for i, v := range slices.Sorted(maps.Keys(sp.Volumes)) {
		name := fmt.Sprintf("v%d", i)
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: v}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: sp.Volumes[v]})
		if named {
			script = append(script, fmt.Sprintf("chown %s: %s", shq(sp.User), shq(sp.Volumes[v])))
		}
	}
	switch {
	case named:
		script = append(script, fmt.Sprintf(`exec runuser -u %s -- "$@"`, shq(sp.User)))
	case len(script) > 0:
		script = append(script, `exec "$@"`)
	}
	if len(script) > 0 {
		c.Command = []string{"sh", "-c", strings.Join(script, " && "), "fd-start"}
	}
	if sp.User != "" && !named {
		uid, gid, _ := strings.Cut(sp.User, ":")
		u, _ := strconv.ParseInt(uid, 10, 64)
		c.SecurityContext = &corev1.SecurityContext{RunAsUser: &u}
		if g, err := strconv.ParseInt(gid, 10, 64); err == nil {
			c.SecurityContext.RunAsGroup = &g
		}
	}
	pod.Spec.Containers = []corev1.Container{c}
	return pod, nil
}

func numericUser(u string) bool {
	uid, _, _ := strings.Cut(u, ":")
	_, err := strconv.Atoi(uid)
	return err == nil
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// create makes the workload's pod and waits until its container runs.
func (s *session) create(ctx context.Context, w *workload) error {
	pod := w.pod.DeepCopy()
	if _, err := s.cs.CoreV1().Pods(w.ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create pod: %w", err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		p, err := s.cs.CoreV1().Pods(w.ns).Get(ctx, w.name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("pod %s: %w", w.name, err)
		}
		for _, cst := range p.Status.ContainerStatuses {
			if cst.State.Running != nil {
				return nil
			}
			if wt := cst.State.Waiting; wt != nil && (wt.Reason == "ErrImageNeverPull" || wt.Reason == "ImagePullBackOff" || wt.Reason == "ErrImagePull" || wt.Reason == "InvalidImageName") {
				return fmt.Errorf("pod %s: image %s: %s: %s (%s)", w.name, w.pod.Spec.Containers[0].Image, wt.Reason, wt.Message, imagesHint)
			}
			if t := cst.State.Terminated; t != nil && p.Spec.RestartPolicy == corev1.RestartPolicyNever {
				return fmt.Errorf("pod %s exited %d: %s %s", w.name, t.ExitCode, t.Reason, t.Message)
			}
		}
		if p.Status.Phase == corev1.PodFailed {
			return fmt.Errorf("pod %s failed: %s %s", w.name, p.Status.Reason, p.Status.Message)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pod %s not running after 3 minutes (phase %s: %s)", w.name, p.Status.Phase, p.Status.Message)
		}
		if !platform.Sleep(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// ready waits until the workload is ready as r says.
func (s *session) ready(ctx context.Context, id string, r platform.Ready) error {
	if len(r.Exec) == 0 && r.Log == "" {
		return nil
	}
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if len(r.Exec) > 0 {
			res, err := s.Exec(ctx, id, "", r.Exec...)
			if err == nil && res.Code == 0 {
				return nil
			}
			last = fmt.Sprint(err, res.Stderr)
		} else {
			b, err := s.cs.CoreV1().Pods(w.ns).GetLogs(w.name, &corev1.PodLogOptions{}).DoRaw(ctx)
			if err == nil && bytes.Contains(b, []byte(r.Log)) {
				return nil
			}
			last = fmt.Sprint(err)
		}
		if !platform.Sleep(ctx, 250*time.Millisecond) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("not ready after %s (last: %s)", timeout, strings.TrimSpace(last))
}

func (s *session) workload(id string) (*workload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workloads[id]
	if !ok {
		return nil, fmt.Errorf("no workload %s in run %s", id, s.run.ID)
	}
	return w, nil
}

// Endpoint is the cluster IP of the workload's own Service, which
// survives the pod's being made again; where the host cannot route to
// cluster IPs, the pod's IP.
func (s *session) Endpoint(ctx context.Context, id string) (string, error) {
	w, err := s.workload(id)
	if err != nil {
		return "", err
	}
	if w.service == "" {
		return "", fmt.Errorf("workload %s has no port", w.name)
	}
	ip, err := s.service(ctx, w.ns, w.service, nil)
	if err != nil {
		return "", err
	}
	// Until kube-proxy has programmed the Service, a connection to its
	// cluster IP leaves by the default route, where a network that
	// intercepts outbound traffic may accept it and answer in place of
	// the workload. A ready endpoint comes first; the caller's own check
	// (a real request on a fresh connection) covers kube-proxy's lag.
	if err := s.serviceReady(ctx, w.ns, w.service); err != nil {
		return "", err
	}
	candidates := []string{net.JoinHostPort(ip, fmt.Sprint(w.port))}
	if p, err := s.cs.CoreV1().Pods(w.ns).Get(ctx, w.name, metav1.GetOptions{}); err == nil && p.Status.PodIP != "" {
		candidates = append(candidates, net.JoinHostPort(p.Status.PodIP, fmt.Sprint(w.port)))
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for _, addr := range candidates {
			conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
			if err == nil {
				conn.Close()
				return addr, nil
			}
		}
		if !platform.Sleep(ctx, 300*time.Millisecond) {
			return "", ctx.Err()
		}
	}
	return "", fmt.Errorf("reach %s from here: neither its service's cluster IP nor its pod's IP answers (%s); run firedrill on a node of the cluster", w.name, strings.Join(candidates, ", "))
}

// serviceReady waits until the Service's EndpointSlices list a ready
// endpoint: before that, its cluster IP rejects connections and Endpoint
// would settle for the pod's IP, which a restart changes.
func (s *session) serviceReady(ctx context.Context, ns, name string) error {
	sel := discoveryv1.LabelServiceName + "=" + name
	var last error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		l, err := s.cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		last = err
		if err == nil {
			for _, es := range l.Items {
				for _, e := range es.Endpoints {
					if e.Conditions.Ready != nil && *e.Conditions.Ready {
						return nil
					}
				}
			}
		}
		if !platform.Sleep(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
	if last != nil {
		return fmt.Errorf("service %s in %s: endpoints: %w", name, ns, last)
	}
	return fmt.Errorf("service %s in %s has no ready endpoint a minute after its pod was ready", name, ns)
}

// Kill stops the workload at once: its processes are killed (SIGKILL to
// every process of the container, when it has a shell to send it), then
// the pod is deleted with grace 0. The pod's absence is checked.
func (s *session) Kill(ctx context.Context, id string) error {
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	if len(w.pod.Spec.Containers[0].Command) > 0 || w.pod.Spec.Containers[0].Image == s.images.PG {
		// A data volume must not be shared by a dying process and its
		// successor: the kill is synchronous, the pod's deletion not.
		_, _ = s.exec(ctx, w, nil, "sh", "-c", "kill -9 -1")
	}
	return s.deletePod(ctx, w)
}

func (s *session) deletePod(ctx context.Context, w *workload) error {
	err := s.cs.CoreV1().Pods(w.ns).Delete(ctx, w.name, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kill %s: %w", w.name, err)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		_, err := s.cs.CoreV1().Pods(w.ns).Get(ctx, w.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kill %s: the pod is still there a minute after its deletion", w.name)
		}
		if !platform.Sleep(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// Restart makes the pod again, with its volumes.
func (s *session) Restart(ctx context.Context, id string) error {
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	if err := s.create(ctx, w); err != nil {
		return fmt.Errorf("restart %s: %w", w.name, err)
	}
	return nil
}

// Remove deletes the pod and the volumes, claims and PersistentVolumes
// alike. The data of firedrill's own volumes goes with the run's
// namespaces at the end.
func (s *session) Remove(ctx context.Context, id string, volumes []string) error {
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	errs := []error{s.deletePod(ctx, w)}
	for _, name := range volumes {
		s.mu.Lock()
		v := s.volumes[name]
		s.mu.Unlock()
		if v == nil {
			continue
		}
		if err := s.cs.CoreV1().PersistentVolumeClaims(v.ns).Delete(ctx, v.claim, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("destroy claim %s: %w", v.claim, err))
		}
	}
	return errors.Join(errs...)
}

// Exec implements platform.Session. A user named is switched to with
// runuser; the container runs as root then (see podFor).
func (s *session) Exec(ctx context.Context, id, user string, cmd ...string) (platform.ExecResult, error) {
	w, err := s.workload(id)
	if err != nil {
		return platform.ExecResult{}, err
	}
	if user != "" && !numericUser(user) {
		cmd = append([]string{"runuser", "-u", user, "--"}, cmd...)
	}
	return s.exec(ctx, w, nil, cmd...)
}

func (s *session) exec(ctx context.Context, w *workload, stdin io.Reader, cmd ...string) (platform.ExecResult, error) {
	req := s.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(w.ns).Name(w.name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "main", Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(s.cfg, "POST", req.URL())
	if err != nil {
		return platform.ExecResult{}, fmt.Errorf("exec %q in %s: %w", strings.Join(cmd, " "), w.name, err)
	}
	var out, errb bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: &out, Stderr: &errb})
	var ee utilexec.ExitError
	switch {
	case errors.As(err, &ee):
		return platform.ExecResult{Code: ee.ExitStatus(), Stdout: out.String(), Stderr: errb.String()}, nil
	case err != nil:
		return platform.ExecResult{}, fmt.Errorf("exec %q in %s: %w", strings.Join(cmd, " "), w.name, err)
	}
	return platform.ExecResult{Stdout: out.String(), Stderr: errb.String()}, nil
}

func (s *session) CopyOut(ctx context.Context, id, p string) ([]byte, error) {
	w, err := s.workload(id)
	if err != nil {
		return nil, err
	}
	res, err := s.exec(ctx, w, nil, "cat", p)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("copy %s out of %s: %s", p, w.name, strings.TrimSpace(res.Stderr))
	}
	return []byte(res.Stdout), nil
}

func (s *session) CopyIn(ctx context.Context, id, p string, data []byte) error {
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, w, bytes.NewReader(data), "sh", "-c", fmt.Sprintf("cat > %s.part && mv %s.part %s", shq(p), shq(p), shq(p)))
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("copy %s into %s: %s", p, w.name, strings.TrimSpace(res.Stderr))
	}
	return nil
}

// SetCPUs makes the pod again with the new limit: Kubernetes 1.32 does not
// resize a running pod. Its Service keeps its address.
func (s *session) SetCPUs(ctx context.Context, id string, cpus float64) error {
	w, err := s.workload(id)
	if err != nil {
		return err
	}
	if err := s.deletePod(ctx, w); err != nil {
		return err
	}
	w.pod.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(cpus*1000), resource.DecimalSI)
	return s.create(ctx, w)
}
