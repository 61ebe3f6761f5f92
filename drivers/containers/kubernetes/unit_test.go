package kubernetes

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

func TestLabelValue(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"par1", "par1"},
		{"Île-de-France", "le-de-France"},
		{"Grand Est", "Grand-Est"},
		{"-x-", "x"},
		{strings.Repeat("a", 70), strings.Repeat("a", 63)},
		{"host.example.org", "host.example.org"},
	} {
		if got := labelValue(c.in); got != c.want {
			t.Errorf("labelValue(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPodFor checks how a spec becomes a pod: a named user is switched to
// with runuser after the volumes are given to it, files are copied from
// their ConfigMap before the process starts, a numeric user goes into
// the securityContext, and a datacenter pinned to a zone selects it.
func TestPodFor(t *testing.T) {
	cs := fake.NewClientset()
	s := &session{opts: Options{}.withDefaults(), run: platform.Run{ID: "r1"}, cs: cs, zones: map[string]string{"par1": "z1"}}
	ctx := context.Background()

	db, err := s.podFor(ctx, "ns", "par1", nil, platform.Spec{
		Name: "fd-r1-db", Image: "pg", Cmd: []string{"fd-pg"}, User: "postgres",
		Volumes: map[string]string{"vol1": "/var/lib/postgresql/data"},
		Files:   []platform.File{{Path: "/tmp/restore.dump", Data: []byte("dump"), Mode: 0o644}},
		CPUs:    0.5, MemMB: 256,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := db.Spec.Containers[0]
	script := strings.Join(c.Command, " ")
	for _, want := range []string{"cp /fd-files/f0 '/tmp/restore.dump'", "chown 'postgres': '/var/lib/postgresql/data'", `exec runuser -u 'postgres' -- "$@"`} {
		if !strings.Contains(script, want) {
			t.Errorf("db command %q lacks %q", script, want)
		}
	}
	if !slices.Equal(c.Args, []string{"fd-pg"}) || c.SecurityContext != nil {
		t.Errorf("db args %v, security context %v; want [fd-pg] as root (runuser switches)", c.Args, c.SecurityContext)
	}
	if got := c.Resources.Limits.Cpu().MilliValue(); got != 500 {
		t.Errorf("db CPU limit %dm, want 500m", got)
	}
	if db.Spec.NodeSelector[ZoneLabel] != "z1" {
		t.Errorf("db node selector %v, want zone z1", db.Spec.NodeSelector)
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").Get(ctx, "fd-r1-db-files", metav1.GetOptions{}); err != nil {
		t.Errorf("files ConfigMap: %v", err)
	}

	link, err := s.podFor(ctx, "ns", "lyo1", nil, platform.Spec{Name: "fd-r1-link", Image: "link", Cmd: []string{"serve"}, User: "65534:65534"})
	if err != nil {
		t.Fatal(err)
	}
	c = link.Spec.Containers[0]
	if len(c.Command) != 0 || c.SecurityContext == nil || *c.SecurityContext.RunAsUser != 65534 || *c.SecurityContext.RunAsGroup != 65534 {
		t.Errorf("link command %v, security context %+v; want the image's entrypoint as 65534:65534", c.Command, c.SecurityContext)
	}
	if link.Spec.NodeSelector != nil || link.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("link node selector %v, restart %s; want none and Never (lyo1 has no zone)", link.Spec.NodeSelector, link.Spec.RestartPolicy)
	}

	big := platform.File{Path: "/tmp/x", Data: make([]byte, maxFiles+1)}
	if _, err := s.podFor(ctx, "ns", "par1", nil, platform.Spec{Name: "big", Files: []platform.File{big}}); err == nil {
		t.Error("a file over the ConfigMap limit was accepted")
	}
}

// TestSweepSparesLiveRuns: a run whose process lives on this host is not
// swept unless forced; one whose process is gone is.
func TestSweepSparesLiveRuns(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	s := &session{opts: Options{}.withDefaults(), run: platform.Run{ID: "live"}, cs: cs}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, nsObject("fd-live-edge", s.baseLabels()), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dead := s.baseLabels()
	dead[platform.LabelRun], dead[platform.LabelPID] = "dead", "0"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, nsObject("fd-dead-edge", dead), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := sweep(ctx, cs, "", false)
	if err != nil {
		t.Fatal(err)
	}
	left, _ := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if n != 1 || len(left.Items) != 1 || left.Items[0].Name != "fd-live-edge" {
		t.Errorf("sweep removed %d runs, left %d namespaces; want the dead run removed and the live one kept", n, len(left.Items))
	}
}
