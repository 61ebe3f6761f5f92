// Command linkd is the wide-area link between two datacenters of a
// firedrill containers run. Datacenter networks are isolated Docker
// networks; every connection from one datacenter to a server in another
// goes through the linkd container of that pair, attached to both
// networks. That makes partitions and latency between two datacenters real
// without tc netem (absent from the kernel firedrill was built on) and
// without NET_ADMIN:
//
//   - latency: every chunk is delivered Delay (+/- Jitter) after it was read,
//     in each direction, so a round trip takes 2 x Delay more;
//   - partition: nothing is delivered and no new connection reaches its
//     server (a black hole, as a cut link is: clients time out); when the
//     partition heals, the connections it held are reset, as TCP
//     connections whose packets were dropped would be.
//
// Usage:
//
//	linkd serve            routes from LINK_ROUTES="port=host:port,...",
//	                       control API on 127.0.0.1:9000
//	linkd ctl -delay 50ms -jitter 5ms -partition=false
//
// The driver runs "linkd ctl" with docker exec: the image is FROM scratch.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

const controlAddr = "127.0.0.1:9000"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: linkd serve | linkd ctl [-delay d] [-jitter d] [-partition=bool]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve()
	case "ctl":
		err = ctl(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "linkd:", err)
		os.Exit(1)
	}
}

// State is the link's condition, set through the control API.
type State struct {
	Delay     time.Duration `json:"delay"`
	Jitter    time.Duration `json:"jitter"`
	Partition bool          `json:"partition"`
}

func ctl(args []string) error {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	var s State
	fs.DurationVar(&s.Delay, "delay", 0, "one-way delay")
	fs.DurationVar(&s.Jitter, "jitter", 0, "delay variation")
	fs.BoolVar(&s.Partition, "partition", false, "black-hole all traffic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Post("http://"+controlAddr+"/state", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return fmt.Errorf("set link state: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("set link state: %s: %s", resp.Status, msg)
	}
	return nil
}

// Link relays connections and applies the state.
type Link struct {
	mu    sync.Mutex
	state State
	// epoch changes when a partition starts; connections opened before
	// the change are reset when it heals.
	epoch   int
	healed  chan struct{}
	conns   map[*relay]struct{}
	dialTTL time.Duration
}

// NewLink returns a link in its normal state.
func NewLink() *Link {
	return &Link{healed: closedChan(), conns: map[*relay]struct{}{}, dialTTL: 2 * time.Second}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Set changes the link's state.
func (l *Link) Set(s State) {
	l.mu.Lock()
	defer l.mu.Unlock()
	was := l.state.Partition
	l.state = s
	switch {
	case s.Partition && !was:
		l.epoch++
		l.healed = make(chan struct{})
	case !s.Partition && was:
		close(l.healed)
		// Connections that lived through the partition lost data: reset them.
		for r := range l.conns {
			if r.epoch < l.epoch {
				r.close()
			}
		}
	}
}

func (l *Link) get() (State, int, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, l.epoch, l.healed
}

// Serve accepts on ln and relays to target until ctx ends.
func (l *Link) Serve(ctx context.Context, ln net.Listener, target string) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go l.handle(ctx, c, target)
	}
}

type relay struct {
	once  sync.Once
	a, b  net.Conn
	epoch int
}

func (r *relay) close() {
	r.once.Do(func() {
		r.a.Close()
		if r.b != nil {
			r.b.Close()
		}
	})
}

func (l *Link) handle(ctx context.Context, c net.Conn, target string) {
	st, epoch, healed := l.get()
	if st.Partition {
		// Black hole: the client's connection hangs until the partition
		// heals, then is reset.
		select {
		case <-healed:
		case <-ctx.Done():
		}
		c.Close()
		return
	}
	if st.Delay > 0 {
		time.Sleep(st.Delay) // the handshake crosses the link too
	}
	up, err := net.DialTimeout("tcp", target, l.dialTTL)
	if err != nil {
		c.Close()
		return
	}
	r := &relay{a: c, b: up, epoch: epoch}
	l.mu.Lock()
	l.conns[r] = struct{}{}
	l.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pipe(r, up, c) }()
	go func() { defer wg.Done(); l.pipe(r, c, up) }()
	wg.Wait()
	r.close()
	l.mu.Lock()
	delete(l.conns, r)
	l.mu.Unlock()
}

type chunk struct {
	data []byte
	due  time.Time
}

// pipe copies src to dst, delaying each chunk and holding everything
// during a partition.
func (l *Link) pipe(r *relay, dst, src net.Conn) {
	q := make(chan chunk, 256) // bounded: a slow side pushes back instead of filling memory
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				st, _, _ := l.get()
				d := st.Delay
				if st.Jitter > 0 {
					d += time.Duration(rand.Int64N(int64(2*st.Jitter))) - st.Jitter
				}
				q <- chunk{data: buf[:n], due: time.Now().Add(max(0, d))}
			}
			if err != nil {
				return
			}
		}
	}()
	var last time.Time
	for ch := range q {
		// Keep order: a chunk is never delivered before the one before it.
		due := ch.due
		if due.Before(last) {
			due = last
		}
		last = due
		time.Sleep(time.Until(due))
		for {
			st, _, healed := l.get()
			if !st.Partition {
				break
			}
			<-healed
		}
		if _, err := dst.Write(ch.data); err != nil {
			r.close()
			return
		}
	}
	// src closed: half-close dst so the peer sees EOF.
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		r.close()
	}
}

func (l *Link) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /state", func(w http.ResponseWriter, req *http.Request) {
		var s State
		if err := json.NewDecoder(req.Body).Decode(&s); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		l.Set(s)
		slog.Info("link state", "delay", s.Delay, "jitter", s.Jitter, "partition", s.Partition)
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, req *http.Request) {
		st, _, _ := l.get()
		_ = json.NewEncoder(w).Encode(st)
	})
	return mux
}

// parseRoutes reads "port=host:port,..." into listen address -> target.
func parseRoutes(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		port, target, ok := strings.Cut(part, "=")
		if !ok || port == "" || target == "" {
			return nil, fmt.Errorf("bad route %q: want port=host:port", part)
		}
		if _, _, err := net.SplitHostPort(target); err != nil {
			return nil, fmt.Errorf("bad route %q: %w", part, err)
		}
		out[":"+port] = target
	}
	if len(out) == 0 {
		return nil, errors.New("LINK_ROUTES is empty")
	}
	return out, nil
}

func serve() error {
	routes, err := parseRoutes(os.Getenv("LINK_ROUTES"))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	l := NewLink()
	errc := make(chan error, len(routes)+1)
	for addr, target := range routes {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", addr, err)
		}
		go func() { errc <- l.Serve(ctx, ln, target) }()
	}
	cl, err := net.Listen("tcp", controlAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", controlAddr, err)
	}
	srv := &http.Server{Handler: l.control(), ReadHeaderTimeout: 2 * time.Second}
	go func() { errc <- srv.Serve(cl) }()
	// The driver waits for this line: every listener is bound.
	fmt.Fprintln(os.Stderr, "linkd: listening")
	select {
	case <-ctx.Done():
		_ = srv.Close()
		return nil
	case err := <-errc:
		return err
	}
}
