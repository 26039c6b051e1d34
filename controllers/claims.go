package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// OSS has no conditional create: two Buckets naming one OSS bucket, created at once with the same
// account, would both succeed and then fight over it. So before a Bucket writes anything to a bucket
// it does not manage yet (creating it, or taking it over), it claims the name: one Lease per account and
// bucket name, in the operator's own namespace, created atomically by the API server and held by the
// Bucket's UID. The first to create it keeps it; the others are Stalled (BucketNameClaimed) and send
// nothing to OSS. The claim goes with the Bucket, or as soon as the Bucket cannot have the bucket.

// The Leases are in the operator's namespace, with the leader election's: their permissions are in the
// Role of config/rbac/leader_election_role.yaml (markers can only generate the ClusterRole).

const (
	// claimBucketAnnotation and claimHolderAnnotation say, for an administrator, what a claim Lease
	// is about; the Lease lives in the operator's namespace, which tenants cannot read.
	claimBucketAnnotation = "oss.ossoperator.io/bucket"
	claimHolderAnnotation = "oss.ossoperator.io/holder"
)

// BucketClaims keeps the claims. Leases are read from the API server, not cached: a Bucket touches its
// claim only from its first look at the bucket until the bucket carries its ownership tag, after which
// the tag says whose it is and the claim is let go.
type BucketClaims struct {
	// Client writes Leases and reads Buckets (from the cache); Leases reads Leases.
	Client    client.Client
	Leases    client.Reader
	Namespace string
}

// claim is what a Bucket found when it claimed its bucket name.
type claim struct {
	// held: this Bucket holds the claim, the Lease lease. Otherwise holder names the Bucket that does,
	// when it is of the same namespace ("" when of another: never named to a tenant).
	held   bool
	lease  types.NamespacedName
	uid    types.UID
	holder string
}

// leaseName is the claim's Lease: the same for every Bucket naming this bucket with this account.
func leaseName(account, bucket string) string {
	sum := sha256.Sum256([]byte(account + "/" + bucket))
	return "oss-bucket-" + hex.EncodeToString(sum[:16])
}

// Claim claims the bucket name for b, on account. A claim held by a Bucket that no longer exists, or no
// longer names this bucket, is taken over.
func (c *BucketClaims) Claim(ctx context.Context, b *ossv1.Bucket, account string) (claim, error) {
	key := types.NamespacedName{Namespace: c.Namespace, Name: leaseName(account, b.BucketName())}
	holder := string(b.UID)
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Annotations: map[string]string{
			claimBucketAnnotation: b.BucketName(), claimHolderAnnotation: b.Namespace + "/" + b.Name}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
	err := c.Client.Create(ctx, lease)
	switch {
	case err == nil:
		return claim{held: true, lease: key, uid: lease.UID}, nil
	case !apierrors.IsAlreadyExists(err):
		return claim{}, err
	}
	existing := &coordinationv1.Lease{}
	if err := c.Leases.Get(ctx, key, existing); err != nil {
		return claim{}, err
	}
	if existing.Spec.HolderIdentity != nil && *existing.Spec.HolderIdentity == holder {
		return claim{held: true, lease: key, uid: existing.UID}, nil
	}
	alive, sameNamespace, err := c.holderAlive(ctx, existing, b)
	if err != nil {
		return claim{}, err
	}
	if alive {
		out := claim{}
		if sameNamespace {
			out.holder = existing.Annotations[claimHolderAnnotation]
		}
		return out, nil
	}
	// Left behind: taken over, with the Lease's resourceVersion as the precondition, so that of two
	// Buckets taking it over at once one wins.
	existing.Spec.HolderIdentity = &holder
	existing.Annotations = lease.Annotations
	if err := c.Client.Update(ctx, existing); err != nil {
		return claim{}, err
	}
	return claim{held: true, lease: key, uid: existing.UID}, nil
}

// Let lets go of a claim held, in one request: the Lease is deleted if it is still the one held.
func (c *BucketClaims) Let(ctx context.Context, held claim) error {
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: held.lease.Namespace, Name: held.lease.Name}}
	err := c.Client.Delete(ctx, lease, client.Preconditions{UID: &held.uid})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// holderAlive says whether the Bucket holding a claim still exists and still names the bucket.
func (c *BucketClaims) holderAlive(ctx context.Context, lease *coordinationv1.Lease, b *ossv1.Bucket) (alive, sameNamespace bool, err error) {
	ns, name, ok := cutNamespacedName(lease.Annotations[claimHolderAnnotation])
	if !ok || lease.Spec.HolderIdentity == nil {
		return false, false, nil
	}
	other := &ossv1.Bucket{}
	err = c.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, other)
	switch {
	case apierrors.IsNotFound(err):
		return false, false, nil
	case err != nil:
		return false, false, err
	}
	return string(other.UID) == *lease.Spec.HolderIdentity && other.BucketName() == b.BucketName(), ns == b.Namespace, nil
}

// Release lets go of b's claim, if it holds one, when the claim held is not known (a Bucket deleted).
func (c *BucketClaims) Release(ctx context.Context, b *ossv1.Bucket, account string) error {
	lease := &coordinationv1.Lease{}
	err := c.Leases.Get(ctx, types.NamespacedName{Namespace: c.Namespace, Name: leaseName(account, b.BucketName())}, lease)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != string(b.UID) {
		return nil
	}
	err = c.Client.Delete(ctx, lease, client.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func cutNamespacedName(s string) (ns, name string, ok bool) {
	ns, name, ok = strings.Cut(s, "/")
	return ns, name, ok && ns != "" && name != ""
}
