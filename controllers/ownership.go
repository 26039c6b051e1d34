package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The ownership tag (ossv1.OwnershipTagKey) records which Bucket manages an OSS bucket:
//
//	<cluster>/<namespace UID>/<Bucket UID>
//
// UIDs, not names: a namespace or a Bucket deleted and made again under the same name is another
// resource, and takes over a bucket only with spec.adopt. Whoever reads the tag in OSS (anyone with the
// account's keys, another tenant's among them) learns no namespace or name, nor the cluster ID:
// <cluster> is a digest of --cluster-id, which by default is the kube-system namespace's UID.
//
// The tag of earlier versions, "<cluster ID>/<namespace>/<name>" (legacyOwnerTag), is still recognised:
// a Bucket that has managed its bucket (its status records it) and finds it tagged with its own
// namespace and name rewrites the tag in the new form, without a drift Event. A new resource finding
// that tag (a re-created namespace or Bucket, whose status is empty) needs spec.adopt.

// ownerRelation is what a bucket's ownership tag says of the Bucket looking at it.
type ownerRelation int

const (
	// untagged: no ownership tag.
	untagged ownerRelation = iota
	// taggedThis: this Bucket's tag.
	taggedThis
	// taggedThisName: the tag of earlier versions, naming this Bucket's namespace and name. This
	// Bucket's if its status says it has managed the bucket; otherwise an earlier resource's.
	taggedThisName
	// taggedGone: the tag of a Bucket of this cluster that no longer exists (nor does its namespace,
	// perhaps), or that manages another bucket: a tag left behind.
	taggedGone
	// taggedAnother: the tag of a live Bucket, of another cluster, or of one that cannot be looked up
	// (in a namespace this operator does not watch, or a long name of earlier versions stored as a
	// digest).
	taggedAnother
)

// ownership is a Bucket's ownership tag and what the tag found on its bucket says of it.
type ownership struct {
	// tag is this Bucket's ownership tag value, written on the bucket it manages.
	tag string
	// relation is what the tag found on the bucket says of this Bucket.
	relation ownerRelation
	// neighbour names the Bucket of this Bucket's namespace that the found tag is of; never a resource of
	// another namespace or cluster.
	neighbour string
}

// ours says whether the bucket is this Bucket's by its tag: its own tag, or that of earlier versions
// with the status to show it had the bucket or was creating it.
func (o ownership) ours(st *ossv1.BucketStatus, name string) bool {
	return o.relation == taggedThis || (o.relation == taggedThisName && (hasManaged(st, name) || creationPending(st, name)))
}

// clusterDigest stands for the cluster ID in the tag: stable, distinct for distinct IDs, and not the ID.
func clusterDigest(clusterID string) string {
	sum := sha256.Sum256([]byte("oss-operator cluster " + clusterID))
	return hex.EncodeToString(sum[:8])
}

// ownerTag is the ownership tag of the Bucket with this UID in the namespace with this UID: 90 bytes,
// within OSS's 128 for a tag value.
func ownerTag(clusterID string, namespaceUID, uid types.UID) string {
	return clusterDigest(clusterID) + "/" + string(namespaceUID) + "/" + string(uid)
}

// parseOwnerTag takes an ownership tag of this cluster apart; ok is false for any other value.
func parseOwnerTag(clusterID, tag string) (namespaceUID, uid types.UID, ok bool) {
	rest, ok := strings.CutPrefix(tag, clusterDigest(clusterID)+"/")
	if !ok {
		return "", "", false
	}
	ns, id, ok := strings.Cut(rest, "/")
	if !ok || ns == "" || id == "" || strings.Contains(id, "/") {
		return "", "", false
	}
	return types.UID(ns), types.UID(id), true
}

// maxTagValue is OSS's limit on a tag value, in bytes.
const maxTagValue = 128

// legacyOwnerTag is the tag earlier versions wrote: "<cluster>/<namespace>/<name>"; longer values kept
// a readable prefix and ended in a digest of the whole.
func legacyOwnerTag(clusterID string, b *ossv1.Bucket) string {
	v := clusterID + "/" + b.Namespace + "/" + b.Name
	if len(v) <= maxTagValue {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	digest := hex.EncodeToString(sum[:])[:24]
	return v[:maxTagValue-len(digest)-1] + "~" + digest
}

// ownerTagOf makes the Bucket's ownership tag, to be written. Its namespace's UID is read from the API
// server: a cache may not have seen a namespace made a moment ago, or may still hold one of the same
// name deleted since. It is read only when the tag is to be written: a tag found is recognised by the
// Bucket's UID alone.
func (r *BucketReconciler) ownerTagOf(ctx context.Context, b *ossv1.Bucket) (string, error) {
	ns := namespaceMeta()
	if err := r.apiReader().Get(ctx, types.NamespacedName{Name: b.Namespace}, ns); err != nil {
		return "", fmt.Errorf("reading namespace %s: %w", b.Namespace, err)
	}
	return ownerTag(r.ClusterID, ns.UID, b.UID), nil
}

// apiReader reads from the API server, not the cache.
func (r *BucketReconciler) apiReader() client.Reader {
	if r.Clients != nil && r.Clients.Reader != nil {
		return r.Clients.Reader
	}
	return r.Client
}

// relateOwn says what the tag found on the bucket says of Bucket b as far as that takes no lookup: no
// tag, this Bucket's (of this cluster, with its UID), or one of earlier versions naming it. ok is false
// for any other tag.
func relateOwn(clusterID string, b *ossv1.Bucket, found string) (rel ownerRelation, ok bool) {
	switch found {
	case "":
		return untagged, true
	case legacyOwnerTag(clusterID, b):
		return taggedThisName, true
	}
	if _, uid, ok := parseOwnerTag(clusterID, found); ok && uid == b.UID {
		return taggedThis, true
	}
	return taggedAnother, false
}

// relate says what the tag found on the bucket says of Bucket b, and which Bucket of its namespace the
// tag is of, if one is.
func (r *BucketReconciler) relate(ctx context.Context, b *ossv1.Bucket, found string) (ownerRelation, string) {
	if rel, ok := relateOwn(r.ClusterID, b, found); ok {
		return rel, ""
	}
	if nsUID, uid, ok := parseOwnerTag(r.ClusterID, found); ok {
		return r.relateByUID(ctx, b, nsUID, uid)
	}
	return r.relateByName(ctx, b, found)
}

// relateByUID looks up the Bucket a tag of this cluster names. Gone: its namespace is gone, or the
// namespace is watched and has no Bucket of that UID, or that Bucket names another bucket now.
func (r *BucketReconciler) relateByUID(ctx context.Context, b *ossv1.Bucket, nsUID, uid types.UID) (ownerRelation, string) {
	ns, found, err := r.namespaceWithUID(ctx, nsUID)
	switch {
	case err != nil:
		return taggedAnother, ""
	case !found:
		return taggedGone, ""
	}
	list := &ossv1.BucketList{}
	if err := r.List(ctx, list, client.InNamespace(ns), client.MatchingFields{uidIndex: string(uid)}); err != nil {
		// Not watched (or the cache failed): the Bucket may well be alive.
		return taggedAnother, ""
	}
	if len(list.Items) == 0 || list.Items[0].BucketName() != b.BucketName() {
		return taggedGone, ""
	}
	if ns == b.Namespace {
		return taggedAnother, list.Items[0].Name
	}
	return taggedAnother, ""
}

// relateByName looks up the Bucket a tag of earlier versions names, "<cluster>/<namespace>/<name>".
func (r *BucketReconciler) relateByName(ctx context.Context, b *ossv1.Bucket, found string) (ownerRelation, string) {
	rest, ok := strings.CutPrefix(found, r.ClusterID+"/")
	if !ok {
		return taggedAnother, ""
	}
	ns, name, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") || strings.Contains(name, "~") {
		return taggedAnother, ""
	}
	other := &ossv1.Bucket{}
	err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, other)
	switch {
	case apierrors.IsNotFound(err):
		return taggedGone, ""
	case err != nil:
		return taggedAnother, ""
	case other.BucketName() != b.BucketName():
		return taggedGone, ""
	case ns == b.Namespace:
		return taggedAnother, name
	}
	return taggedAnother, ""
}

// namespaceWithUID finds the name of the namespace with this UID: in the cache, or, when the cache has
// none, from the API server (the cache may not have seen a namespace made a moment ago).
func (r *BucketReconciler) namespaceWithUID(ctx context.Context, uid types.UID) (string, bool, error) {
	for _, reader := range []client.Reader{r.Client, r.apiReader()} {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NamespaceList"))
		if err := reader.List(ctx, list); err != nil {
			return "", false, err
		}
		for _, ns := range list.Items {
			if ns.UID == uid {
				return ns.Name, true, nil
			}
		}
	}
	return "", false, nil
}

func namespaceMeta() *metav1.PartialObjectMetadata {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	return ns
}

// uidIndex indexes Buckets by their UID, the ownership tag's way of naming them.
const uidIndex = "metadata.uid"
