package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Every bucket setting is managed the same way, by a facet: absent from the spec it is not managed at
// all; present but empty it is removed; present it is made equal. Each setting is one file
// (setting_*.go) that fills in a facet; adding an OSS setting means adding one such file and listing
// it in bucketSettings. What to write is decided by planSettings, a pure function of the spec, the
// values read and the previous status.

// bucketView is what a setting sees of the bucket besides the spec: the GetBucketInfo answer (for a
// bucket just created, the read-back in flight), the tags already read, and whether the bucket was
// created in this reconcile (then a setting starts from OSS's default for a new bucket, and reads
// nothing unless the value comes from the view).
type bucketView struct {
	// info is the GetBucketInfo answer. While it is being read, infoReady is open: read it with
	// bucketInfo.
	info      *ossapi.BucketInfo
	infoErr   error
	infoReady <-chan struct{}
	// tags are the bucket's tags (nil: untagged), read at the same time when tagsReady is set.
	tags      map[string]string
	tagsErr   error
	tagsReady <-chan struct{}
	fresh     bool
}

// bucketInfo is the GetBucketInfo answer, waited for if it is still being read.
func (v *bucketView) bucketInfo() (*ossapi.BucketInfo, error) {
	if v.infoReady != nil {
		<-v.infoReady
	}
	return v.info, v.infoErr
}

// bucketTags are the tags, waited for if they are still being read.
func (v *bucketView) bucketTags() (map[string]string, error) {
	if v.tagsReady != nil {
		<-v.tagsReady
	}
	return v.tags, v.tagsErr
}

// facet describes one setting. T is its normalized value: two values are equal when OSS holds the
// same configuration, whatever the order or spelling.
type facet[T any] struct {
	// name is the spec field, used in messages, Events, status and metrics.
	name string
	// managed reports whether the spec declares the setting.
	managed func(b *ossv1.Bucket) bool
	// desired is the value the spec asks for, given the bucket's ownership tag value. An error is a
	// spec OSS cannot take (it says what is wrong with the field).
	desired func(b *ossv1.Bucket, owner string) (T, error)
	// fresh is the value of a bucket OSS has just created.
	fresh T
	// observe reads the current value, from the view when GetBucketInfo reports it.
	observe func(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView) (T, error)
	// fromObservation says observe makes no call of its own for a bucket just created (the value is in
	// GetBucketInfo's answer or the tags already read), so it is used instead of fresh.
	fromObservation bool
	// equal compares normalized values; reflect.DeepEqual when nil.
	equal func(want, got T) bool
	// apply makes OSS hold want (writing, or deleting the setting for an empty value).
	apply func(ctx context.Context, c *Conn, b *ossv1.Bucket, want T) error
	// show writes a value read into s, in the spec's shape, such that a spec declaring it is in sync
	// (an Observe Bucket's status.observed.settings). An error is a value the spec has no field for.
	show func(got T, s *ossv1.ObservedSettings) error
}

// setting is a facet of any type.
type setting interface {
	settingName() string
	isManaged(b *ossv1.Bucket) bool
	want(b *ossv1.Bucket, owner string) (any, error)
	// current is the value in OSS: read, taken from the view, or a new bucket's default.
	current(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView) (any, error)
	same(want, got any) bool
	write(ctx context.Context, c *Conn, b *ossv1.Bucket, want any) error
	// render writes a value read into s, in the spec's shape.
	render(got any, s *ossv1.ObservedSettings) error
}

func (f facet[T]) settingName() string            { return f.name }
func (f facet[T]) isManaged(b *ossv1.Bucket) bool { return f.managed(b) }

func (f facet[T]) want(b *ossv1.Bucket, owner string) (any, error) { return f.desired(b, owner) }

func (f facet[T]) current(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView) (any, error) {
	if v.fresh && !f.fromObservation {
		return f.fresh, nil
	}
	return f.observe(ctx, c, b, v)
}

func (f facet[T]) same(want, got any) bool {
	w, g := want.(T), got.(T)
	if f.equal == nil {
		return reflect.DeepEqual(w, g)
	}
	return f.equal(w, g)
}

func (f facet[T]) write(ctx context.Context, c *Conn, b *ossv1.Bucket, want any) error {
	return f.apply(ctx, c, b, want.(T))
}

func (f facet[T]) render(got any, s *ossv1.ObservedSettings) error { return f.show(got.(T), s) }

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

// settingsAfter lists, for a setting, the settings that must be written before it when both are
// managed; all others are written at the same time. Block Public Access is switched off before a
// public ACL or policy is applied: OSS refuses them while it is on.
var settingsAfter = map[string][]string{
	aclSetting.name:    {publicAccessBlockSetting.name},
	policySetting.name: {publicAccessBlockSetting.name},
}

// driftCorrected counts settings found different from the spec in OSS and corrected, by setting.
var driftCorrected = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "ossoperator_bucket_setting_drift_corrected_total",
	Help: "Bucket settings found changed in OSS behind the operator's back and corrected, by setting. Applying a changed spec is not counted.",
}, []string{"setting"})

func init() { ctrlmetrics.Registry.MustRegister(driftCorrected) }

// managedSettings are the settings the spec declares, in bucketSettings' order.
func managedSettings(b *ossv1.Bucket) []setting {
	var out []setting
	for _, s := range bucketSettings {
		if s.isManaged(b) {
			out = append(out, s)
		}
	}
	return out
}

// specErrors are the spec's settings that OSS could never take (a policy that is not JSON), found
// before anything is written.
func specErrors(b *ossv1.Bucket) []string {
	var msgs []string
	for _, s := range managedSettings(b) {
		if _, err := s.want(b, ""); err != nil {
			msgs = append(msgs, fmt.Sprintf("spec.%s: %v", s.settingName(), err))
		}
	}
	return msgs
}

// settingValue is what was found in OSS for one setting.
type settingValue struct {
	got any
	err error
}

// readSettings reads every managed setting at once: they are distinct sub-resources in OSS, so a
// bucket's settings cost about one round trip, not one per setting.
func readSettings(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView) map[string]settingValue {
	return readSettingsOf(ctx, c, b, v, managedSettings(b))
}

// readSettingsOf reads the settings listed, at once.
func readSettingsOf(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView, managed []setting) map[string]settingValue {
	values := make([]settingValue, len(managed))
	var wg sync.WaitGroup
	for i, s := range managed {
		wg.Go(func() {
			got, err := s.current(ctx, c, b, v)
			values[i] = settingValue{got: got, err: err}
		})
	}
	wg.Wait()
	out := make(map[string]settingValue, len(managed))
	for i, s := range managed {
		out[s.settingName()] = values[i]
	}
	return out
}

// settingPlan is the decision for one managed setting, and then what came of it.
type settingPlan struct {
	name string
	want any
	// write: OSS differs from the spec and is written; pending: it differs and is not (paused).
	write, pending bool
	// drift: the difference is a change made in OSS behind the operator's back (OSS held this very
	// generation of the spec), not a spec that changed.
	drift bool
	// synced is the generation at which OSS last held the setting as declared, before this reconcile.
	synced int64
	// readErr is the failure to read the setting; writeErr the failure to write it.
	readErr, writeErr error
}

// planSetting decides one setting from the value found in OSS. prev is the status before this
// reconcile.
func planSetting(s setting, b *ossv1.Bucket, prev *ossv1.BucketStatus, owner string, v settingValue, paused bool) settingPlan {
	p := settingPlan{name: s.settingName(), synced: syncedGeneration(prev, s.settingName())}
	want, err := s.want(b, owner)
	if err != nil {
		// specErrors refused the spec before anything ran; kept so that a plan is always complete.
		p.readErr = err
		return p
	}
	p.want = want
	if v.err != nil {
		p.readErr = v.err
		return p
	}
	if s.same(want, v.got) {
		return p
	}
	p.drift = p.synced == b.Generation
	if paused {
		p.pending = true
	} else {
		p.write = true
	}
	return p
}

// planSettings decides every managed setting from the values read.
func planSettings(b *ossv1.Bucket, prev *ossv1.BucketStatus, owner string, values map[string]settingValue, paused bool) []settingPlan {
	var plans []settingPlan
	for _, s := range managedSettings(b) {
		plans = append(plans, planSetting(s, b, prev, owner, values[s.settingName()], paused))
	}
	return plans
}

// syncedGeneration is the generation at which the status says OSS last held the setting; 0 for none.
func syncedGeneration(st *ossv1.BucketStatus, name string) int64 {
	for _, s := range st.Settings {
		if s.Name == name {
			if s.InSync && s.SyncedGeneration == 0 {
				// Written before syncedGeneration existed: in sync at the observed generation.
				return st.ObservedGeneration
			}
			return s.SyncedGeneration
		}
	}
	return 0
}

// inOrder runs step for each managed setting at once, except that a setting waits until the steps
// of the settings it comes after (settingsAfter) are done.
func inOrder(managed []setting, step func(i int, s setting)) {
	done := map[string]chan struct{}{}
	for _, s := range managed {
		done[s.settingName()] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for i, s := range managed {
		wg.Go(func() {
			defer close(done[s.settingName()])
			for _, first := range settingsAfter[s.settingName()] {
				if ch, ok := done[first]; ok {
					<-ch
				}
			}
			step(i, s)
		})
	}
	wg.Wait()
}

// writeSettings makes the writes the plans ask for, at once but in settingsAfter's order, and records
// their errors in the plans.
func writeSettings(ctx context.Context, c *Conn, b *ossv1.Bucket, plans []settingPlan) {
	managed := managedSettings(b)
	inOrder(managed, func(i int, s setting) {
		if plans[i].write {
			plans[i].writeErr = s.write(ctx, c, b, plans[i].want)
		}
	})
}

// settleSettings brings the settings of a bucket just created to the spec: each is compared with
// what OSS gives a new bucket (or, for those GetBucketInfo reports, with the read-back in flight) and
// written at once, so the settings cost one round trip after PutBucket, sent with the ownership tag.
func settleSettings(ctx context.Context, c *Conn, b *ossv1.Bucket, prev *ossv1.BucketStatus, owner string, v *bucketView) []settingPlan {
	managed := managedSettings(b)
	plans := make([]settingPlan, len(managed))
	inOrder(managed, func(i int, s setting) {
		got, err := s.current(ctx, c, b, v)
		plans[i] = planSetting(s, b, prev, owner, settingValue{got: got, err: err}, false)
		plans[i].drift = false // a new bucket has no drift
		if plans[i].write {
			plans[i].writeErr = s.write(ctx, c, b, plans[i].want)
		}
	})
	return plans
}

// What status.observed.settings shows of the settings read is bounded, as all that OSS says and
// reaches status is: one setting at most maxShownSetting bytes in the spec's shape (JSON), all of them
// at most maxShownSettings. etcd stores a whole Bucket in at most 1.5 MiB, which its spec may already
// use much of; the largest setting the spec can declare but for lifecycle (a 16 KiB policy, escaped)
// fits in one. A setting above either bound is left out and listed in status.observed.omitted.
const (
	maxShownSetting  = 32 << 10
	maxShownSettings = 64 << 10
)

// showSettings renders the values read in the spec's shape, in bucketSettings' order and within the
// bounds, and lists the settings left out and why.
func showSettings(values map[string]settingValue) (*ossv1.ObservedSettings, []ossv1.OmittedSetting) {
	shown := &ossv1.ObservedSettings{}
	var omitted []ossv1.OmittedSetting
	total := 0
	for _, s := range bucketSettings {
		v, ok := values[s.settingName()]
		if !ok {
			continue
		}
		omit := func(reason string) {
			omitted = append(omitted, ossv1.OmittedSetting{Name: s.settingName(), Reason: truncate(reason)})
		}
		if v.err != nil {
			omit("could not be read: " + describe(v.err))
			continue
		}
		one := &ossv1.ObservedSettings{}
		if err := s.render(v.got, one); err != nil {
			omit(err.Error())
			continue
		}
		raw, err := json.Marshal(one)
		switch {
		case err != nil:
			omit("cannot be shown: " + err.Error())
		case len(raw) > maxShownSetting:
			omit(fmt.Sprintf("too large to show: %d KiB in the spec's shape, more than the %d KiB status shows of one setting", (len(raw)+1023)>>10, maxShownSetting>>10))
		case total+len(raw) > maxShownSettings:
			omit(fmt.Sprintf("too large to show: with the settings shown before it, more than the %d KiB status shows of all settings", maxShownSettings>>10))
		default:
			total += len(raw)
			_ = s.render(v.got, shown) // rendered once already without error
		}
	}
	return shown, omitted
}
