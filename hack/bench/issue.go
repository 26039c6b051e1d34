package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The issuing phases: --issue AccessKeys that issue keys of their own (spec.issue), each with one
// ReadWrite grant on one Bucket, issued by the AccessKey of its namespace, created and timed until all
// are Ready, then deleted and timed until all are gone.
//
// The granted Buckets are the last of the benchmark's, which have deletionPolicy Retain (the first
// --delete have Delete): the deletion of Buckets that follows touches no issued AccessKey, and no
// issued AccessKey is left when it runs, so the Bucket phases measure what they measured before.

// issuing runs both phases and records them in report. buckets are the benchmark's Buckets, in order.
func (b *bench) issuing(ctx context.Context, report *Report, buckets []client.ObjectKey) error {
	granted := buckets[len(buckets)-b.issues:]
	keys := make([]client.ObjectKey, len(granted))
	for i, bk := range granted {
		keys[i] = client.ObjectKey{Namespace: bk.Namespace, Name: "app-" + strings.TrimPrefix(bk.Name, "bench-")}
	}

	b.logf("issuing %d AccessKeys", len(keys))
	var err error
	if report.Issue, err = b.measure(ctx, accessKeyController, len(keys), func() error {
		return b.each(ctx, keys, func(i int, key client.ObjectKey) error {
			return b.k8s.Create(ctx, issuedAccessKey(key, granted[i].Name, b.emu.URL))
		})
	}, func() error {
		return b.poll(ctx, 500*time.Millisecond, fmt.Sprintf("%d issued AccessKeys Ready", len(keys)), b.accessKeysReadyAt(keys))
	}); err != nil {
		return err
	}
	p := &report.Issue
	p.GrantedBuckets = len(granted)
	p.MinimumRAMCalls, p.MinimumCalls = minimumIssue(len(keys))
	p.MinimumRAMCallsTotal, p.MinimumCallsTotal = sum(p.MinimumRAMCalls), sum(p.MinimumCalls)
	p.IdealSeconds = float64(p.MinimumRAMCallsTotal+p.MinimumCallsTotal) * b.delay.Seconds() / float64(b.akConcurrency)
	p.BenchmarkWrites = len(keys)

	b.logf("deleting %d issued AccessKeys", len(keys))
	if report.DeleteIssued, err = b.measure(ctx, accessKeyController, len(keys), func() error {
		return b.each(ctx, keys, func(_ int, key client.ObjectKey) error {
			return b.k8s.Delete(ctx, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})
		})
	}, func() error {
		return b.poll(ctx, 500*time.Millisecond, fmt.Sprintf("%d issued AccessKeys gone", len(keys)), b.accessKeysGone(keys))
	}); err != nil {
		return err
	}
	p = &report.DeleteIssued
	p.MinimumRAMCalls, p.MinimumCalls = minimumDeleteIssued(len(keys)), map[string]int{}
	p.MinimumRAMCallsTotal = sum(p.MinimumRAMCalls)
	p.IdealSeconds = float64(p.MinimumRAMCallsTotal) * b.delay.Seconds() / float64(b.akConcurrency)
	p.BenchmarkWrites = len(keys)

	// envtest runs no garbage collector: the Secrets the AccessKeys owned are deleted here, as it would
	// delete them, after the phase. No AccessKey names them any more, so the operator does not look.
	return b.each(ctx, keys, func(_ int, key client.ObjectKey) error {
		err := b.k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: issuedSecretName(key.Name)}})
		return client.IgnoreNotFound(err)
	})
}

func issuedSecretName(accessKey string) string { return accessKey + "-oss" }

// issuedAccessKey is an issued AccessKey granted ReadWrite on one Bucket, issued by the namespace's
// AccessKey, verified at the emulator's endpoint.
func issuedAccessKey(key client.ObjectKey, bucket, endpoint string) *ossv1.AccessKey {
	return &ossv1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
		Spec: ossv1.AccessKeySpec{
			SecretRef: ossv1.SecretReference{Name: issuedSecretName(key.Name)},
			Region:    region,
			Endpoint:  endpoint,
			Issue: &ossv1.IssueSpec{
				IssuerRef: ossv1.AccessKeyReference{Name: credentials},
				Grants:    []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: bucket}, Access: ossv1.AccessReadWrite}},
			},
		},
	}
}

// accessKeysReadyAt checks that every AccessKey of keys is Ready at its current generation; while
// they are not, it says which reasons hold the others back.
func (b *bench) accessKeysReadyAt(keys []client.ObjectKey) func() (bool, string, error) {
	return func() (bool, string, error) {
		list := &ossv1.AccessKeyList{}
		if err := b.cache.List(context.Background(), list); err != nil {
			return false, "", err
		}
		byKey := map[client.ObjectKey]*ossv1.AccessKey{}
		for i := range list.Items {
			byKey[client.ObjectKeyFromObject(&list.Items[i])] = &list.Items[i]
		}
		n, waiting := 0, map[string]int{}
		for _, k := range keys {
			ak := byKey[k]
			if ak == nil {
				waiting["not in the cache yet"]++
				continue
			}
			c := meta.FindStatusCondition(ak.Status.Conditions, ossv1.ConditionReady)
			switch {
			case c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == ak.Generation:
				n++
			case c == nil:
				waiting["no condition yet"]++
			default:
				waiting[c.Reason]++
			}
		}
		status := fmt.Sprintf("%d of %d Ready", n, len(keys))
		for _, r := range slices.Sorted(maps.Keys(waiting)) {
			status += fmt.Sprintf(", %d %s", waiting[r], r)
		}
		return n == len(keys), status, nil
	}
}

// accessKeysGone checks that no AccessKey of keys exists any more.
func (b *bench) accessKeysGone(keys []client.ObjectKey) func() (bool, string, error) {
	return func() (bool, string, error) {
		left := 0
		for _, k := range keys {
			err := b.cache.Get(context.Background(), k, &ossv1.AccessKey{})
			switch {
			case err == nil:
				left++
			case !apierrors.IsNotFound(err):
				return false, "", err
			}
		}
		return left == 0, fmt.Sprintf("%d left", left), nil
	}
}
