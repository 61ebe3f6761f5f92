package containers

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
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
func (r *run) startReaper(ctx context.Context) (*reaper, error) {
	sock, ok := strings.CutPrefix(r.cli.DaemonHost(), "unix://")
	if !ok {
		return nil, fmt.Errorf("start the reaper: it needs the Docker engine's unix socket, and the engine is at %s", r.cli.DaemonHost())
	}
	_, tc, err := r.start(ctx, spec{
		name: fmt.Sprintf("fd-%s-reaper", r.id), role: roleReaper, image: r.images.Reaper,
		env: map[string]string{
			"REAPER_RUN": r.id, "REAPER_GRACE": reaperGrace.String(), "REAPER_SILENCE": reaperSilence.String(),
		},
		user: "0:0", binds: []string{sock + ":/var/run/docker.sock"}, autoRemove: true,
		publish: reaperPort, cpus: 0.1, memMB: 32,
		wait: wait.ForLog("reaperd: listening").WithStartupTimeout(30 * time.Second),
	})
	if err != nil {
		return nil, fmt.Errorf("start the reaper: %w", err)
	}
	port, err := tc.MappedPort(ctx, fmt.Sprintf("%d/tcp", reaperPort))
	if err != nil {
		return nil, fmt.Errorf("reaper port: %w", err)
	}
	rp := &reaper{addr: fmt.Sprintf("127.0.0.1:%d", port.Num())}
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
