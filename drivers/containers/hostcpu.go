package containers

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hostSaturated is the share of the host's CPU time, busy, from which a
// second counts as saturated: the generator and every stack then wait for
// a CPU, and what they serve is the host's limit, not the stack's.
const hostSaturated = 0.95

// hostCPU samples how busy the host's CPUs are, once a second, from
// /proc/stat. The lanes keep the load under an estimate of what the host
// carries; this is the measurement that says whether it held.
type hostCPU struct {
	mu      sync.Mutex
	samples []cpuSample
}

type cpuSample struct {
	at   time.Time // end of the second sampled
	busy float64   // share of the CPUs' time not idle, 0 to 1
}

// watchHostCPU samples the host's CPUs until ctx ends. It returns nil
// where they cannot be observed: no /proc/stat, or a Docker engine on
// another machine (DOCKER_HOST not a local socket).
func watchHostCPU(ctx context.Context, wg *sync.WaitGroup) *hostCPU {
	if h := os.Getenv("DOCKER_HOST"); h != "" && !strings.HasPrefix(h, "unix://") {
		return nil
	}
	busy, total, err := readProcStat()
	if err != nil {
		return nil
	}
	h := &hostCPU{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tk.C:
				b, t, err := readProcStat()
				if err != nil || t <= total {
					continue
				}
				h.mu.Lock()
				h.samples = append(h.samples, cpuSample{at: now, busy: float64(b-busy) / float64(t-total)})
				h.mu.Unlock()
				busy, total = b, t
			}
		}
	}()
	return h
}

// saturated is the share of the seconds sampled between from and to in
// which the host's CPUs were saturated, the number of seconds sampled,
// and how busy the busiest of them was.
func (h *hostCPU) saturated(from, to time.Time) (share float64, n int, peak float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hot := 0
	for _, s := range h.samples {
		if s.at.After(from) && !s.at.After(to) {
			n++
			peak = max(peak, s.busy)
			if s.busy >= hostSaturated {
				hot++
			}
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return float64(hot) / float64(n), n, peak
}

// readProcStat reads the host's CPU time, busy and in all, in clock
// ticks, from the first line of /proc/stat.
func readProcStat() (busy, total uint64, err error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	return parseCPULine(line)
}

// parseCPULine parses /proc/stat's "cpu" line: user nice system idle
// iowait irq softirq steal (guest time is already in user). Idle and
// iowait are the time no CPU was wanted; steal counts as busy, since the
// stacks could not have it.
func parseCPULine(line string) (busy, total uint64, err error) {
	fs := strings.Fields(line)
	if len(fs) < 9 || fs[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", strings.TrimSpace(line))
	}
	var v [8]uint64
	for i := range v {
		if v[i], err = strconv.ParseUint(fs[1+i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: field %d of %q: %w", i+1, strings.TrimSpace(line), err)
		}
		total += v[i]
	}
	return total - v[3] - v[4], total, nil
}
