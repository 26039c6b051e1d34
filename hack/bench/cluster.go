package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// auditPolicy records every write (Metadata level: who, verb, resource, status code) and nothing
// else, so the log is the exact count of API server writes by user.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`

// startControlPlane starts envtest's etcd and kube-apiserver with the CRDs and an audit log of
// every write.
func startControlPlane(root, assets, dir string) (*envtest.Environment, *auditLog, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return nil, nil, err
	}
	audit := &auditLog{path: filepath.Join(dir, "audit.log")}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		UseExistingCluster:       ptr.To(false),
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	args.Set("audit-policy-file", policy)
	args.Set("audit-log-path", audit.path)
	args.Set("audit-log-format", "json")
	args.Set("audit-log-mode", "blocking")
	args.Set("audit-log-maxsize", "100000") // MB: never rotated during a run
	if _, err := env.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the control plane: %w", err)
	}
	return env, audit, nil
}

// auditLog reads the API server's audit log.
type auditLog struct{ path string }

// auditEvent is the part of an audit.k8s.io/v1 Event the benchmark reads.
type auditEvent struct {
	Stage    string    `json:"stage"`
	Verb     string    `json:"verb"`
	Received time.Time `json:"requestReceivedTimestamp"`
	Done     time.Time `json:"stageTimestamp"`
	User     struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// mark is the current end of the log.
func (a *auditLog) mark() int64 {
	fi, err := os.Stat(a.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// settle waits until the log has stopped growing for a second: the API server writes an event when
// the response is complete, a moment after the client has it.
func (a *auditLog) settle(ctx context.Context) error {
	last, stable := a.mark(), time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for time.Since(stable) < time.Second {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if m := a.mark(); m != last {
			last, stable = m, time.Now()
		}
	}
	return nil
}

// writes counts the writes of user between two marks, by "resource[/subresource] verb": those that
// succeeded, and those the API server refused (conflicts, mostly). meanMs is the mean time the API
// server took to answer the successful ones.
func (a *auditLog) writes(user string, from, to int64) (ok, failed map[string]int, meanMs map[string]float64, err error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	buf := make([]byte, to-from)
	if _, err := f.ReadAt(buf, from); err != nil && err != io.EOF {
		return nil, nil, nil, err
	}
	ok, failed, meanMs = map[string]int{}, map[string]int{}, map[string]float64{}
	for line := range bytes.SplitSeq(buf, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e auditEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, nil, nil, fmt.Errorf("audit log: %w", err)
		}
		if e.Stage != "ResponseComplete" || e.User.Username != user || e.ObjectRef == nil {
			continue
		}
		key := e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			key += "/" + e.ObjectRef.Subresource
		}
		key += " " + e.Verb
		if e.ResponseStatus != nil && e.ResponseStatus.Code >= 400 {
			failed[key]++
		} else {
			ok[key]++
			meanMs[key] += float64(e.Done.Sub(e.Received)) / float64(time.Millisecond)
		}
	}
	for k, total := range meanMs {
		meanMs[k] = round1(total / float64(ok[k]))
	}
	return ok, failed, meanMs, nil
}
