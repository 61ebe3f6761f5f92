// Package images makes the images a run's workloads use, with the local
// Docker engine, offline: a debootstrapped Debian base, PostgreSQL and
// HAProxy from Debian's packages, and FROM scratch images of this module's
// commands. Every platform runs these images.
package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

//go:embed assets
var assets embed.FS

// Debian release and mirror of the base image. The base is made with
// debootstrap because no registry can be reached: nothing is pulled.
const (
	debianSuite  = "bookworm"
	debianMirror = "http://deb.debian.org/debian"
	// imageRecipe is bumped when the way images are made changes in a way
	// their inputs do not show.
	imageRecipe = "firedrill-images-v1"
	// appPackage is the ENT application the entd image is built from.
	appPackage = "./cmd/entd"
)

// Images names the images a containers run uses, tagged by the hash of
// what they are built from, and says how they were obtained.
type Images struct {
	// Base is the debootstrapped Debian root the PostgreSQL image is built on.
	Base string
	// PG holds PostgreSQL 15 and HAProxy; it runs the databases, the backup
	// agents and the HAProxy edge.
	PG string
	// Entd is the FROM scratch image of the ENT application, built from App.
	Entd string
	// App is the Go package the ENT application was built from.
	App string
	// Link is the FROM scratch image of linkd, the link between datacenters.
	Link string
	// Reaper is the FROM scratch image of reaperd, which removes a run's
	// resources when the firedrill process that owns them stops answering.
	Reaper string
	// Built lists the images built by this call; empty when all were cached.
	Built []string
	// Took is how long this call took, building included.
	Took time.Duration
}

// Cached says whether every image was already there.
func (im Images) Cached() bool { return len(im.Built) == 0 }

// Ensure builds the images a containers run needs, unless images with
// the same content tag exist already, and reports progress to progress (nil
// for none). The first build needs root (debootstrap), Debian's mirror and
// a Go toolchain with this module's sources; later calls take milliseconds.
func Ensure(ctx context.Context, cli *client.Client, progress io.Writer) (Images, error) {
	start := time.Now()
	if progress == nil {
		progress = io.Discard
	}
	var im Images

	im.Base = "firedrill/base:" + hashStrings(imageRecipe, debianSuite, debianMirror, runtime.GOARCH)
	if ok, err := imageExists(ctx, cli, im.Base); err != nil {
		return im, err
	} else if !ok {
		fmt.Fprintf(progress, "building image %s (first run only, ~1 min): debootstrap %s...\n", im.Base, debianSuite)
		if err := buildBase(ctx, cli, im.Base, progress); err != nil {
			return im, fmt.Errorf("build base image %s: %w", im.Base, err)
		}
		im.Built = append(im.Built, im.Base)
	}

	dockerfile, err := assets.ReadFile("assets/Dockerfile.pg")
	if err != nil {
		return im, fmt.Errorf("read embedded Dockerfile: %w", err)
	}
	dockerfile = bytes.ReplaceAll(dockerfile, []byte("{{BASE}}"), []byte(im.Base))
	script, err := assets.ReadFile("assets/fd-pg")
	if err != nil {
		return im, fmt.Errorf("read embedded fd-pg: %w", err)
	}
	im.PG = "firedrill/pg:" + hashStrings(imageRecipe, string(dockerfile), string(script))
	if ok, err := imageExists(ctx, cli, im.PG); err != nil {
		return im, err
	} else if !ok {
		fmt.Fprintf(progress, "building image %s (first run only, ~2 min): postgresql-15, haproxy from Debian...\n", im.PG)
		files := map[string]fileEntry{
			"Dockerfile": {data: dockerfile, mode: 0o644},
			"fd-pg":      {data: script, mode: 0o755},
		}
		if err := dockerBuild(ctx, cli, im.PG, files, progress); err != nil {
			return im, fmt.Errorf("build image %s: %w", im.PG, err)
		}
		im.Built = append(im.Built, im.PG)
	}

	root, err := moduleRoot(ctx)
	if err != nil {
		return im, err
	}
	im.App = appPackage
	for _, g := range []struct {
		ref  *string
		repo string
		pkg  string
		user string
	}{
		{&im.Entd, "firedrill/entd", im.App, "65534:65534"},
		{&im.Link, "firedrill/link", "./drivers/containers/linkd", "65534:65534"},
		// The reaper talks to the Docker socket, which root owns.
		{&im.Reaper, "firedrill/reaper", "./drivers/containers/docker/reaperd", "0:0"},
	} {
		srcHash, err := hashTree(filepath.Join(root, filepath.FromSlash(g.pkg)), filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
		if err != nil {
			return im, fmt.Errorf("hash the sources of %s: %w", g.pkg, err)
		}
		*g.ref = g.repo + ":" + hashStrings(imageRecipe, g.pkg, srcHash, runtime.Version())
		if ok, err := imageExists(ctx, cli, *g.ref); err != nil {
			return im, err
		} else if !ok {
			fmt.Fprintf(progress, "building image %s (first run only, ~30 s): go build %s...\n", *g.ref, g.pkg)
			if err := buildGo(ctx, cli, root, g.pkg, *g.ref, g.user, progress); err != nil {
				return im, fmt.Errorf("build image %s: %w", *g.ref, err)
			}
			im.Built = append(im.Built, *g.ref)
		}
	}
	im.Took = time.Since(start)
	return im, nil
}

func hashStrings(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// hashTree hashes the regular files under each path (a directory or a
// file), names included, in a stable order.
func hashTree(paths ...string) (string, error) {
	h := sha256.New()
	for _, root := range paths {
		var files []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			rel, _ := filepath.Rel(filepath.Dir(root), f)
			fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func imageExists(ctx context.Context, cli *client.Client, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if strings.Contains(strings.ToLower(err.Error()), "no such image") || cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s: %w", ref, err)
}

// moduleRoot finds the firedrill module's source tree, which the entd image
// is built from. FIREDRILL_SOURCE overrides the lookup for binaries run
// outside the tree.
func moduleRoot(ctx context.Context) (string, error) {
	if d := os.Getenv("FIREDRILL_SOURCE"); d != "" {
		return d, nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the firedrill sources to build entd (a Go toolchain is needed for the first image build; or set FIREDRILL_SOURCE): %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("find the firedrill sources to build entd: not inside a Go module; run from the firedrill checkout or set FIREDRILL_SOURCE")
	}
	root := filepath.Dir(mod)
	if _, err := os.Stat(filepath.Join(root, "drivers", "containers", "linkd")); err != nil {
		return "", fmt.Errorf("find the firedrill sources in %s: %w (run from the firedrill checkout or set FIREDRILL_SOURCE)", root, err)
	}
	return root, nil
}

// buildBase makes a minimal Debian root with debootstrap and imports it.
func buildBase(ctx context.Context, cli *client.Client, tag string, progress io.Writer) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is needed for the first image build (apt-get install debootstrap): %w", err)
	}
	dir, err := os.MkdirTemp("", "firedrill-debootstrap-")
	if err != nil {
		return fmt.Errorf("make debootstrap directory: %w", err)
	}
	defer os.RemoveAll(dir)
	var log bytes.Buffer
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", debianSuite, dir, debianMirror)
	cmd.Stdout, cmd.Stderr = &log, &log
	t := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap (needs root and %s): %w: %s", debianMirror, err, tail(log.String(), 800))
	}
	fmt.Fprintf(progress, "  debootstrap done in %s, importing...\n", time.Since(t).Round(time.Second))
	tarCmd := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", dir, "-c", ".")
	out, err := tarCmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("tar the root: %w", err)
	}
	var tarErr bytes.Buffer
	tarCmd.Stderr = &tarErr
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("tar the root: %w", err)
	}
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, tag,
		client.ImageImportOptions{Message: "firedrill base: debootstrap --variant=minbase " + debianSuite})
	if err != nil {
		_ = tarCmd.Wait()
		return fmt.Errorf("import the root as %s: %w", tag, err)
	}
	_, copyErr := io.Copy(io.Discard, res)
	res.Close()
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar the root: %w: %s", err, tarErr.String())
	}
	if copyErr != nil {
		return fmt.Errorf("import the root as %s: %w", tag, copyErr)
	}
	return nil
}

type fileEntry struct {
	data []byte
	mode int64
}

// dockerBuild builds a context made of files and tags the result.
func dockerBuild(ctx context.Context, cli *client.Client, tag string, files map[string]fileEntry, progress io.Writer) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := files[n]
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			return fmt.Errorf("write build context: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("write build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write build context: %w", err)
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{platform.LabelManaged: "true"},
	})
	if err != nil {
		return fmt.Errorf("start docker build: %w", err)
	}
	defer res.Body.Close()
	// The build streams JSON messages; an error arrives as one of them, not
	// as an HTTP status.
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var last []string
	for sc.Scan() {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if m.Error != "" {
			return fmt.Errorf("docker build: %s (last output: %s)", m.Error, strings.Join(last, ""))
		}
		if strings.HasPrefix(m.Stream, "Step ") {
			fmt.Fprintf(progress, "  %s\n", strings.TrimSpace(m.Stream))
		}
		last = append(last, m.Stream)
		if len(last) > 10 {
			last = last[1:]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read docker build output: %w", err)
	}
	if ok, err := imageExists(ctx, cli, tag); err != nil || !ok {
		return fmt.Errorf("docker build finished without producing %s (last output: %s)", tag, strings.Join(last, ""))
	}
	return nil
}

// buildGo compiles a command of this module as a static binary and wraps it
// FROM scratch.
func buildGo(ctx context.Context, cli *client.Client, root, pkg, tag, user string, progress io.Writer) error {
	dir, err := os.MkdirTemp("", "firedrill-entd-")
	if err != nil {
		return fmt.Errorf("make build directory: %w", err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "app")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (a Go toolchain is needed for the first image build): %w: %s", pkg, err, tail(string(out), 800))
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read the %s binary: %w", pkg, err)
	}
	fmt.Fprintf(progress, "  %s binary: %.1f MiB\n", pkg, float64(len(data))/(1<<20))
	df := "FROM scratch\nCOPY app /app\nUSER " + user + "\nENTRYPOINT [\"/app\"]\n"
	return dockerBuild(ctx, cli, tag, map[string]fileEntry{
		"Dockerfile": {data: []byte(df), mode: 0o644},
		"app":        {data: data, mode: 0o755},
	}, progress)
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
