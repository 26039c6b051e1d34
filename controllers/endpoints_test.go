package controllers

import "testing"

func TestEndpointPolicy(t *testing.T) {
	def := EndpointPolicy{}
	for host, want := range map[string]bool{
		"oss-cn-hangzhou.aliyuncs.com":          true,
		"oss-cn-hangzhou-internal.aliyuncs.com": true,
		"OSS-CN-HANGZHOU.ALIYUNCS.COM:443":      true,
		"oss-accelerate.aliyuncs.com":           true,
		"oss-accelerate-overseas.aliyuncs.com":  true,
		"cn-hangzhou.oss.aliyuncs.com":          true,
		"oss.evil.example.aliyuncs.com":         false, // "*" stays within one label
		"oss-cn-hangzhou.aliyuncs.com.evil.com": false,
		"evil-oss-cn-hangzhou.aliyuncs.com":     false,
		"100.100.100.200":                       false, // the metadata service
		"169.254.169.254:80":                    false,
		"kubernetes.default.svc":                false,
		"127.0.0.1:9000":                        false,
		"":                                      false,
	} {
		if got := def.Allows(host); got != want {
			t.Errorf("default policy allows %q = %v, want %v", host, got, want)
		}
	}

	p, err := NewEndpointPolicy([]string{"127.0.0.1", "oss.example.com:8443"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"127.0.0.1:9000":       true,
		"127.0.0.1":            true,
		"127.0.0.2:9000":       false,
		"oss.example.com:8443": true,
		"oss.example.com:443":  false,
		"oss.example.com":      false,
	} {
		if got := p.Allows(host); got != want {
			t.Errorf("%s allows %q = %v, want %v", p, host, got, want)
		}
	}

	for _, bad := range [][]string{nil, {"*"}, {"*:443"}, {"https://oss.example.com"}, {"oss.example.com/path"}, {"a..b"}, {" "}} {
		if _, err := NewEndpointPolicy(bad); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
}
