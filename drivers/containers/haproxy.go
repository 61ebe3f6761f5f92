package containers

import (
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/experiments"
)

// rateLimitPerClient is the request rate (per 10 s) above which
// ddos_protection = "rate_limit" turns a client address away. A pupil's
// browser stays far below it; a bot hammering the login page does not.
const rateLimitPerClient = 100

// restrictedPage is what admission control answers, in the words the
// regional ENTs used on 6 April 2021.
const restrictedPage = `<!doctype html><meta charset="utf-8"><title>ENT</title>` +
	`<p>En raison d'un très grand nombre de connexions, l'accès à l'ENT est temporairement restreint. Merci de réessayer plus tard.</p>`

type haproxyParams struct {
	Servers []string // app server names, resolved through Docker's DNS
	// AdmitRate is admission control's threshold in requests per second
	// (max_sessions users' requests, mapped to the real stack); 0: none.
	AdmitRate  int
	Protection experiments.DDoSProtection
	RatePerIP  int
	// QueueTimeout (queue_timeout) bounds how long a request waits at the
	// edge for a worker, Workers being each server's pool: the edge then
	// holds the queue, and turns away with 503 what waited that long.
	// Without it the edge passes every request on and the app servers'
	// pools queue them without bound.
	QueueTimeout time.Duration
	Workers      int
}

// haproxyConfig writes the edge's configuration. Servers that do not exist
// yet (those a restore would start) are declared anyway: HAProxy resolves
// them at run time through Docker's DNS and health-checks them in when
// they appear.
func (p haproxyParams) config() string {
	var b strings.Builder
	b.WriteString(`global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 5s
  timeout queue 2s
  timeout http-request 5s
  timeout check 2s
  retries 1
  option redispatch
resolvers docker
  nameserver dns 127.0.0.11:53
  resolve_retries 2
  timeout resolve 500ms
  timeout retry 500ms
  hold valid 1s
  hold other 1s
  hold refused 1s
  hold nx 1s
  hold timeout 1s
  hold obsolete 1s
frontend ent
  bind :8080
  maxconn 3000
`)
	// Clients are told apart by X-Forwarded-For: every generated request
	// comes from 127.0.0.1, and the load generator sets the address of the
	// user or bot it plays, as a CDN in front would.
	switch p.Protection {
	case experiments.DDoSRateLimit:
		fmt.Fprintf(&b, "  http-request track-sc0 req.hdr_ip(x-forwarded-for,-1) table rates\n")
		fmt.Fprintf(&b, "  http-request deny deny_status 429 if { sc_http_req_rate(0) gt %d }\n", p.RatePerIP)
	case experiments.DDoSScrubbing:
		// A scrubbing centre drops what it recognises as attack traffic
		// before it reaches the site: the flood generator marks its bots
		// the way a signature would match them.
		b.WriteString("  http-request deny deny_status 403 if { req.hdr(x-firedrill-bot) -m found }\n")
		fmt.Fprintf(&b, "  http-request track-sc0 req.hdr_ip(x-forwarded-for,-1) table rates\n")
		fmt.Fprintf(&b, "  http-request deny deny_status 429 if { sc_http_req_rate(0) gt %d }\n", p.RatePerIP)
	}
	if p.AdmitRate > 0 {
		// Admission control counts the requests it lets in over the last
		// second and turns the rest away with the page users saw: those
		// admitted are served, as max_sessions says.
		b.WriteString("  http-request track-sc1 str(all) table admitted\n")
		fmt.Fprintf(&b, "  http-request return status 503 content-type \"text/html; charset=utf-8\" string %q if { sc_gpc0_rate(1) ge %d }\n", restrictedPage, p.AdmitRate)
		b.WriteString("  http-request sc-inc-gpc0(1)\n")
	}
	b.WriteString(`  default_backend apps
backend apps
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 resolvers docker init-addr none
`)
	maxconn := ""
	if p.QueueTimeout > 0 && p.Workers > 0 {
		fmt.Fprintf(&b, "  timeout queue %dms\n", p.QueueTimeout.Milliseconds())
		maxconn = fmt.Sprintf(" maxconn %d", p.Workers)
	}
	for i, s := range p.Servers {
		fmt.Fprintf(&b, "  server s%d %s:%d check%s\n", i+1, s, appPort, maxconn)
	}
	b.WriteString("backend rates\n  stick-table type ip size 200k expire 30s store http_req_rate(10s)\n")
	if p.AdmitRate > 0 {
		b.WriteString("backend admitted\n  stick-table type string size 1 expire 30s store gpc0_rate(1s)\n")
	}
	return b.String()
}
