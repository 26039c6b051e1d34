package controllers

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"strings"
)

// DefaultAllowedEndpoints are Alibaba Cloud's OSS endpoints, of every region: public and internal
// (oss-<region>.aliyuncs.com, oss-<region>-internal.aliyuncs.com), acceleration
// (oss-accelerate.aliyuncs.com, oss-accelerate-overseas.aliyuncs.com) and dual-stack
// (<region>.oss.aliyuncs.com).
var DefaultAllowedEndpoints = []string{"oss-*.aliyuncs.com", "*.oss.aliyuncs.com"}

// EndpointPolicy says which hosts an AccessKey may name as its endpoint. The operator's, not the
// tenant's: an endpoint a tenant chooses sees the operator's signed requests, and could answer for
// another tenant's bucket or reach addresses inside the cluster. The zero value allows
// DefaultAllowedEndpoints.
type EndpointPolicy struct {
	patterns []string
}

// patternRE is a host pattern: DNS labels (or an IP address) of letters, digits, "-" and "*", where "*"
// stands for any part of one label, with an optional port.
var patternRE = regexp.MustCompile(`^[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?(\.[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?)*(:[0-9]{1,5})?$`)

// NewEndpointPolicy checks the host patterns, such as "oss-*.aliyuncs.com" or "127.0.0.1:9000". "*"
// matches within one label only: "oss-*.aliyuncs.com" allows oss-cn-hangzhou.aliyuncs.com, not
// oss.evil.example.aliyuncs.com. A pattern without a port allows any port.
func NewEndpointPolicy(patterns []string) (EndpointPolicy, error) {
	if len(patterns) == 0 {
		return EndpointPolicy{}, fmt.Errorf("no endpoint pattern")
	}
	p := EndpointPolicy{}
	for _, pat := range patterns {
		pat = strings.ToLower(strings.TrimSpace(pat))
		if !patternRE.MatchString(pat) || pat == "*" || strings.HasPrefix(pat, "*:") {
			return EndpointPolicy{}, fmt.Errorf("%q is not a host pattern (DNS labels or an IP address, \"*\" within a label, an optional :port; \"*\" alone would allow every host)", pat)
		}
		p.patterns = append(p.patterns, pat)
	}
	return p, nil
}

func (p EndpointPolicy) list() []string {
	if len(p.patterns) == 0 {
		return DefaultAllowedEndpoints
	}
	return p.patterns
}

// String lists the patterns, as --allowed-endpoints takes them.
func (p EndpointPolicy) String() string { return strings.Join(p.list(), ",") }

// Allows reports whether host[:port] matches a pattern.
func (p EndpointPolicy) Allows(hostport string) bool {
	host, port := strings.ToLower(hostport), ""
	if h, pt, err := net.SplitHostPort(host); err == nil {
		host, port = h, pt
	}
	for _, pat := range p.list() {
		patHost, patPort := pat, ""
		if h, pt, err := net.SplitHostPort(pat); err == nil {
			patHost, patPort = h, pt
		}
		if patPort != "" && patPort != port {
			continue
		}
		if matchLabels(patHost, host) {
			return true
		}
	}
	return false
}

// matchLabels matches a host label by label, "*" never crossing a dot.
func matchLabels(pattern, host string) bool {
	pl, hl := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if ok, err := path.Match(pl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return true
}
