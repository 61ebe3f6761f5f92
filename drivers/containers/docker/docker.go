// Package docker is the Docker platform of the containers driver: each
// datacenter an internal Docker network, each workload a container started
// with testcontainers-go, cleanup by label, and reaperd, which removes a
// run's resources when the firedrill process that made them is killed.
package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

// ErrNoDocker says that no Docker engine answered. Callers test for it with
// errors.Is to print the hint instead of a stack of wrapped errors.
var ErrNoDocker = errors.New("no Docker engine answers (start Docker: dockerd &, see DEVELOPERS.md)")

var envOnce sync.Once

// setTestcontainersEnv makes testcontainers use the loopback address for
// published ports and skip Ryuk. Without it, testcontainers dials the
// default gateway (forbidden here) and tries to pull the Ryuk image (no
// registry here); firedrill cleans up by label instead.
func setTestcontainersEnv() {
	envOnce.Do(func() {
		for k, v := range map[string]string{
			"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
			"TESTCONTAINERS_RYUK_DISABLED": "true",
		} {
			if os.Getenv(k) == "" {
				_ = os.Setenv(k, v)
			}
		}
		// Its banner and per-container chatter would land in reports.
		tclog.SetDefault(quietLogger{})
	})
}

// Client connects to the Docker engine, or returns an error wrapping
// ErrNoDocker.
func Client(ctx context.Context) (*client.Client, error) {
	setTestcontainersEnv()
	tc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	cli := tc.Client
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	return cli, nil
}

// dockerExec runs cmd in a container as user (empty: the image's user) and
// waits for it. A non-zero exit is returned in the result, not as an error:
// callers decide what a failure means.
func dockerExec(ctx context.Context, cli client.APIClient, id, user string, cmd ...string) (platform.ExecResult, error) {
	cr, err := cli.ExecCreate(ctx, id, client.ExecCreateOptions{User: user, Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return platform.ExecResult{}, fmt.Errorf("exec %q in %s: %w", strings.Join(cmd, " "), short(id), err)
	}
	att, err := cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return platform.ExecResult{}, fmt.Errorf("attach to exec %q in %s: %w", strings.Join(cmd, " "), short(id), err)
	}
	defer att.Close()
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &errb, att.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return platform.ExecResult{}, fmt.Errorf("exec %q in %s: %w", strings.Join(cmd, " "), short(id), ctx.Err())
	case err := <-done:
		if err != nil && !errors.Is(err, io.EOF) {
			return platform.ExecResult{}, fmt.Errorf("read exec %q output in %s: %w", strings.Join(cmd, " "), short(id), err)
		}
	}
	ins, err := cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
	if err != nil {
		return platform.ExecResult{}, fmt.Errorf("inspect exec %q in %s: %w", strings.Join(cmd, " "), short(id), err)
	}
	return platform.ExecResult{Code: ins.ExitCode, Stdout: out.String(), Stderr: errb.String()}, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// isNotFound says whether the engine answered that the object does not
// exist, which cleanup paths treat as done.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
