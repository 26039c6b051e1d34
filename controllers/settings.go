package controllers

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Every bucket setting is managed the same way, by a setting: absent from the spec it is not
// managed at all; present but empty it is removed; present it is made equal. Each setting is one
// file (setting_*.go) that fills in a facet; adding an OSS setting means adding one such file and
// listing it in bucketSettings.

// observation is what the reconciler knows about the bucket when the settings run: the GetBucketInfo
// answer, the tags it read for the ownership check (or wrote, for a new bucket), and whether the
// bucket was created in this reconcile (then a setting starts from OSS's default for a new bucket,
// fresh, unless it comes from the observation; nothing is read).
type observation struct {
	// info is the GetBucketInfo answer. For a bucket just created it is read while the settings run:
	// then infoReady is closed once info or infoErr is set; read it with bucketInfo.
	info      *ossapi.BucketInfo
	infoReady <-chan struct{}
	infoErr   error
	tags      *ossapi.Tagging
	fresh     bool
	owner     string // the ownership tag value of this resource
}

// bucketInfo is the GetBucketInfo answer, waited for if it is still being read.
func (o *observation) bucketInfo() (*ossapi.BucketInfo, error) {
	if o.infoReady != nil {
		<-o.infoReady
	}
	return o.info, o.infoErr
}

// facet describes one setting. T is its normalized value: two values are equal when OSS holds the
// same configuration, whatever the order or spelling.
type facet[T any] struct {
	// name is the spec field, used in messages, Events, status and metrics.
	name string
	// managed reports whether the spec declares the setting.
	managed func(b *ossv1.Bucket) bool
	// desired is the value the spec asks for. An error is a spec OSS cannot take (it names the field).
	desired func(b *ossv1.Bucket, o *observation) (T, error)
	// fresh is the value of a bucket OSS has just created.
	fresh T
	// observe reads the current value, from the observation when GetBucketInfo reports it.
	observe func(ctx context.Context, c *Conn, b *ossv1.Bucket, o *observation) (T, error)
	// fromObservation says observe makes no call of its own for a bucket just created (the value is in
	// GetBucketInfo's answer or the tags already read), so it is used instead of fresh.
	fromObservation bool
	// equal compares normalized values; reflect.DeepEqual when nil.
	equal func(want, got T) bool
	// apply makes OSS hold want (writing, or deleting the setting for an empty value).
	apply func(ctx context.Context, c *Conn, b *ossv1.Bucket, want T) error
}

// setting is a facet of any type.
type setting interface {
	settingName() string
	isManaged(b *ossv1.Bucket) bool
	reconcile(ctx context.Context, c *Conn, b *ossv1.Bucket, o *observation, dryRun bool) settingResult
}

// settingResult is what reconciling one setting found and did.
type settingResult struct {
	changed bool  // OSS differed from the spec (and was corrected unless dryRun)
	err     error // reading or writing failed
	invalid bool  // the spec itself cannot be applied (err says why)
}

func (f facet[T]) settingName() string            { return f.name }
func (f facet[T]) isManaged(b *ossv1.Bucket) bool { return f.managed(b) }

func (f facet[T]) reconcile(ctx context.Context, c *Conn, b *ossv1.Bucket, o *observation, dryRun bool) settingResult {
	want, err := f.desired(b, o)
	if err != nil {
		return settingResult{err: err, invalid: true}
	}
	got := f.fresh
	if !o.fresh || f.fromObservation {
		if got, err = f.observe(ctx, c, b, o); err != nil {
			return settingResult{err: fmt.Errorf("reading: %w", err)}
		}
	}
	equal := f.equal
	if equal == nil {
		equal = func(a, b T) bool { return reflect.DeepEqual(a, b) }
	}
	if equal(want, got) {
		return settingResult{}
	}
	if dryRun {
		return settingResult{changed: true}
	}
	if err := f.apply(ctx, c, b, want); err != nil {
		return settingResult{changed: true, err: err}
	}
	return settingResult{changed: true}
}

// bucketSettings in the order they are reported in status.settings.
var bucketSettings = []setting{
	resourceGroupSetting,
	publicAccessBlockSetting,
	versioningSetting,
	aclSetting,
	encryptionSetting,
	policySetting,
	tagsSetting,
	lifecycleSetting,
	corsSetting,
	loggingSetting,
	refererSetting,
	websiteSetting,
}

// settingsAfter lists, for a setting, the settings that must be reconciled before it when both are
// managed; all others are reconciled at the same time. Block Public Access is switched off before a
// public ACL or policy is applied: OSS refuses them while it is on.
var settingsAfter = map[string][]string{
	aclSetting.name:    {publicAccessBlockSetting.name},
	policySetting.name: {publicAccessBlockSetting.name},
}

// driftCorrected counts settings found different from the spec and corrected, by setting.
var driftCorrected = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "ossoperator_bucket_setting_drift_corrected_total",
	Help: "Bucket settings found different from the spec in OSS and corrected, by setting.",
}, []string{"setting"})

func init() { ctrlmetrics.Registry.MustRegister(driftCorrected) }

// settingsOutcome sums up one pass over the settings.
type settingsOutcome struct {
	statuses  []ossv1.SettingStatus
	failed    []string // "spec.x: message", terminal
	transient []string // "spec.x: message"
	pending   []string // paused: settings that would be written
	corrected []string // drift corrected this pass (not on creation)
}

// reconcileSettings brings every managed setting to the spec. Settings are distinct sub-resources in
// OSS, so they are read and written concurrently, except where settingsAfter orders them: a bucket's
// settings cost about one OSS round trip, not one per setting. A setting OSS refuses does not stop
// the others.
func (r *BucketReconciler) reconcileSettings(ctx context.Context, c *Conn, b *ossv1.Bucket, o *observation) settingsOutcome {
	paused := isPaused(b)
	var managed []setting
	done := map[string]chan struct{}{}
	for _, s := range bucketSettings {
		if s.isManaged(b) {
			managed = append(managed, s)
			done[s.settingName()] = make(chan struct{})
		}
	}
	results := make([]settingResult, len(managed))
	var wg sync.WaitGroup
	for i, s := range managed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[s.settingName()])
			for _, first := range settingsAfter[s.settingName()] {
				if ch, ok := done[first]; ok {
					<-ch
				}
			}
			results[i] = s.reconcile(ctx, c, b, o, paused)
		}()
	}
	wg.Wait()

	var out settingsOutcome
	for i, s := range managed {
		name, res := s.settingName(), results[i]
		st := ossv1.SettingStatus{Name: name, InSync: true}
		switch {
		case res.err != nil:
			st.InSync = false
			st.Message = truncate(res.err.Error())
			msg := fmt.Sprintf("spec.%s: %v", name, res.err)
			if !res.invalid && isTransient(res.err) {
				out.transient = append(out.transient, msg)
			} else {
				out.failed = append(out.failed, msg)
			}
		case res.changed && paused:
			st.InSync = false
			st.Message = "differs from the spec; not corrected while paused"
			out.pending = append(out.pending, name)
		case res.changed && !o.fresh:
			out.corrected = append(out.corrected, name)
			driftCorrected.WithLabelValues(name).Inc()
		}
		out.statuses = append(out.statuses, st)
	}
	return out
}

func joinLines(msgs []string) string { return strings.Join(msgs, "; ") }
