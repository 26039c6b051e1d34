package osstest_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

var signatureVersions = []ossapi.SignatureVersion{ossapi.SignatureV4, ossapi.SignatureV1}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	expired := osstest.Key{AccessKeyID: "STS.expired", AccessKeySecret: "s", SecurityToken: "tok",
		Expiration: time.Now().Add(-time.Minute)}
	live := osstest.Key{AccessKeyID: "STS.live", AccessKeySecret: "s", SecurityToken: "tok", Expiration: time.Now().Add(time.Hour)}
	srv := newServer(t, osstest.WithAccount(osstest.Account{ID: "1000000000000003", Keys: []osstest.Key{expired, live}}))
	cases := []struct {
		name   string
		key    osstest.Key
		status int
		code   string
	}{
		{"unknown key", osstest.Key{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, http.StatusForbidden, ossapi.CodeInvalidAccessKeyID},
		{"wrong secret", osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong"}, http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch},
		{"STS key without token", osstest.Key{AccessKeyID: aliceSTS.AccessKeyID, AccessKeySecret: aliceSTS.AccessKeySecret}, http.StatusForbidden, ossapi.CodeInvalidSecurityToken},
		{"STS key with wrong token", osstest.Key{AccessKeyID: aliceSTS.AccessKeyID, AccessKeySecret: aliceSTS.AccessKeySecret, SecurityToken: "other"}, http.StatusForbidden, ossapi.CodeInvalidSecurityToken},
		{"token with a long-term key", osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: aliceKey.AccessKeySecret, SecurityToken: "tok"}, http.StatusForbidden, ossapi.CodeInvalidSecurityToken},
		{"expired STS key", expired, http.StatusForbidden, ossapi.CodeSecurityTokenExpired},
		{"STS key before expiry", live, 0, ""},
	}
	for _, tc := range cases {
		for _, sv := range signatureVersions {
			t.Run(tc.name+"/"+string(sv), func(t *testing.T) {
				t.Parallel()
				c := newClient(t, srv.URL, tc.key, sv)
				_, err := c.ListBuckets(context.Background(), &ossapi.ListBucketsRequest{})
				if tc.code == "" {
					must(t, err)
					return
				}
				e := wantCode(t, err, tc.status, tc.code)
				if tc.code == ossapi.CodeInvalidAccessKeyID && e.EC != "0002-00000902" {
					t.Errorf("EC = %q", e.EC)
				}
			})
		}
	}
}

func TestSignatureDoesNotMatchBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	wrong := osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "not-the-secret"}
	for _, v1 := range []bool{false, true} {
		name := map[bool]string{false: "V4", true: "V1"}[v1]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := url.Values{"acl": {""}, "prefix": {"a b"}}
			header := http.Header{"Content-Type": {"application/xml"}, "X-Oss-Meta-Author": {"alice"}}
			// Sign the same request the way the sender does, to know the string to sign.
			sreq := &signer.Request{Method: http.MethodGet, Bucket: "some-bucket", Query: cloneValues(q), Header: header.Clone()}
			c := signer.Credentials{AccessKeyID: wrong.AccessKeyID, AccessKeySecret: wrong.AccessKeySecret}
			now := time.Now()
			var want string
			if v1 {
				want = signer.SignV1(sreq, c, now)
			} else {
				want = signer.SignV4(sreq, c, signer.Scope{Region: region}, now, nil)
			}
			resp, body := rawRequest{method: http.MethodGet, bucket: "some-bucket", query: q, header: header}.send(t, srv, wrong, v1, now)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			d := parseError(t, body)
			if d.Code != ossapi.CodeSignatureDoesNotMatch || d.EC != "0002-00000040" || resp.Header.Get("x-oss-ec") != "0002-00000040" {
				t.Fatalf("error = %+v", d)
			}
			if d.StringToSign != want {
				t.Errorf("StringToSign = %q, want %q", d.StringToSign, want)
			}
			if got, _ := hex.DecodeString(strings.ReplaceAll(d.StringToSignBytes, " ", "")); string(got) != want {
				t.Errorf("StringToSignBytes = %q", d.StringToSignBytes)
			}
			if d.OSSAccessKeyID != wrong.AccessKeyID || d.SignatureProvided == "" || d.RequestID != resp.Header.Get("x-oss-request-id") {
				t.Errorf("error = %+v", d)
			}
			if strings.Contains(string(body), aliceKey.AccessKeySecret) || strings.Contains(string(body), wrong.AccessKeySecret) {
				t.Error("the error body leaks a secret")
			}
		})
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func TestClockSkew(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cases := []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"16 minutes behind", -16 * time.Minute, false},
		{"16 minutes ahead", 16 * time.Minute, false},
		{"14 minutes behind", -14 * time.Minute, true},
		{"14 minutes ahead", 14 * time.Minute, true},
	}
	for _, tc := range cases {
		for _, sv := range signatureVersions {
			t.Run(tc.name+"/"+string(sv), func(t *testing.T) {
				t.Parallel()
				now := func() time.Time { return time.Now().Add(tc.offset) }
				c := newClient(t, srv.URL, aliceKey, sv, func(cfg *ossapi.Config) { cfg.Now = now })
				_, err := c.ListBuckets(context.Background(), &ossapi.ListBucketsRequest{})
				if tc.ok {
					must(t, err)
					return
				}
				wantCode(t, err, http.StatusForbidden, ossapi.CodeRequestTimeTooSkewed)
				// With a retry allowed, the client learns the offset from the error's Date header.
				c = newClient(t, srv.URL, aliceKey, sv, func(cfg *ossapi.Config) { cfg.Now = now; cfg.Retry.MaxAttempts = 2 })
				_, err = c.ListBuckets(context.Background(), &ossapi.ListBucketsRequest{})
				must(t, err)
			})
		}
	}
}

func TestServerClock(t *testing.T) {
	t.Parallel()
	serverNow := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := newServer(t, osstest.WithClock(func() time.Time { return serverNow }))
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	_, err := c.ListBuckets(context.Background(), &ossapi.ListBucketsRequest{})
	e := wantCode(t, err, http.StatusForbidden, ossapi.CodeRequestTimeTooSkewed)
	if e.EC != "0002-00000504" {
		t.Errorf("EC = %q", e.EC)
	}
	c = newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Now = func() time.Time { return serverNow } })
	must(t, c.PutBucket(context.Background(), &ossapi.PutBucketRequest{Bucket: "clocked"}))
	b, _ := srv.Bucket("clocked")
	if !b.CreationDate.Equal(serverNow) {
		t.Errorf("CreationDate = %v, want the server clock %v", b.CreationDate, serverNow)
	}
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	now := time.Now()
	cases := []struct {
		name   string
		header http.Header
		status int
		code   string
	}{
		{"anonymous", http.Header{}, http.StatusForbidden, ossapi.CodeAccessDenied},
		{"unknown scheme", http.Header{"Authorization": {"AWS abc:def"}}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"V1 without colon", http.Header{"Authorization": {"OSS abcdef"}, "Date": {now.UTC().Format(http.TimeFormat)}}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"V4 without credential", http.Header{"Authorization": {"OSS4-HMAC-SHA256 Signature=abc"}}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"V1 without Date", http.Header{"Authorization": {"OSS " + aliceKey.AccessKeyID + ":abc"}}, http.StatusForbidden, ossapi.CodeAccessDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest{method: http.MethodGet, header: tc.header}.do(t, srv)
			d := parseError(t, body)
			if resp.StatusCode != tc.status || d.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", resp.StatusCode, d.Code, d.Message, tc.status, tc.code)
			}
		})
	}
	t.Run("x-oss-content-sha256 other than UNSIGNED-PAYLOAD", func(t *testing.T) {
		t.Parallel()
		h := http.Header{signer.HeaderContentSHA256: {strings.Repeat("0", 64)}}
		sreq := &signer.Request{Method: http.MethodGet, Query: url.Values{}, Header: h}
		signer.SignV4(sreq, signer.Credentials{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: aliceKey.AccessKeySecret}, signer.Scope{Region: region}, now, nil)
		h.Set(signer.HeaderContentSHA256, strings.Repeat("0", 64)) // SignV4 set UNSIGNED-PAYLOAD
		resp, body := rawRequest{method: http.MethodGet, header: h}.do(t, srv)
		if d := parseError(t, body); resp.StatusCode != http.StatusBadRequest || d.Code != ossapi.CodeInvalidArgument || d.EC != "0002-00000214" {
			t.Fatalf("got %d %+v", resp.StatusCode, d)
		}
	})
	t.Run("V4 scoped to another region", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Region = "cn-shanghai" })
		_, err := c.ListBuckets(context.Background(), &ossapi.ListBucketsRequest{})
		e := wantCode(t, err, http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch)
		if !strings.Contains(e.Message, "cn-shanghai") {
			t.Errorf("message %q does not name the region", e.Message)
		}
	})
}

func TestV4Variants(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	now := time.Now().UTC()
	t.Run("SDKv1 style: no x-oss-date, Date on line 2", func(t *testing.T) {
		t.Parallel()
		h := http.Header{"Date": {now.Format(http.TimeFormat)}, "Content-Type": {"text/plain"}}
		sreq := &signer.Request{Method: http.MethodGet, Query: url.Values{}, Header: h}
		scope := signer.Scope{Region: region}
		date := now.Format("20060102")
		sts := signer.V4StringToSign(h.Get("Date"), scope.String(date), signer.V4CanonicalRequest(sreq, nil))
		sig := signer.V4Signature(signer.V4SigningKey(aliceKey.AccessKeySecret, date, scope), sts)
		h.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+aliceKey.AccessKeyID+"/"+scope.String(date)+", Signature="+sig)
		resp, body := rawRequest{method: http.MethodGet, header: h}.do(t, srv)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	})
	t.Run("additional headers", func(t *testing.T) {
		t.Parallel()
		h := http.Header{"X-Extra": {"1"}}
		u, _ := url.Parse(srv.URL)
		h.Set("Host", u.Host)
		sreq := &signer.Request{Method: http.MethodGet, Query: url.Values{"max-keys": {"5"}}, Header: h}
		signer.SignV4(sreq, signer.Credentials{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: aliceKey.AccessKeySecret},
			signer.Scope{Region: region}, now, []string{"host", "x-extra"})
		if !strings.Contains(h.Get("Authorization"), "AdditionalHeaders=host;x-extra") {
			t.Fatalf("Authorization = %q", h.Get("Authorization"))
		}
		h.Del("Host")
		resp, body := rawRequest{method: http.MethodGet, query: url.Values{"max-keys": {"5"}}, header: h}.do(t, srv)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	})
}

func TestPresignedURLs(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := context.Background()
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "presigned"}))
	_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "presigned", Key: "dir/a+b c.txt", Body: []byte("content")})
	must(t, err)

	presign := func(k osstest.Key, v1 bool, signedAt, expires time.Time) string {
		sreq := &signer.Request{Method: http.MethodGet, Bucket: "presigned", Key: "dir/a+b c.txt", Query: url.Values{}, Header: http.Header{}}
		cr := signer.Credentials{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret, SecurityToken: k.SecurityToken}
		if v1 {
			signer.PresignV1(sreq, cr, expires)
		} else {
			signer.PresignV4(sreq, cr, signer.Scope{Region: region}, signedAt, expires, nil)
		}
		return c.URL("presigned", "dir/a+b c.txt", sreq.Query).String()
	}
	now := time.Now()
	cases := []struct {
		name     string
		key      osstest.Key
		v1       bool
		signedAt time.Time
		expires  time.Time
		status   int
		code     string
		message  string
	}{
		{"V1", aliceKey, true, now, now.Add(time.Minute), http.StatusOK, "", ""},
		{"V4", aliceKey, false, now, now.Add(time.Minute), http.StatusOK, "", ""},
		{"V1 STS", aliceSTS, true, now, now.Add(time.Minute), http.StatusOK, "", ""},
		{"V4 STS", aliceSTS, false, now, now.Add(time.Minute), http.StatusOK, "", ""},
		{"V1 expired", aliceKey, true, now.Add(-time.Hour), now.Add(-time.Second), http.StatusForbidden, ossapi.CodeAccessDenied, "Request has expired."},
		{"V4 expired", aliceKey, false, now.Add(-time.Hour), now.Add(-time.Second), http.StatusForbidden, ossapi.CodeAccessDenied, "Request has expired."},
		{"V1 signed an hour ago, still valid", aliceKey, true, now.Add(-time.Hour), now.Add(time.Minute), http.StatusOK, "", ""},
		{"V4 signed an hour ago, still valid", aliceKey, false, now.Add(-time.Hour), now.Add(time.Minute), http.StatusOK, "", ""},
		{"V1 wrong secret", osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "x"}, true, now, now.Add(time.Minute), http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch, ""},
		{"V4 wrong secret", osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "x"}, false, now, now.Add(time.Minute), http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch, ""},
		{"V4 STS without token", osstest.Key{AccessKeyID: aliceSTS.AccessKeyID, AccessKeySecret: aliceSTS.AccessKeySecret}, false, now, now.Add(time.Minute), http.StatusForbidden, ossapi.CodeInvalidSecurityToken, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(presign(tc.key, tc.v1, tc.signedAt, tc.expires))
			must(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.code == "" {
				if string(body) != "content" {
					t.Fatalf("body %q", body)
				}
				return
			}
			if d := parseError(t, body); d.Code != tc.code || (tc.message != "" && d.Message != tc.message) {
				t.Fatalf("error %+v", d)
			}
		})
	}
	t.Run("V4 tampered", func(t *testing.T) {
		t.Parallel()
		u := presign(aliceKey, false, now, now.Add(time.Minute))
		resp, err := http.Get(strings.Replace(u, "x-oss-expires=60", "x-oss-expires=600", 1))
		must(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if d := parseError(t, body); d.Code != ossapi.CodeSignatureDoesNotMatch {
			t.Fatalf("error %+v", d)
		}
	})
}

func TestVirtualHostedAddressing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, osstest.WithEndpointHost("oss-emulator.example"))
	ctx := context.Background()
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "vhost"}))
	u, _ := url.Parse(srv.URL)
	hosts := []string{"vhost." + u.Host, "vhost.oss-cn-hangzhou.aliyuncs.com", "vhost.localhost", "vhost.oss-emulator.example"}
	for _, host := range hosts {
		for _, v1 := range []bool{false, true} {
			t.Run(host+map[bool]string{false: "/V4", true: "/V1"}[v1], func(t *testing.T) {
				t.Parallel()
				resp, body := rawRequest{method: http.MethodGet, bucket: "vhost", query: url.Values{"location": {""}}, host: host}.
					send(t, srv, aliceKey, v1, time.Now())
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "oss-cn-hangzhou") {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				resp, body = rawRequest{method: http.MethodPut, bucket: "vhost", key: "k/" + host, body: []byte("x"), host: host}.
					send(t, srv, aliceKey, v1, time.Now())
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("PutObject status %d: %s", resp.StatusCode, body)
				}
			})
		}
	}
	t.Run("service host lists buckets", func(t *testing.T) {
		t.Parallel()
		resp, body := rawRequest{method: http.MethodGet, host: "oss-cn-hangzhou.aliyuncs.com"}.send(t, srv, aliceKey, false, time.Now())
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Name>vhost</Name>") {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	})
}

func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, osstest.WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
	ids := map[string]bool{}
	for _, key := range []osstest.Key{aliceKey, {AccessKeyID: "nobody", AccessKeySecret: "x"}} {
		resp, _ := rawRequest{method: http.MethodGet}.send(t, srv, key, false, time.Now().Add(time.Hour))
		id := resp.Header.Get("x-oss-request-id")
		if len(id) != 24 || ids[id] {
			t.Errorf("x-oss-request-id %q is not a new 24-digit hex ID", id)
		}
		ids[id] = true
		if resp.Header.Get("Server") != "AliyunOSS" {
			t.Errorf("Server = %q", resp.Header.Get("Server"))
		}
		d, err := http.ParseTime(resp.Header.Get("Date"))
		if err != nil || d.Sub(time.Now().Add(time.Hour)).Abs() > time.Minute {
			t.Errorf("Date = %q is not the server clock", resp.Header.Get("Date"))
		}
	}
}

func TestHeadErrorInHeader(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(context.Background(), &ossapi.PutBucketRequest{Bucket: "head-errors"}))
	resp, body := rawRequest{method: http.MethodHead, bucket: "head-errors", key: "missing"}.send(t, srv, aliceKey, false, time.Now())
	if resp.StatusCode != http.StatusNotFound || len(body) != 0 {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
	xmlDoc, err := base64.StdEncoding.DecodeString(resp.Header.Get("x-oss-err"))
	must(t, err)
	if d := parseError(t, xmlDoc); d.Code != ossapi.CodeNoSuchKey || resp.Header.Get("x-oss-ec") != "0026-00000001" {
		t.Fatalf("x-oss-err = %s", xmlDoc)
	}
}
