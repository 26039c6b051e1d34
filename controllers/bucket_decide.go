package controllers

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// The decide step of the Bucket controller: pure functions from the spec, the status before the
// reconcile and what was observed (and then written) to a plan and an outcome. Every condition reason,
// Event and requeue of a Bucket is chosen here; bucket_decide_test.go tables them.

// bucketPlan is what decideBucket concluded: either a verdict with nothing to write, or the writes.
type bucketPlan struct {
	verdict *outcome
	// create: the bucket does not exist and is created.
	create bool
	// claim, when set, is the whole tag set, with this resource's ownership tag, written before anything
	// else; claimEvent says so (Adopted), nil for a bucket this resource created.
	claim      map[string]string
	claimEvent *actionEvent
	// settings are the decisions for the managed settings.
	settings []settingPlan
	// identity: the bucket's region, storage class and redundancy type may be shown in status (it is
	// this resource's, or could be; not another resource's).
	identity bool
}

func decided(out outcome) bucketPlan { return bucketPlan{verdict: &out} }

// decideSpec refuses, before anything is read or written, a spec OSS could never take.
func decideSpec(b *ossv1.Bucket) (outcome, bool) {
	if errs := specErrors(b); len(errs) > 0 {
		return stalledOn(ossv1.ReasonInvalidSpec, "The spec cannot be applied: "+strings.Join(errs, "; ")+". Nothing was written to OSS"), false
	}
	return outcome{}, true
}

// decideCredentials says whether the Bucket can go on, and if not, what it waits for.
func decideCredentials(c credentials) (outcome, bool) {
	switch {
	case c.usable():
		return outcome{}, true
	case c.err != nil:
		return retrying(ossv1.ReasonReconciling, fmt.Sprintf("Reading AccessKey %q failed, will retry: %v", c.accessKey, c.err), c.err), false
	case c.missing:
		return waiting(ossv1.ReasonAccessKeyNotFound, fmt.Sprintf("Waiting for AccessKey %q named by spec.accessKeyRef", c.accessKey), untilChange), false
	case c.notGranted != "":
		// Watched: a change of the AccessKey's grant, or of this namespace's labels, brings it back.
		return stalledOn(ossv1.ReasonAccessKeyNotGranted, fmt.Sprintf(
			"AccessKey %q does not grant namespace %q: its spec.allowedNamespaces must select this namespace (ask the AccessKey's owners), or use an AccessKey of this namespace. Nothing was sent to OSS", c.accessKey, c.notGranted)), false
	case c.unusable != nil:
		msg := fmt.Sprintf("AccessKey %q cannot be used: %v", c.accessKey, c.unusable)
		var cerr *CredentialsError
		if errors.As(c.unusable, &cerr) {
			// Usually the AccessKey goes not Ready for the same reason, and that change brings the
			// Bucket back; not when the AccessKey is itself being deleted (it is not verified again),
			// hence the poll.
			return waiting(ossv1.ReasonAccessKeyNotReady, msg, poll), false
		}
		return retrying(ossv1.ReasonAccessKeyNotReady, msg, c.unusable), false
	}
	return waiting(ossv1.ReasonAccessKeyNotReady, fmt.Sprintf("Waiting for AccessKey %q to be Ready (%s)", c.accessKey, c.notReady), untilChange), false
}

// decideBucket decides what to do with a bucket that is not being deleted, from what was observed.
// region is the region its client is for.
func decideBucket(b *ossv1.Bucket, prev *ossv1.BucketStatus, obs *bucketObservation, region string) bucketPlan {
	name, paused, owner := b.BucketName(), isPaused(b), obs.owner.tag
	if out, ok := decideCredentials(obs.creds); !ok {
		return decided(out)
	}
	// A bucket not managed yet is read only with the claim on its name held.
	if out, ok := decideClaim(b, obs); !ok {
		return decided(out)
	}
	switch err := obs.infoErr; {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		if paused {
			return decided(pausedOutcome(false, fmt.Sprintf("Paused: bucket %s does not exist; it is created when the ossoperator.io/paused annotation is removed", name)))
		}
		return bucketPlan{create: true}
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		return decided(stalledOn(ossv1.ReasonBucketNameUnavailable, fmt.Sprintf(
			"Bucket name %q belongs to another account (OSS answered AccessDenied to GetBucketInfo), or the credentials may not read it; bucket names are global: choose another spec.name", name)))
	case err != nil:
		return decided(ossFailure("Reading bucket "+name, err))
	}
	if obs.tagsErr != nil {
		return decided(ossFailure("Reading the tags of bucket "+name, obs.tagsErr))
	}

	if obs.ownerErr != nil {
		return decided(retrying(ossv1.ReasonReconciling, "Making the ownership tag failed, will retry: "+obs.ownerErr.Error(), obs.ownerErr))
	}

	// Ownership: this resource's by tag, its own creation not tagged yet, adoptable, or another's.
	rel, had := obs.owner.relation, hasManaged(prev, name) || creationPending(prev, name)
	claim, claimEvent, migrate := false, (*actionEvent)(nil), false
	switch {
	case rel == taggedThis:
		// Its UID: this very resource's, whatever its status says.
	case rel == taggedThisName && had && paused:
		// Tagged by an earlier version: rewritten once resumed; meanwhile the tag found stands.
		owner = obs.tags[ossv1.OwnershipTagKey]
	case rel == taggedThisName && had:
		// Tagged by an earlier version, with this resource's namespace and name: the tag is rewritten in
		// the present form, and that is no drift.
		claim, migrate = true, true
	case rel == untagged && creationPending(prev, name):
		claim = true
	case rel == taggedAnother:
		return decided(stalledOn(ossv1.ReasonOwnedByAnother, fmt.Sprintf(
			"Bucket %q is managed by %s (its tag %s); it is left untouched", name, describeOwner(obs.owner.neighbour), ossv1.OwnershipTagKey)))
	case !b.Spec.Adopt:
		return decided(stalledOn(ossv1.ReasonAdoptionRequired, adoptionRequired(name, rel)))
	case b.Spec.DeletionPolicy == ossv1.DeletionPurge:
		// Purge is for data this resource put there, or that a person agreed, after seeing the bucket
		// was taken over, to have purged: set in a later change, where review can see it.
		return decided(stalledOn(ossv1.ReasonPurgeRefused, fmt.Sprintf(
			"Bucket %q already exists and would be adopted with deletionPolicy Purge, which would delete data this resource never wrote: adopt it with deletionPolicy Retain or Delete first; Purge can be set in a later change. Nothing was written to OSS", name)))
	default:
		claim, claimEvent = true, &actionEvent{reason: ossv1.EventAdopted, action: "Adopt", message: adopted(name, rel)}
	}

	// From here on the bucket is this resource's, or is about to be: what it is may be shown.
	shown := func(out outcome) bucketPlan {
		plan := decided(out)
		plan.identity = true
		return plan
	}
	if msg := immutableMismatch(b, obs.info, region); msg != "" {
		return shown(stalledOn(ossv1.ReasonImmutableFieldMismatch, msg))
	}
	if claim && paused {
		return shown(pausedOutcome(false, fmt.Sprintf("Paused: bucket %s is taken over as this resource's when the ossoperator.io/paused annotation is removed", name)))
	}

	plan := bucketPlan{claimEvent: claimEvent, identity: true}
	values := obs.settings
	if claim {
		// The declared tags go with the ownership tag: one write, after which the tags setting is in sync.
		plan.claim = withOwner(otherTags(obs.tags), owner)
		if b.Spec.Tags != nil && !migrate {
			// A migration only rewrites the ownership tag: the tags setting then says what else differs.
			plan.claim = withOwner(b.Spec.Tags, owner)
		}
		values = maps.Clone(values)
		if _, ok := values[tagsSetting.name]; ok {
			values[tagsSetting.name] = settingValue{got: plan.claim}
		}
	}
	plan.settings = planSettings(b, prev, owner, values, paused)
	return plan
}

// whilePaused keeps a paused Bucket in its own state whatever else was found: nothing was written,
// and what would otherwise be said is in the message.
func whilePaused(b *ossv1.Bucket, out outcome) outcome {
	if !isPaused(b) || out.state == paused {
		return out
	}
	p := pausedOutcome(false, fmt.Sprintf("Paused: no writes to OSS until the ossoperator.io/paused annotation is removed; meanwhile %s: %s", out.reason, out.message))
	p.events, p.err = out.events, out.err
	return p
}

// decideClaim says whether the Bucket holds the claim on its bucket name, which it needs before it
// creates or takes over a bucket. The claim is made when the Bucket does not manage the bucket yet.
func decideClaim(b *ossv1.Bucket, obs *bucketObservation) (outcome, bool) {
	switch {
	case obs.claim == nil && obs.claimErr == nil:
		return outcome{}, true
	case obs.claimErr != nil:
		return retrying(ossv1.ReasonReconciling, "Claiming the bucket name failed, will retry: "+obs.claimErr.Error(), obs.claimErr), false
	case obs.claim.held:
		return outcome{}, true
	}
	by := "another Bucket of this cluster"
	if obs.claim.holder != "" {
		_, name, _ := cutNamespacedName(obs.claim.holder)
		by = fmt.Sprintf("Bucket %q of this namespace", name)
	}
	return stalledOn(ossv1.ReasonBucketNameClaimed, fmt.Sprintf(
		"Bucket name %q is claimed by %s, with the same account: one OSS bucket is managed by one Bucket. Nothing was sent to OSS; choose another spec.name, or delete the other Bucket", b.BucketName(), by)), false
}

// cannotHave says whether an outcome means the Bucket cannot have its bucket: its claim on the name
// then goes.
func cannotHave(out outcome) bool {
	return out.reason == ossv1.ReasonOwnedByAnother || out.reason == ossv1.ReasonBucketNameUnavailable
}

// decideCreating is what the status says while the bucket is created: it is written before PutBucket,
// with status.createdBucket.
func decideCreating(b *ossv1.Bucket, region string) outcome {
	return waiting(ossv1.ReasonCreating, fmt.Sprintf("Creating bucket %s in %s", b.BucketName(), region), untilChange)
}

// decideCreate decides from PutBucket's answer, and whether the ownership tag could be made (ownerErr:
// its namespace could not be read). created is false when the new bucket is not settled now (PutBucket
// failed, or the tag cannot be made); forget is true when the bucket was certainly not created by this
// resource (status.createdBucket is cleared).
func decideCreate(b *ossv1.Bucket, err, ownerErr error) (out outcome, created, forget bool) {
	name := b.BucketName()
	switch {
	case err == nil && ownerErr != nil:
		// The next reconcile finds the bucket untagged and, as status.createdBucket names it, tags it.
		return retrying(ossv1.ReasonReconciling, fmt.Sprintf("Created bucket %s; making its ownership tag failed, will retry: %v", name, ownerErr), ownerErr), false, false
	case err == nil:
		return outcome{}, true, false
	case ossapi.IsCode(err, ossapi.CodeBucketAlreadyExists):
		// Another account's, or one of this account with another storage class or redundancy type,
		// made since GetBucketInfo: looked at again as an existing bucket.
		return waiting(ossv1.ReasonCreating, fmt.Sprintf(
			"Bucket %s was created by someone else meanwhile (OSS answered BucketAlreadyExists); looking at it again", name), poll), false, true
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		return stalledOn(ossv1.ReasonBucketNameUnavailable, fmt.Sprintf(
			"Bucket %s cannot be created: the name belongs to another account, or the credentials may not create buckets (oss:PutBucket): %s", name, describe(err))), false, true
	case retryable(err):
		// PutBucket may have created it: the record stays, so the bucket is known as this resource's.
		return ossFailure("Creating bucket "+name, err), false, false
	}
	return ossFailure("Creating bucket "+name, err), false, true
}

// concludeNew is the outcome of a bucket created in this reconcile, from its ownership tag write, its
// read-back and its settings.
func concludeNew(b *ossv1.Bucket, region string, tagErr error, info *ossapi.BucketInfo, infoErr error, plans []settingPlan) (outcome, []ossv1.SettingStatus) {
	name := b.BucketName()
	created := actionEvent{reason: ossv1.EventCreated, action: "Create", message: fmt.Sprintf("Created bucket %s in %s", name, region)}
	switch {
	case tagErr != nil:
		// The next reconcile finds the bucket untagged and, as status.createdBucket names it, tags it.
		return ossFailure("Tagging the new bucket "+name, tagErr).with(created), uncheckedSettings(b, &ossv1.BucketStatus{}, "not applied yet: the bucket is not tagged as this resource's yet")
	case infoErr != nil:
		return ossFailure("Reading back the new bucket "+name, infoErr).with(created), uncheckedSettings(b, &ossv1.BucketStatus{}, "not checked yet: the new bucket could not be read back")
	}
	out, statuses := concludeBucket(b, bucketPlan{settings: plans}, nil, info.Location, true)
	out.events = append([]actionEvent{created}, out.events...)
	return out, statuses
}

// ossFailure is a failed OSS call: a transient one is retried with backoff, anything else needs a
// person.
func ossFailure(what string, err error) outcome {
	var out outcome
	switch {
	case retryable(err):
		return retrying(ossv1.ReasonOSSUnavailable, what+" failed, will retry: "+describe(err), err)
	case ossapi.IsCode(err, ossapi.CodeTooManyBuckets):
		out = stalledOn(ossv1.ReasonTooManyBuckets, what+" failed: the account has reached its bucket limit in the region: "+describe(err))
	default:
		out = stalledOn(ossv1.ReasonOSSRejected, what+" failed: "+describe(err))
	}
	out.err = err
	return out
}

// concludeBucket turns what the writes did into the outcome and the settings' statuses. fresh: the
// bucket was created in this reconcile (its settings were set, not corrected).
func concludeBucket(b *ossv1.Bucket, plan bucketPlan, claimErr error, location string, fresh bool) (outcome, []ossv1.SettingStatus) {
	name := b.BucketName()
	var events []actionEvent
	if claimErr != nil {
		var statuses []ossv1.SettingStatus
		for _, p := range plan.settings {
			statuses = append(statuses, ossv1.SettingStatus{Name: p.name, InSync: false, SyncedGeneration: p.synced,
				Message: "not applied: the bucket is not tagged as this resource's yet"})
		}
		return ossFailure("Tagging bucket "+name+" as this resource's", claimErr), statuses
	}
	if plan.claimEvent != nil {
		events = append(events, *plan.claimEvent)
	}

	var statuses []ossv1.SettingStatus
	var failed, transient, pending, updated, corrected []string
	var transientErr, failedErr error
	waitingFor := ""
	for _, p := range plan.settings {
		st := ossv1.SettingStatus{Name: p.name, InSync: true, SyncedGeneration: b.Generation}
		err := p.readErr
		if err == nil {
			err = p.writeErr
		}
		var missing *logTargetMissing
		switch {
		case errors.As(err, &missing):
			st.InSync, st.Message, st.SyncedGeneration = false, truncate(err.Error()), p.synced
			waitingFor = missing.bucket
		case err != nil && retryable(err):
			st.InSync, st.Message, st.SyncedGeneration = false, truncate(describe(err)), p.synced
			transient = append(transient, fmt.Sprintf("spec.%s: %s", p.name, describe(err)))
			transientErr = err
		case err != nil:
			st.InSync, st.Message, st.SyncedGeneration = false, truncate(describe(err)), p.synced
			failed = append(failed, fmt.Sprintf("spec.%s: %s%s", p.name, describe(err), refusalHint(b, p, err)))
			failedErr = err
		case p.pending:
			st.InSync, st.Message, st.SyncedGeneration = false, "differs from the spec; not corrected while paused", p.synced
			pending = append(pending, p.name)
		case p.write && p.drift && !fresh:
			corrected = append(corrected, p.name)
		case p.write && !fresh:
			updated = append(updated, "spec."+p.name)
		}
		statuses = append(statuses, st)
	}

	for _, name := range corrected {
		// One action per setting: Events of the same reason and action are merged into one series.
		events = append(events, actionEvent{reason: ossv1.EventDriftCorrected, action: "Correct" + strings.ToUpper(name[:1]) + name[1:],
			message: fmt.Sprintf("spec.%s differed in OSS from what the operator applied, and was corrected", name)})
	}
	if len(updated) > 0 {
		e := actionEvent{reason: ossv1.EventUpdated, action: "Update", message: fmt.Sprintf("Applied %s to bucket %s", strings.Join(updated, ", "), name)}
		for _, field := range updated {
			e.lines = append(e.lines, "Applied "+field)
		}
		events = append(events, e)
	}

	var out outcome
	switch {
	case len(failed) > 0:
		msg := "OSS refused settings: " + strings.Join(failed, "; ")
		if len(transient) > 0 {
			msg += "; and, to be retried: " + strings.Join(transient, "; ")
		}
		out = stalledOn(ossv1.ReasonOSSRejected, msg)
		out.err = failedErr
	case len(transient) > 0:
		out = retrying(ossv1.ReasonOSSUnavailable, "Settings will be retried: "+strings.Join(transient, "; "), transientErr)
	case waitingFor != "":
		out = waiting(ossv1.ReasonLogTargetNotFound, fmt.Sprintf(
			"Waiting for the log target bucket %q named by spec.logging.targetBucket to exist; the other settings are applied", waitingFor), poll)
		// Also watched: a Bucket of this cluster that becomes Ready brings back those logging into it.
	case len(pending) > 0:
		out = pausedOutcome(false, "Paused: these settings differ from the spec and are not corrected until the ossoperator.io/paused annotation is removed: "+strings.Join(pending, ", "))
	case isPaused(b):
		out = pausedOutcome(true, fmt.Sprintf("Bucket %s is as declared; paused: no writes to OSS until the ossoperator.io/paused annotation is removed", name))
	default:
		out = readyOutcome(fmt.Sprintf("Bucket %s is ready in %s", name, location))
	}
	return out.with(events...), statuses
}

// refusalHint names the fix when OSS refuses a public ACL or policy because Block Public Access is on.
func refusalHint(b *ossv1.Bucket, p settingPlan, err error) string {
	publicSetting := p.name == aclSetting.name || p.name == policySetting.name
	bpaOff := b.Spec.PublicAccessBlock != nil && !*b.Spec.PublicAccessBlock
	if publicSetting && p.writeErr != nil && !bpaOff && ossapi.IsCode(err, ossapi.CodeAccessDenied) {
		return " (a policy or ACL that grants public access is refused while Block Public Access is on: set spec.publicAccessBlock: false)"
	}
	return ""
}

// carrySettings are the settings' statuses of a reconcile that stopped before reaching them: those of
// the status when the spec is unchanged, else every managed setting marked as not applied yet, so that
// status.settings always describe status.observedGeneration.
func carrySettings(b *ossv1.Bucket, prev *ossv1.BucketStatus) []ossv1.SettingStatus {
	if prev.ObservedGeneration == b.Generation {
		return prev.Settings
	}
	return uncheckedSettings(b, prev, "not applied yet: see the Ready condition")
}

// uncheckedSettings marks every managed setting as not known to be in sync, keeping the generation at
// which each last was.
func uncheckedSettings(b *ossv1.Bucket, prev *ossv1.BucketStatus, message string) []ossv1.SettingStatus {
	var out []ossv1.SettingStatus
	for _, s := range managedSettings(b) {
		out = append(out, ossv1.SettingStatus{Name: s.settingName(), InSync: false, Message: message, SyncedGeneration: syncedGeneration(prev, s.settingName())})
	}
	return out
}

// describeOwner names the owner a tag names for a message to this namespace: a resource of another
// namespace or cluster is not named, to a tenant, by its namespace and name.
func describeOwner(neighbour string) string {
	if neighbour != "" {
		return fmt.Sprintf("Bucket %q of this namespace", neighbour)
	}
	return "another resource, of another namespace or cluster"
}

// adoptionRequired says why an existing bucket is not taken over, and how to.
func adoptionRequired(name string, rel ownerRelation) string {
	switch rel {
	case taggedThisName:
		return fmt.Sprintf("Bucket %q carries the ownership tag of an earlier resource of this name; set spec.adopt: true to take it over (settings the spec does not declare are left as they are)", name)
	case taggedGone:
		return fmt.Sprintf("Bucket %q carries the ownership tag of a resource that no longer manages it; set spec.adopt: true to take it over (settings the spec does not declare are left as they are)", name)
	}
	return fmt.Sprintf("Bucket %q already exists in this account and no resource manages it; set spec.adopt: true to take it over (settings the spec does not declare are left as they are)", name)
}

func adopted(name string, rel ownerRelation) string {
	if rel == taggedGone {
		return fmt.Sprintf("Adopted existing bucket %s (it was tagged for a resource that no longer manages it)", name)
	}
	return fmt.Sprintf("Adopted existing bucket %s", name)
}

// immutableMismatch says how an existing bucket differs from what cannot be changed, and the way out.
func immutableMismatch(b *ossv1.Bucket, info *ossapi.BucketInfo, region string) string {
	name := b.BucketName()
	if got := info.Region(); got != "" && got != region {
		how := "set spec.region: " + got
		if b.Spec.Region == "" {
			how = "set spec.region: " + got + " (the AccessKey's region, " + region + ", is used when it is not set)"
		}
		return fmt.Sprintf("Bucket %q is in %s, not %s: a bucket cannot move region; %s, or use another bucket name", name, got, region, how)
	}
	if b.Spec.StorageClass != "" && info.StorageClass != "" && string(info.StorageClass) != b.Spec.StorageClass {
		return fmt.Sprintf("Bucket %q has storage class %s, but spec.storageClass says %s and OSS cannot change it: remove spec.storageClass or set it to %s", name, info.StorageClass, b.Spec.StorageClass, info.StorageClass)
	}
	if b.Spec.RedundancyType != "" && info.DataRedundancyType != "" && string(info.DataRedundancyType) != b.Spec.RedundancyType {
		return fmt.Sprintf("Bucket %q has redundancy type %s, but spec.redundancyType says %s and OSS cannot change it: remove spec.redundancyType or set it to %s", name, info.DataRedundancyType, b.Spec.RedundancyType, info.DataRedundancyType)
	}
	return ""
}

// deletionPlan is what decideDeletion concluded.
type deletionPlan struct {
	verdict outcome
	// deleteBucket: delete the (empty) bucket, then let the resource go. removeTag: remove the
	// ownership tag, then let it go. purge: run a purge (deletionPolicy Purge), then delete the bucket
	// if the run emptied it.
	deleteBucket, removeTag, purge bool
}

// nothingToDelete says whether the Bucket never had a bucket of its own (never created nor taken
// over): its deletion touches nothing in OSS.
func nothingToDelete(b *ossv1.Bucket) bool {
	name := b.BucketName()
	return !hasManaged(&b.Status, name) && !creationPending(&b.Status, name)
}

// decideEndpointNotAnswering is a Bucket whose AccessKey's endpoint gave no answer to the last
// attempts: nothing is asked of it until it answers the operator's probe, which wakes the Bucket.
func decideEndpointNotAnswering(b *ossv1.Bucket, v gateVerdict) outcome {
	return waiting(ossv1.ReasonEndpointUnreachable, fmt.Sprintf(
		"The endpoint of AccessKey %q gives no answer (%s). Nothing is sent for bucket %s until it answers again; the operator checks again at %s and carries on as soon as it does",
		accessKeyOfBucket(b).Name, v.lastErr, b.BucketName(), v.probeAt.UTC().Format(time.RFC3339)), poll)
}

// decidePausedDeletion is a paused Bucket's deletion: nothing is read or written until it is resumed.
func decidePausedDeletion(b *ossv1.Bucket) outcome {
	return blockedOn(ossv1.ReasonPaused, fmt.Sprintf(
		"Paused: bucket %s is left as it is until the ossoperator.io/paused annotation is removed; then the deletion (deletionPolicy %s) goes on", b.BucketName(), policyName(b)), untilChange)
}

// retainPatience is how long a Retain deletion retries a transient failure to remove the ownership
// tag before it lets the resource go anyway, the tag left: a Retain deletion never hangs on OSS.
const retainPatience = 2 * time.Minute

// retainGivesUp says whether a Retain deletion that failed with err lets the resource go now.
func retainGivesUp(b *ossv1.Bucket, err error, now time.Time) bool {
	return !retryable(err) || !patient(b, now)
}

// patient says whether a Retain deletion still retries what may go away by itself.
func patient(b *ossv1.Bucket, now time.Time) bool {
	return now.Sub(b.DeletionTimestamp.Time) < retainPatience
}

// decideDeletion applies the deletionPolicy to what was observed. A bucket that is gone, or is not
// this resource's, never blocks the deletion; a non-empty bucket is never emptied.
func decideDeletion(b *ossv1.Bucket, obs *bucketObservation, now time.Time) deletionPlan {
	name := b.BucketName()
	retain := b.Spec.DeletionPolicy != ossv1.DeletionDelete && b.Spec.DeletionPolicy != ossv1.DeletionPurge
	if out, ok := decideCredentials(obs.creds); !ok {
		switch {
		case out.wait == backoff && (!retain || patient(b, now)):
			blocked := blockedOn(out.reason, fmt.Sprintf("Cannot reach the credentials to delete or let go of bucket %s, will retry: %s", name, out.message), backoff)
			blocked.err = out.err
			return deletionPlan{verdict: blocked}
		case retain:
			return deletionPlan{verdict: releasedOutcome(actionEvent{reason: ossv1.EventReleased, action: "Delete", warning: true, message: fmt.Sprintf(
				"Bucket %s left in OSS (deletionPolicy Retain) with its ownership tag %s, which could not be removed: %s. A new Bucket takes it over with spec.adopt: true",
				name, ossv1.OwnershipTagKey, out.message)})}
		}
		// Looked at again when the AccessKey changes, and polled: a Secret restored under an AccessKey
		// that is itself being deleted changes nothing the Bucket watches.
		how := fmt.Sprintf("Restore AccessKey %q and its Secret", obs.creds.accessKey)
		if obs.creds.notGranted != "" {
			how = fmt.Sprintf("Have AccessKey %q grant namespace %q again", obs.creds.accessKey, obs.creds.notGranted)
		}
		return deletionPlan{verdict: blockedOn(out.reason, fmt.Sprintf(
			"Cannot delete bucket %s: %s. %s, or set spec.deletionPolicy: Retain to keep the bucket and let the resource go",
			name, out.message, how), poll)}
	}

	ours := obs.owner.ours(&b.Status, name)
	if retain {
		switch {
		case ossapi.IsCode(obs.tagsErr, ossapi.CodeNoSuchBucket):
			return deletionPlan{verdict: releasedOutcome(releasedEvent(name, "no longer exists in OSS"))}
		case obs.tagsErr != nil && !retainGivesUp(b, obs.tagsErr, now):
			return deletionPlan{verdict: deletionFailure("Reading the tags of bucket "+name, obs.tagsErr)}
		case obs.tagsErr != nil:
			return deletionPlan{verdict: releasedOutcome(actionEvent{reason: ossv1.EventReleased, action: "Delete", warning: true, message: fmt.Sprintf(
				"Bucket %s left in OSS (deletionPolicy Retain); its ownership tag could not be read or removed: %s. A new Bucket takes it over with spec.adopt: true", name, describe(obs.tagsErr))})}
		case ours:
			return deletionPlan{removeTag: true}
		}
		return deletionPlan{verdict: releasedOutcome(releasedEvent(name, "left in OSS (deletionPolicy Retain)"))}
	}

	switch err := obs.infoErr; {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		return deletionPlan{verdict: releasedOutcome(releasedEvent(name, "no longer exists in OSS"))}
	case err != nil:
		// AccessDenied too: the bucket is this resource's (nothingToDelete ruled out the others), so a
		// denial is most likely credentials that lost a permission, never a reason to leave it behind.
		return deletionPlan{verdict: deletionFailure("Reading bucket "+name, err)}
	case obs.tagsErr != nil:
		return deletionPlan{verdict: deletionFailure("Reading the tags of bucket "+name, obs.tagsErr)}
	}
	if !ours && !(obs.owner.relation == untagged && creationPending(&b.Status, name)) {
		return deletionPlan{verdict: releasedOutcome(releasedEvent(name, fmt.Sprintf("is not managed by this resource (its tag %s is not this resource's); left in OSS", ossv1.OwnershipTagKey)))}
	}
	if obs.contentsErr != nil {
		return deletionPlan{verdict: deletionFailure("Listing the contents of bucket "+name, obs.contentsErr)}
	}
	if !obs.contents.empty() && b.Spec.DeletionPolicy == ossv1.DeletionPurge {
		if !purgeAllowed(b) {
			return deletionPlan{verdict: blockedOn(ossv1.ReasonPurgeRefused, fmt.Sprintf(
				"Bucket %s was adopted, not created, by this resource, and spec.adopt is no longer true: it is not purged (deletionPolicy Purge empties an adopted bucket only while spec.adopt is true). %s", name, notEmpty(name, obs.contents)), poll)}
		}
		return deletionPlan{purge: true}
	}
	if !obs.contents.empty() {
		return deletionPlan{verdict: blockedOn(ossv1.ReasonBucketNotEmpty, notEmpty(name, obs.contents), poll)}
	}
	return deletionPlan{deleteBucket: true}
}

// purgeAllowed says whether deletionPolicy Purge may empty the bucket: one this resource created, or
// one it adopted while spec.adopt still says so. A Bucket whose spec says Purge never adopts
// (decideBucket), so on an adopted bucket Purge was set after the adoption.
func purgeAllowed(b *ossv1.Bucket) bool {
	return b.Status.CreatedBucket == b.BucketName() || b.Spec.Adopt
}

// purgeEventEvery is how often a purge's progress is an Event (besides its start and its end).
const purgeEventEvery = 3 * time.Minute

// purgeProgress adds what a run, begun at started, deleted to the status's counts.
func purgeProgress(prev *ossv1.PurgeStatus, run purgeRun, started, now time.Time) *ossv1.PurgeStatus {
	t := metav1.NewTime(now.UTC().Truncate(time.Second))
	begun := metav1.NewTime(started.UTC().Truncate(time.Second))
	st := &ossv1.PurgeStatus{StartTime: &begun}
	if prev != nil {
		st = prev.DeepCopy()
	}
	st.UpdateTime = &t
	st.Objects += run.deleted.objects
	st.Versions += run.deleted.versions
	st.DeleteMarkers += run.deleted.deleteMarkers
	st.Uploads += run.deleted.uploads
	st.Listings += run.deleted.listings
	switch {
	case run.finished:
		st.RemainingListings = 0
	case run.left >= 0:
		left := max(0, run.left-run.deleted.entries()-run.deleted.uploads)
		st.RemainingListings = max(1, (left+purgePage-1)/purgePage)
	}
	return st
}

// concludePurge is the outcome of a purge run that did not empty the bucket (or failed). prev is the
// purge's status before the run, st after it.
func concludePurge(b *ossv1.Bucket, prev, st *ossv1.PurgeStatus, err error, now time.Time) outcome {
	name := b.BucketName()
	var events []actionEvent
	switch {
	case prev == nil:
		events = append(events, purgeStarted(name))
	case crossed(prev, now):
		events = append(events, actionEvent{reason: ossv1.ReasonPurging, action: "Delete", message: purgingMessage(name, st, now)})
	}
	var out outcome
	switch {
	case err == nil:
		out = blockedOn(ossv1.ReasonPurging, purgingMessage(name, st, now), soon)
		out.quiet = true
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		return releasedOutcome(append(events, releasedEvent(name, "no longer exists in OSS"))...)
	case ossapi.IsCode(err, ossapi.CodeFileImmutable):
		out = blockedOn(ossv1.ReasonPurgeForbidden, fmt.Sprintf(
			"Purge of bucket %s stopped: a retention policy (WORM) protects objects that are still in their retention period (OSS answered %s). What could be deleted was; the rest is left, and retried now and then: it can be deleted once its retention period ends (GetBucketWorm says how long). Set spec.deletionPolicy: Retain to keep the bucket and let the resource go", name, describe(err)), poll)
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		out = blockedOn(ossv1.ReasonPurgeForbidden, fmt.Sprintf(
			"Purge of bucket %s stopped: OSS denied it (%s). The credentials need oss:ListObjectVersions, oss:DeleteObject, oss:DeleteObjectVersion, oss:ListMultipartUploads and oss:AbortMultipartUpload on the bucket (a bucket policy may also deny them). Nothing more is deleted until it is fixed; or set spec.deletionPolicy: Retain to keep the bucket and let the resource go", name, describe(err)), poll)
	default:
		out = deletionFailure("Purging bucket "+name, err)
	}
	out.err = err
	return out.with(events...)
}

// purgeStarted is the Event of a purge's start.
func purgeStarted(name string) actionEvent {
	return actionEvent{reason: ossv1.ReasonPurging, action: "Delete", warning: true, message: fmt.Sprintf(
		"Purging bucket %s (deletionPolicy Purge): deleting every object, old version, delete marker and unfinished upload, then the bucket", name)}
}

// crossed says whether a purge's progress Event falls due: the purge has gone on for another
// purgeEventEvery since its status was last written.
func crossed(prev *ossv1.PurgeStatus, now time.Time) bool {
	if prev.StartTime == nil || prev.UpdateTime == nil {
		return false
	}
	start := prev.StartTime.Time
	return now.Sub(start)/purgeEventEvery > prev.UpdateTime.Sub(start)/purgeEventEvery
}

// purgingMessage says how far a purge is.
func purgingMessage(name string, st *ossv1.PurgeStatus, now time.Time) string {
	left := "the last listing is under way"
	if st.RemainingListings > 1 {
		left = fmt.Sprintf("about %d listings of up to %d entries left (OSS's bucket statistics, which lag)", st.RemainingListings, purgePage)
	}
	return fmt.Sprintf("Purging bucket %s (deletionPolicy Purge) for %s: %s; %s", name, since(st, now), purgedCounts(st), left)
}

// purgedCounts says what a purge deleted.
func purgedCounts(st *ossv1.PurgeStatus) string {
	return fmt.Sprintf("deleted %d objects, %d old versions, %d delete markers and %d unfinished uploads", st.Objects, st.Versions, st.DeleteMarkers, st.Uploads)
}

func since(st *ossv1.PurgeStatus, now time.Time) time.Duration {
	if st.StartTime == nil {
		return 0
	}
	return now.Sub(st.StartTime.Time).Truncate(time.Second)
}

// concludeDeletion turns the answer to DeleteBucket or to the tag removal into the outcome.
func concludeDeletion(b *ossv1.Bucket, plan deletionPlan, err error, now time.Time) outcome {
	name := b.BucketName()
	if plan.deleteBucket && b.Spec.DeletionPolicy == ossv1.DeletionPurge {
		return concludePurged(b, err, now)
	}
	if plan.removeTag {
		if err != nil && !retainGivesUp(b, err, now) {
			return deletionFailure("Removing the ownership tag of bucket "+name, err)
		}
		if err != nil {
			return releasedOutcome(actionEvent{reason: ossv1.EventReleased, action: "Delete", warning: true, message: fmt.Sprintf(
				"Bucket %s left in OSS (deletionPolicy Retain); its ownership tag could not be removed: %s. A new Bucket takes it over with spec.adopt: true", name, describe(err))})
		}
		return releasedOutcome(releasedEvent(name, "left in OSS (deletionPolicy Retain), without its ownership tag: another Bucket can adopt it"))
	}
	switch {
	case err == nil, ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		return releasedOutcome(actionEvent{reason: ossv1.EventDeleted, action: "Delete", message: "Deleted bucket " + name})
	case ossapi.IsCode(err, ossapi.CodeBucketNotEmpty):
		return blockedOn(ossv1.ReasonBucketNotEmpty, fmt.Sprintf(
			"Bucket %s is not empty: something was written to it since it was listed (OSS refused DeleteBucket: %s). The operator never deletes data: empty it, or set spec.deletionPolicy: Retain to keep it and let the resource go", name, describe(err)), poll)
	}
	return deletionFailure("Deleting bucket "+name, err)
}

// concludePurged turns the answer to DeleteBucket under deletionPolicy Purge into the outcome: a
// bucket written to since it was emptied is purged again.
func concludePurged(b *ossv1.Bucket, err error, now time.Time) outcome {
	name, st := b.BucketName(), b.Status.Purge
	switch {
	case err == nil, ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		deleted := actionEvent{reason: ossv1.EventDeleted, action: "Delete", message: "Deleted bucket " + name}
		if st == nil {
			return releasedOutcome(deleted)
		}
		return releasedOutcome(actionEvent{reason: ossv1.EventPurged, action: "Delete", message: fmt.Sprintf(
			"Purged bucket %s in %s: %s", name, since(st, now), purgedCounts(st))}, deleted)
	case ossapi.IsCode(err, ossapi.CodeBucketNotEmpty):
		if st == nil {
			st = &ossv1.PurgeStatus{}
		}
		out := blockedOn(ossv1.ReasonPurging, purgingMessage(name, st, now)+"; something was written to the bucket meanwhile", soon)
		out.quiet = true
		return out
	}
	return deletionFailure("Deleting bucket "+name, err)
}

// deletionFailure is a failed OSS call during a deletion: a transient one is retried with backoff;
// any other blocks the deletion until the slow retry or a change.
func deletionFailure(what string, err error) outcome {
	out := blockedOn(ossv1.ReasonOSSRejected, what+" failed: "+describe(err)+". Fix what OSS says (for example grant oss:DeleteBucket), or set spec.deletionPolicy: Retain to keep the bucket and let the resource go", poll)
	if retryable(err) {
		out = blockedOn(ossv1.ReasonOSSUnavailable, what+" failed, will retry: "+describe(err), backoff)
	}
	out.err = err
	return out
}

// notEmpty says what is left and how to remove it.
func notEmpty(name string, c bucketContents) string {
	var how []string
	if c.objects+c.oldVersions+c.deleteMarkers > 0 {
		how = append(how, fmt.Sprintf("every object version and delete marker (ossutil rm oss://%s -r -f --all-versions)", name))
	}
	if c.uploads > 0 {
		how = append(how, "the unfinished multipart uploads (the console's Fragments list of the bucket, or a lifecycle rule with abortMultipartUpload)")
	}
	return fmt.Sprintf("Bucket %s is not empty: %s. The operator never deletes data: delete %s, or set spec.deletionPolicy: Retain to keep the bucket and let the resource go",
		name, c, strings.Join(how, ", and "))
}

func releasedEvent(name, what string) actionEvent {
	return actionEvent{reason: ossv1.EventReleased, action: "Delete", message: "Bucket " + name + " " + what}
}

func policyName(b *ossv1.Bucket) string {
	switch b.Spec.DeletionPolicy {
	case ossv1.DeletionDelete, ossv1.DeletionPurge:
		return string(b.Spec.DeletionPolicy)
	}
	return "Retain"
}

// otherTags are the tags other than the ownership tag.
func otherTags(tags map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range tags {
		if k != ossv1.OwnershipTagKey {
			m[k] = v
		}
	}
	return m
}

func isPaused(b *ossv1.Bucket) bool { return b.Annotations[ossv1.AnnotationPaused] == "true" }

// creationPending reports whether the operator has begun creating the bucket for this resource and
// not yet recorded it as its own: then an untagged bucket of that name in the account is the one it
// created, whatever happened between PutBucket and the tag write (a restart, a failed write, a pause,
// a deletion). Once the new bucket is recorded (its creation time), only the ownership tag counts: an
// untagged bucket of the name is then someone else's.
func creationPending(st *ossv1.BucketStatus, name string) bool {
	return st.CreatedBucket != "" && st.CreatedBucket == name && st.CreationTime == nil
}

// hasManaged reports whether this resource has had the bucket as its own: its details (creation time
// among them) are recorded in status only once it is. A new resource of the same name, whose status
// is empty, takes over a tagged bucket only with spec.adopt.
func hasManaged(st *ossv1.BucketStatus, name string) bool {
	return st.BucketName == name && st.CreationTime != nil
}

// observing says whether the Bucket only observes its bucket (spec.managementPolicy: Observe): it
// never writes to OSS, holds no claim on the name, and its deletion touches nothing in OSS.
func observing(b *ossv1.Bucket) bool { return b.Spec.ManagementPolicy == ossv1.ManagementObserve }

// observedPlan is what decideObserved concluded for an Observe Bucket: never a write, only what the
// status shows.
type observedPlan struct {
	out outcome
	// identity: the bucket's details (region, storage class, address) may be shown.
	identity bool
	// observed and settings are status.observed and status.settings.
	observed *ossv1.ObservedBucket
	settings []ossv1.SettingStatus
}

// decideObserved decides what an Observe Bucket shows from what was read. region is the region its
// client is for. Until the bucket is read, the last observation stays in status; a bucket that does
// not exist has none.
func decideObserved(b *ossv1.Bucket, prev *ossv1.BucketStatus, obs *bucketObservation, region string) observedPlan {
	name := b.BucketName()
	keep := func(out outcome) observedPlan {
		return observedPlan{out: out, observed: prev.Observed, settings: carrySettings(b, prev)}
	}
	if out, ok := decideCredentials(obs.creds); !ok {
		return keep(out)
	}
	switch err := obs.infoErr; {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		// Polled, not Stalled: a bucket made by hand or by a pipeline comes by itself.
		return observedPlan{settings: uncheckedSettings(b, prev, "not observed: the bucket does not exist"), out: waiting(ossv1.ReasonBucketNotFound, fmt.Sprintf(
			"Bucket %s does not exist in this account in %s; an Observe Bucket never creates it, and looks again until it exists. To have the operator create it, set spec.managementPolicy: Manage", name, region), poll)}
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		return keep(stalledOn(ossv1.ReasonBucketNameUnavailable, fmt.Sprintf(
			"Bucket %q belongs to another account (OSS answered AccessDenied to GetBucketInfo), or the credentials may not read it: check the bucket name and the AccessKey's permissions", name)))
	case err != nil:
		return keep(ossFailure("Reading bucket "+name, err))
	}
	if obs.tagsErr != nil {
		return keep(ossFailure("Reading the tags of bucket "+name, obs.tagsErr))
	}
	if obs.owner.relation == taggedAnother && obs.owner.neighbour == "" {
		// Another namespace's (or cluster's): what a tenant may not manage, it may not look into either.
		return observedPlan{settings: uncheckedSettings(b, prev, "not shown: the bucket is another resource's"), out: stalledOn(ossv1.ReasonOwnedByAnother, fmt.Sprintf(
			"Bucket %q is managed by %s (its tag %s); an Observe Bucket shows nothing of it", name, describeOwner(""), ossv1.OwnershipTagKey))}
	}
	if got := obs.info.Region(); got != "" && got != region {
		// The settings were read through another region's endpoint: not shown.
		plan := keep(stalledOn(ossv1.ReasonImmutableFieldMismatch, immutableMismatch(b, obs.info, region)))
		plan.identity = true
		return plan
	}

	plan := observedPlan{identity: true, observed: &ossv1.ObservedBucket{}}
	plan.observed.Settings, plan.observed.Omitted = showSettings(obs.settings)
	var diffs []string
	if b.Spec.StorageClass != "" && string(obs.info.StorageClass) != b.Spec.StorageClass {
		diffs = append(diffs, "spec.storageClass")
	}
	if b.Spec.RedundancyType != "" && string(obs.info.DataRedundancyType) != b.Spec.RedundancyType {
		diffs = append(diffs, "spec.redundancyType")
	}
	for _, s := range managedSettings(b) {
		v := obs.settings[s.settingName()]
		st := ossv1.SettingStatus{Name: s.settingName(), InSync: true, SyncedGeneration: b.Generation}
		switch {
		case v.err != nil:
			st.InSync, st.Message, st.SyncedGeneration = false, truncate("could not be read: "+describe(v.err)), syncedGeneration(prev, s.settingName())
		case !observedSame(s, b, v.got):
			st.InSync, st.SyncedGeneration = false, syncedGeneration(prev, s.settingName())
			st.Message = "OSS holds another value (status.observed.settings); nothing is written while spec.managementPolicy is Observe"
			diffs = append(diffs, "spec."+s.settingName())
		}
		plan.settings = append(plan.settings, st)
	}
	plan.observed.Differences = diffs

	// A setting that failed for a moment is read again soon; what was read is shown meanwhile.
	var transient []string
	var transientErr error
	for _, s := range bucketSettings {
		if v := obs.settings[s.settingName()]; v.err != nil && retryable(v.err) {
			transient, transientErr = append(transient, fmt.Sprintf("spec.%s: %s", s.settingName(), describe(v.err))), v.err
		}
	}
	if len(transient) > 0 {
		plan.out = retrying(ossv1.ReasonOSSUnavailable, fmt.Sprintf("Reading the settings of bucket %s failed, will retry: %s", name, strings.Join(transient, "; ")), transientErr)
		return plan
	}
	plan.out = observedOutcome(observedMessage(b, obs, diffs, plan.observed.Omitted))
	return plan
}

// observedSame says whether OSS holds a declared setting as the spec declares it. The ownership tag
// is no part of it: an Observe Bucket neither writes nor expects one.
func observedSame(s setting, b *ossv1.Bucket, got any) bool {
	want, err := s.want(b, "")
	if err != nil {
		return false // specErrors refused such a spec before anything was read
	}
	if s.settingName() == tagsSetting.name {
		got = withOwner(otherTags(got.(map[string]string)), "")
	}
	return s.same(want, got)
}

// observedMessage is the Ready message of an Observe Bucket that read its bucket.
func observedMessage(b *ossv1.Bucket, obs *bucketObservation, diffs []string, omitted []ossv1.OmittedSetting) string {
	msg := fmt.Sprintf("Observed bucket %s in %s", b.BucketName(), obs.info.Region())
	if len(diffs) > 0 {
		msg += "; OSS holds other values than declared for " + strings.Join(diffs, ", ")
	} else {
		msg += "; OSS holds every declared setting as declared"
	}
	if len(omitted) > 0 {
		var names []string
		for _, o := range omitted {
			names = append(names, o.Name)
		}
		msg += "; not shown in status.observed.settings (see status.observed.omitted): " + strings.Join(names, ", ")
	}
	switch obs.owner.relation {
	case taggedAnother:
		msg += fmt.Sprintf("; it is managed by %s (its tag %s), so it cannot be adopted", describeOwner(obs.owner.neighbour), ossv1.OwnershipTagKey)
	case taggedThis:
		msg += fmt.Sprintf("; it still carries this resource's ownership tag %s", ossv1.OwnershipTagKey)
	}
	if p := b.Spec.DeletionPolicy; p != "" && p != ossv1.DeletionRetain {
		// Said, so that nobody counts on it: deleting an Observe Bucket never touches OSS.
		msg += fmt.Sprintf("; deleting this resource leaves the bucket as it is: spec.deletionPolicy %s applies once spec.managementPolicy is Manage", p)
	}
	return msg + ". Nothing is written to OSS while spec.managementPolicy is Observe"
}

// decideObservedDeletion is the deletion of an Observe Bucket that still has the finalizer of when it
// was managed: it lets the resource go and touches nothing in OSS, whatever the deletionPolicy.
func decideObservedDeletion(b *ossv1.Bucket) outcome {
	return releasedOutcome(releasedEvent(b.BucketName(), "left untouched in OSS: spec.managementPolicy is Observe, whose deletion never touches OSS"))
}
