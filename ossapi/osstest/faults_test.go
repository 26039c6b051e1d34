package osstest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	getInfo := func(c *ossapi.Client) error { _, err := c.GetBucketInfo(ctx, "faulty"); return err }
	cases := []struct {
		name     string
		fault    osstest.Fault
		attempts int                           // client attempts
		check    func(t *testing.T, err error) // on the GetBucketInfo error
		calls    int                           // GetBucketInfo calls seen by the server
	}{
		{"status and code", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 503, Code: "TotalQpsLimitExceeded", Message: "slow down"}, 1,
			func(t *testing.T, err error) {
				e := wantCode(t, err, http.StatusServiceUnavailable, "TotalQpsLimitExceeded")
				if e.Message != "slow down" {
					t.Errorf("message %q", e.Message)
				}
			}, 1},
		{"default code", osstest.Fault{Status: 500}, 1,
			func(t *testing.T, err error) {
				wantCode(t, err, http.StatusInternalServerError, ossapi.CodeInternalError)
			}, 1},
		{"other operation", osstest.Fault{Operation: ossapi.OpPutBucket, Status: 500}, 1,
			func(t *testing.T, err error) { must(t, err) }, 1},
		{"other account", osstest.Fault{AccountID: bob.ID, Status: 500}, 1,
			func(t *testing.T, err error) { must(t, err) }, 1},
		{"this account", osstest.Fault{AccountID: alice.ID, Status: 500}, 1,
			func(t *testing.T, err error) {
				wantCode(t, err, http.StatusInternalServerError, ossapi.CodeInternalError)
			}, 1},
		{"count: retried past two faults", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 503, Count: 2}, 3,
			func(t *testing.T, err error) { must(t, err) }, 3},
		{"count: more faults than attempts", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 503, Count: 3}, 3,
			func(t *testing.T, err error) {
				wantCode(t, err, http.StatusServiceUnavailable, ossapi.CodeServiceUnavailable)
			}, 3},
		{"4xx is never retried", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 400, Code: ossapi.CodeInvalidArgument}, 3,
			func(t *testing.T, err error) {
				wantCode(t, err, http.StatusBadRequest, ossapi.CodeInvalidArgument)
			}, 1},
		{"403 is never retried", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 403, Code: ossapi.CodeAccessDenied}, 3,
			func(t *testing.T, err error) {
				wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
			}, 1},
		{"reset", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Reset: true}, 1,
			func(t *testing.T, err error) {
				var te *ossapi.TransportError
				if !errors.As(err, &te) {
					t.Fatalf("got %v, want a transport error", err)
				}
			}, 1},
		{"reset once, then retried", osstest.Fault{Reset: true, Count: 1}, 2,
			func(t *testing.T, err error) { must(t, err) }, 2},
		{"HTML body", osstest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"}, 1,
			func(t *testing.T, err error) {
				e := wantCodeNoID(t, err, http.StatusBadGateway, "HTTP502")
				if e.Message == "" {
					t.Error("no message about the body")
				}
			}, 1},
		{"truncated XML with 200", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Body: "<BucketInfo><Bucket><Name>fau"}, 1,
			func(t *testing.T, err error) {
				var de *ossapi.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("got %v, want a decode error", err)
				}
			}, 1},
		{"delay only", osstest.Fault{Delay: 20 * time.Millisecond}, 1,
			func(t *testing.T, err error) { must(t, err) }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Retry.MaxAttempts = tc.attempts })
			// Seeded, not put: Go's transport silently resends a GET whose reused connection is reset,
			// which would count twice.
			must(t, srv.CreateBucket(alice.ID, "faulty", ""))
			srv.InjectFault(tc.fault)
			start := time.Now()
			tc.check(t, getInfo(c))
			if got := srv.Calls(ossapi.OpGetBucketInfo); got != tc.calls {
				t.Errorf("GetBucketInfo calls = %d, want %d", got, tc.calls)
			}
			if time.Since(start) < tc.fault.Delay {
				t.Errorf("answered in %v, before the %v delay", time.Since(start), tc.fault.Delay)
			}
		})
	}
}

// AnswerTime makes a call take that long, the emulator's own work included: the operation runs at
// once (what it stores is there before the answer comes), a delay is counted in, not added, and an
// error waits as an answer does.
func TestAnswerTime(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, srv.CreateBucket(alice.ID, "timed", ""))
	const answerTime = 400 * time.Millisecond
	srv.InjectFault(osstest.Fault{AnswerTime: answerTime})

	start := time.Now()
	done := make(chan error)
	go func() {
		_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "timed", Key: "k", Body: []byte("v")})
		done <- err
	}()
	stored := false
	for waiting := true; waiting; {
		select {
		case err := <-done:
			must(t, err)
			waiting = false
		case <-time.After(5 * time.Millisecond):
			b, _ := srv.Bucket("timed")
			stored = stored || len(b.Objects) == 1
		}
	}
	if took := time.Since(start); took < answerTime || !stored {
		t.Errorf("PutObject answered after %v (want %v at least), stored before the answer: %t", took, answerTime, stored)
	}

	// A delay of half the answer time is part of it.
	srv.InjectFault(osstest.Fault{Delay: answerTime / 2})
	start = time.Now()
	_, err := c.GetBucketInfo(ctx, "timed")
	must(t, err)
	if took := time.Since(start); took < answerTime || took >= answerTime*3/2-answerTime/8 {
		t.Errorf("with a delay of %v: answered after %v, want %v (not the sum)", answerTime/2, took, answerTime)
	}
	srv.ClearFaults()
	srv.InjectFault(osstest.Fault{AnswerTime: answerTime})
	start = time.Now()
	_, err = c.GetBucketInfo(ctx, "missing")
	wantCode(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
	if took := time.Since(start); took < answerTime {
		t.Errorf("an error answered after %v, want %v", took, answerTime)
	}
}

// wantCodeNoID is wantCode for answers that did not come from OSS (no request ID in the body).
func wantCodeNoID(t *testing.T, err error, status int, code string) *ossapi.Error {
	t.Helper()
	e, ok := ossapi.AsError(err)
	if !ok || e.StatusCode != status || e.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
	return e
}

func TestFaultControls(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV1)
	list := func() error { _, err := c.ListBuckets(ctx, &ossapi.ListBucketsRequest{}); return err }

	remove := srv.InjectFault(osstest.Fault{Operation: ossapi.OpListBuckets, Status: 503})
	wantCode(t, list(), http.StatusServiceUnavailable, ossapi.CodeServiceUnavailable)
	remove()
	must(t, list())

	srv.InjectFault(osstest.Fault{Status: 500})
	srv.InjectFault(osstest.Fault{Status: 503})
	wantCode(t, list(), http.StatusInternalServerError, ossapi.CodeInternalError) // the first injected wins
	srv.ClearFaults()
	must(t, list())

	// Skip: the first request passes, the next two fail, then none.
	srv.InjectFault(osstest.Fault{Operation: ossapi.OpListBuckets, Status: 503, Skip: 1, Count: 2})
	must(t, list())
	wantCode(t, list(), http.StatusServiceUnavailable, ossapi.CodeServiceUnavailable)
	wantCode(t, list(), http.StatusServiceUnavailable, ossapi.CodeServiceUnavailable)
	must(t, list())
	srv.ClearFaults()

	// Probability: about half of 400 requests fail, deterministically for a given sequence.
	srv.InjectFault(osstest.Fault{Operation: ossapi.OpListBuckets, Status: 503, Probability: 0.5})
	failed := 0
	for range 400 {
		if list() != nil {
			failed++
		}
	}
	if failed < 140 || failed > 260 {
		t.Errorf("%d of 400 requests failed with probability 0.5", failed)
	}
	srv.ClearFaults()

	// A delay longer than the caller waits: the caller gives up, the emulator does not hang.
	srv.InjectFault(osstest.Fault{Delay: time.Minute})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := c.ListBuckets(short, &ossapi.ListBucketsRequest{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the caller's deadline", err)
	}
	srv.ClearFaults()

	// Faults apply after authentication: a bad signature is still a bad signature.
	srv.InjectFault(osstest.Fault{Status: 503})
	bad := newClient(t, srv.URL, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong"}, ossapi.SignatureV4)
	_, err = bad.ListBuckets(ctx, &ossapi.ListBucketsRequest{})
	wantCode(t, err, http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch)
}

func TestCounters(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	b := newClient(t, srv.URL, bobKey, ossapi.SignatureV1)
	nobody := newClient(t, srv.URL, osstest.Key{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, ossapi.SignatureV4)
	wrong := newClient(t, srv.URL, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "x"}, ossapi.SignatureV4)

	must(t, a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "counted"}))
	must(t, b.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "counted-too"}))
	_ = b.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "counted"})     // 409, counted
	_ = wrong.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "counted"}) // bad signature, counted for alice
	_ = nobody.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "counted"})
	_, _ = a.GetBucketInfo(ctx, "counted")

	checks := []struct {
		account, op string
		want        int
	}{
		{alice.ID, ossapi.OpPutBucket, 2},
		{bob.ID, ossapi.OpPutBucket, 2},
		{"", ossapi.OpPutBucket, 1},
		{alice.ID, ossapi.OpGetBucketInfo, 1},
		{bob.ID, ossapi.OpGetBucketInfo, 0},
	}
	for _, c := range checks {
		if got := srv.CallsBy(c.account, c.op); got != c.want {
			t.Errorf("CallsBy(%q, %s) = %d, want %d", c.account, c.op, got, c.want)
		}
	}
	if got := srv.Calls(ossapi.OpPutBucket); got != 5 {
		t.Errorf("Calls(PutBucket) = %d, want 5", got)
	}
	want := map[string]int{ossapi.OpPutBucket: 5, ossapi.OpGetBucketInfo: 1}
	got := srv.CallCounts()
	if len(got) != len(want) || got[ossapi.OpPutBucket] != 5 || got[ossapi.OpGetBucketInfo] != 1 {
		t.Errorf("CallCounts() = %v, want %v", got, want)
	}
	srv.ResetCounters()
	if n := len(srv.CallCounts()); n != 0 || srv.Calls(ossapi.OpPutBucket) != 0 {
		t.Errorf("after ResetCounters: %v", srv.CallCounts())
	}
}

func TestCountersByBucket(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	b := newClient(t, srv.URL, bobKey, ossapi.SignatureV4)
	wrong := newClient(t, srv.URL, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "x"}, ossapi.SignatureV4)

	must(t, a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "mine"}))
	must(t, a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "mine"}))                // idempotent for the owner: succeeds
	_ = b.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "mine"})                     // 409 BucketAlreadyExists
	_ = wrong.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "mine"})                 // bad signature
	_ = a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "mine", StorageClass: "No"}) // invalid
	remove := srv.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucket, Status: 503})
	_ = a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "other"}) // faulted: never ran
	remove()
	reset := srv.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucket, Reset: true})
	_ = a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "other"})
	reset()
	must(t, a.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "other"}))
	_, _ = a.ListBuckets(ctx, &ossapi.ListBucketsRequest{})

	checks := []struct {
		bucket, op       string
		calls, succeeded int
	}{
		{"mine", ossapi.OpPutBucket, 5, 2},
		{"other", ossapi.OpPutBucket, 3, 1},
		{"none", ossapi.OpPutBucket, 0, 0},
		{"mine", ossapi.OpDeleteBucket, 0, 0},
		{"", ossapi.OpListBuckets, 1, 1},
	}
	for _, c := range checks {
		if got := srv.CallsOn(c.bucket, c.op); got != c.calls {
			t.Errorf("CallsOn(%q, %s) = %d, want %d", c.bucket, c.op, got, c.calls)
		}
		if got := srv.SucceededOn(c.bucket, c.op); got != c.succeeded {
			t.Errorf("SucceededOn(%q, %s) = %d, want %d", c.bucket, c.op, got, c.succeeded)
		}
	}
	if got := srv.Succeeded(ossapi.OpPutBucket); got != 3 {
		t.Errorf("Succeeded(PutBucket) = %d, want 3", got)
	}
	srv.ResetCounters()
	if srv.CallsOn("mine", ossapi.OpPutBucket) != 0 || srv.Succeeded(ossapi.OpPutBucket) != 0 {
		t.Error("ResetCounters left per-bucket counts")
	}
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "snap", StorageClass: ossapi.StorageIA, ResourceGroupID: "rg-snap01"}))
	must(t, c.PutBucketVersioning(ctx, "snap", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	must(t, c.PutBucketTags(ctx, "snap", &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "k", Value: "v"}}}))
	must(t, c.PutBucketLifecycle(ctx, "snap", sampleLifecycle()))
	must(t, c.PutBucketCors(ctx, "snap", sampleCORS()))
	must(t, c.PutBucketPolicy(ctx, "snap", privatePolicy))
	must(t, c.PutBucketLogging(ctx, "snap", &ossapi.BucketLoggingStatus{LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: "snap", TargetPrefix: "l/"}}))
	must(t, c.PutBucketWebsite(ctx, "snap", sampleWebsite()))
	must(t, c.PutBucketReferer(ctx, "snap", sampleReferer()))
	must(t, c.PutBucketEncryption(ctx, "snap", &ossapi.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: ossapi.SSEAES256}}))
	v1, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "snap", Key: "obj", Body: []byte("one")})
	must(t, err)
	v2, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "snap", Key: "obj", Body: []byte("three")})
	must(t, err)
	del, err := c.DeleteObject(ctx, "snap", "gone", "")
	must(t, err)
	up, err := c.InitiateMultipartUpload(ctx, "snap", "upload")
	must(t, err)
	must(t, srv.CreateBucket(bob.ID, "bobs-bucket", ""))

	s := srv.Snapshot(alice.ID)
	if len(s.Buckets) != 1 || s.AccountID != alice.ID {
		t.Fatalf("snapshot of alice: %+v", s)
	}
	b := s.Buckets["snap"]
	if b.Name != "snap" || b.Region != region || b.Owner != alice.ID || b.ACL != ossapi.ACLPrivate || b.StorageClass != ossapi.StorageIA ||
		b.RedundancyType != ossapi.RedundancyLRS || b.ResourceGroupID != "rg-snap01" || b.CreationDate.IsZero() ||
		b.Versioning != ossapi.VersioningEnabled || !b.BlockPublicAccess || b.Tags["k"] != "v" || len(b.Lifecycle.Rules) != 3 ||
		len(b.CORS.Rules) != 2 || b.Policy != privatePolicy || b.Logging.TargetPrefix != "l/" || b.Website.IndexDocument.Suffix != "index.html" ||
		len(b.Referer.RefererList) != 2 || b.Encryption.SSEAlgorithm != ossapi.SSEAES256 {
		t.Fatalf("bucket snapshot: %+v", b)
	}
	wantObjects := []osstest.ObjectSnapshot{
		{Key: "gone", VersionID: del.VersionID, IsLatest: true, DeleteMarker: true},
		{Key: "obj", VersionID: v2.VersionID, IsLatest: true, Size: 5, ETag: v2.ETag, Type: "Normal"},
		{Key: "obj", VersionID: v1.VersionID, Size: 3, ETag: v1.ETag, Type: "Normal"},
	}
	if len(b.Objects) != len(wantObjects) {
		t.Fatalf("objects %+v", b.Objects)
	}
	for i := range wantObjects {
		if b.Objects[i] != wantObjects[i] {
			t.Errorf("object %d = %+v, want %+v", i, b.Objects[i], wantObjects[i])
		}
	}
	if len(b.MultipartUploads) != 1 || b.MultipartUploads[0] != (osstest.UploadSnapshot{Key: "upload", UploadID: up.UploadID}) {
		t.Errorf("uploads %+v", b.MultipartUploads)
	}
	// The snapshot is a copy.
	b.Lifecycle.Rules[0].ID = "changed"
	b.Tags["k"] = "changed"
	b.CORS.Rules[0].AllowedMethods[0] = "DELETE"
	again := srv.Snapshot(alice.ID).Buckets["snap"]
	if again.Lifecycle.Rules[0].ID != "logs" || again.Tags["k"] != "v" || again.CORS.Rules[0].AllowedMethods[0] != "PUT" {
		t.Error("changing a snapshot changed the emulator")
	}
	if bs := srv.Snapshot(bob.ID); len(bs.Buckets) != 1 || bs.Buckets["bobs-bucket"].Owner != bob.ID {
		t.Errorf("snapshot of bob: %+v", bs)
	}
	if empty := srv.Snapshot("nobody"); len(empty.Buckets) != 0 {
		t.Errorf("snapshot of an unknown account: %+v", empty)
	}
}

// A 200 that is not the answer asked for (well-formed but about no bucket, another document, truncated)
// is an OSS fault: the client retries it like a 503, and if every attempt gets one the call fails with
// a *DecodeError that may be retried later, never with a result.
func TestGarbledAnswersAreRetried(t *testing.T) {
	t.Parallel()
	garbled := []struct{ name, body string }{
		{"well-formed, about no bucket", `<BucketInfo><Bucket></Bucket></BucketInfo>`},
		{"another document", `<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`},
		{"truncated", `<BucketInfo><Bucket><Name>garbled</Name><Location>oss-cn-hang`},
	}
	for _, g := range garbled {
		t.Run(g.name+", once", func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Retry.MaxAttempts = 3 })
			must(t, srv.CreateBucket(alice.ID, "garbled", ""))
			srv.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: http.StatusOK, Body: g.body, Count: 1})
			info, err := c.GetBucketInfo(ctx, "garbled")
			must(t, err)
			if info.Name != "garbled" || info.Location != "oss-"+region {
				t.Errorf("GetBucketInfo = %+v, want the emulator's answer", info)
			}
			if got := srv.Calls(ossapi.OpGetBucketInfo); got != 2 {
				t.Errorf("GetBucketInfo calls = %d, want 2", got)
			}
		})
		t.Run(g.name+", every time", func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Retry.MaxAttempts = 3 })
			must(t, srv.CreateBucket(alice.ID, "garbled", ""))
			srv.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: http.StatusOK, Body: g.body})
			info, err := c.GetBucketInfo(ctx, "garbled")
			var de *ossapi.DecodeError
			if !errors.As(err, &de) || de.StatusCode != http.StatusOK || info != nil {
				t.Fatalf("GetBucketInfo = %+v, %v; want no result and a *DecodeError of a 200", info, err)
			}
			if !ossapi.Retryable(err) {
				t.Errorf("Retryable(%v) = false, want true", err)
			}
			if got := srv.Calls(ossapi.OpGetBucketInfo); got != 3 {
				t.Errorf("GetBucketInfo calls = %d, want 3", got)
			}
		})
	}
	// The incident: a garbled 200 about a bucket that does not exist was taken for "it exists". Retried,
	// it gets OSS's true answer.
	t.Run("missing bucket", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Retry.MaxAttempts = 3 })
		srv.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: http.StatusOK, Body: garbled[0].body, Count: 1})
		_, err := c.GetBucketInfo(ctx, "missing")
		wantCode(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
	})
}

func TestThrottleRefusesAnAccountOverItsRate(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	list := func() error { _, err := c.ListBuckets(ctx, &ossapi.ListBucketsRequest{}); return err }
	remove := srv.Throttle(alice.ID, 1, 3) // a burst of 3, then one a second
	var refused int
	for range 10 {
		if err := list(); err != nil {
			e := wantCode(t, err, http.StatusServiceUnavailable, "TotalQpsLimitExceeded")
			if !ossapi.Throttled(e) || !ossapi.Retryable(e) {
				t.Errorf("the throttled answer %v is not Throttled and Retryable to the client", e)
			}
			refused++
		}
	}
	if refused < 6 || refused > 7 {
		t.Errorf("%d of 10 requests at once refused; want all but the burst of 3 (and one more token at most)", refused)
	}
	if r, a := srv.Throttled(alice.ID); r != refused || a != 10-refused {
		t.Errorf("Throttled() = %d refused, %d accepted; want %d and %d", r, a, refused, 10-refused)
	}
	remove()
	must(t, list())
}
