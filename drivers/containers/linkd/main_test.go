package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// echo starts a TCP echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func startLink(t *testing.T) (*Link, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l := NewLink()
	go func() { _ = l.Serve(ctx, ln, echo(t)) }()
	return l, ln.Addr().String()
}

// roundTrip sends a line through the link and times the echo.
func roundTrip(c net.Conn, r *bufio.Reader, timeout time.Duration) (time.Duration, error) {
	_ = c.SetDeadline(time.Now().Add(timeout))
	t := time.Now()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	if _, err := r.ReadString('\n'); err != nil {
		return 0, err
	}
	return time.Since(t), nil
}

func TestLinkDelay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		delay    time.Duration
		min, max time.Duration
	}{
		{"no delay", 0, 0, 40 * time.Millisecond},
		{"50ms each way", 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, addr := startLink(t)
			l.Set(State{Delay: tc.delay})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rt, err := roundTrip(c, bufio.NewReader(c), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if rt < tc.min || rt > tc.max {
				t.Errorf("round trip %s, want within [%s, %s]", rt, tc.min, tc.max)
			}
		})
	}
}

func TestLinkPartitionBlackHolesThenResets(t *testing.T) {
	l, addr := startLink(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := roundTrip(c, r, time.Second); err != nil {
		t.Fatalf("before the partition: %v", err)
	}
	l.Set(State{Partition: true})
	if _, err := roundTrip(c, r, 300*time.Millisecond); err == nil {
		t.Fatal("a round trip crossed a partitioned link")
	}
	l.Set(State{})
	// The old connection is reset; a new one works.
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Error("a connection that lived through the partition was not reset")
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := roundTrip(c2, bufio.NewReader(c2), time.Second); err != nil {
		t.Errorf("after healing: %v", err)
	}
}

func TestParseRoutes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"20001=pg-a:5432,20002=pg-b:5432", 2, false},
		{"", 0, true},
		{"20001", 0, true},
		{"20001=pg-a", 0, true},
	} {
		got, err := parseRoutes(tc.in)
		if (err != nil) != tc.wantErr || len(got) != tc.want {
			t.Errorf("parseRoutes(%q) = %v, %v; want %d routes, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
