package docker

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/platform"
)

const (
	reaperPort = 7070
	// reaperGrace is how long reaperd waits, once the run's connection
	// closed, before it reaps: a killed process closes its sockets at once.
	reaperGrace = 3 * time.Second
	// reaperSilence is how long a held connection may stay silent.
	reaperSilence = 10 * time.Second
	// heartbeat is how often the run writes to the reaper.
	heartbeat = time.Second
)

// reaper is the run's side of reaperd: a connection held open and written
// to every heartbeat, for as long as this process lives.
type reaper struct {
	addr string
	stop context.CancelFunc
	done sync.WaitGroup
}

// startReaper starts the run's reaperd, first of all its containers, and
// holds a connection to it. A run that is killed outright stops writing;
// reaperd then removes what carries the run's label.
func (s *session) startReaper(ctx context.Context) (*reaper, error) {
	sock, ok := strings.CutPrefix(s.cli.DaemonHost(), "unix://")
	if !ok {
		return nil, fmt.Errorf("start the reaper: it needs the Docker engine's unix socket, and the engine is at %s", s.cli.DaemonHost())
	}
	_, tc, err := s.start(ctx, spec{
		Spec: platform.Spec{
			Name: fmt.Sprintf("fd-%s-reaper", s.run.ID), Labels: map[string]string{platform.LabelRole: "reaper"}, Image: s.images.Reaper,
			Env: map[string]string{
				"REAPER_RUN": s.run.ID, "REAPER_GRACE": reaperGrace.String(), "REAPER_SILENCE": reaperSilence.String(),
			},
			User: "0:0", Port: reaperPort, CPUs: 0.1, MemMB: 32,
			Ready: platform.Ready{Log: "reaperd: listening", Timeout: 30 * time.Second},
		},
		binds: []string{sock + ":/var/run/docker.sock"}, autoRemove: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start the reaper: %w", err)
	}
	addr, err := mappedPort(ctx, tc, reaperPort)
	if err != nil {
		return nil, fmt.Errorf("reaper port: %w", err)
	}
	rp := &reaper{addr: addr}
	conn, err := net.DialTimeout("tcp", rp.addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to the reaper: %w", err)
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rp.stop = cancel
	rp.done.Add(1)
	go func() {
		defer rp.done.Done()
		rp.beat(hctx, conn)
	}()
	return rp, nil
}

// beat writes a line every heartbeat until ctx ends, reconnecting if the
// connection breaks while this process lives.
func (rp *reaper) beat(ctx context.Context, conn net.Conn) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		if conn == nil {
			c, err := net.DialTimeout("tcp", rp.addr, time.Second)
			if err == nil {
				conn = c
			}
		}
		if conn != nil {
			_ = conn.SetWriteDeadline(time.Now().Add(heartbeat))
			if _, err := conn.Write([]byte("alive\n")); err != nil {
				conn.Close()
				conn = nil
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// close stops the heartbeat. The run calls it after removing its
// resources, the reaper's container among them.
func (rp *reaper) close() {
	if rp == nil {
		return
	}
	rp.stop()
	rp.done.Wait()
}
