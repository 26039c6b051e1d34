package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The Secret of an issued AccessKey: created and owned by the AccessKey, holding everything an
// application needs under the names the official SDKs read, so that envFrom is the whole integration.
// The operator writes no other Secret: before every write it checks the owner reference and the label.

const (
	// issuedLabel marks a Secret the operator created for an issued AccessKey.
	issuedLabel = "oss.ossoperator.io/issued"
	// Annotations of the Secret: the key it holds, the key its last rotation replaced and when that
	// one goes, and a digest of the data, by which an edit is told from the operator's own write. Key
	// IDs and times only: never a secret.
	secretKeyIDAnnotation     = "oss.ossoperator.io/access-key-id"
	secretRetiringAnnotation  = "oss.ossoperator.io/retiring-access-key-id"
	secretRetiresAtAnnotation = "oss.ossoperator.io/retires-at"
	secretDigestAnnotation    = "oss.ossoperator.io/content-digest"
	// secretRotateAnnotation is the ossoperator.io/rotate value the key was issued for: written with
	// the key, so that a reconcile that reads an AccessKey whose status is not yet up to date does not
	// rotate twice.
	secretRotateAnnotation = "oss.ossoperator.io/rotated-for"
)

// appSecretData is the content of the Secret for an application.
type appSecretData struct {
	keyID, secret    string
	region, endpoint string
	bucket           string // the one granted bucket; "" with several grants
}

func (d appSecretData) data() map[string][]byte {
	m := map[string][]byte{
		"accessKeyId":                     []byte(d.keyID),
		"accessKeySecret":                 []byte(d.secret),
		"OSS_ACCESS_KEY_ID":               []byte(d.keyID),
		"OSS_ACCESS_KEY_SECRET":           []byte(d.secret),
		"ALIBABA_CLOUD_ACCESS_KEY_ID":     []byte(d.keyID),
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": []byte(d.secret),
		"OSS_REGION":                      []byte(d.region),
		"OSS_ENDPOINT":                    []byte(d.endpoint),
	}
	if d.bucket != "" {
		m["OSS_BUCKET"] = []byte(d.bucket)
	}
	return m
}

// dataDigest is a SHA-256 over the Secret's keys and values, in key order.
func dataDigest(data map[string][]byte) string {
	h := sha256.New()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range data {
			if !yield(k) {
				return
			}
		}
	}) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(data[k])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ownsSecret reports whether the Secret is the one this AccessKey created: its owner reference and the
// label. Any other Secret of that name is never written.
func ownsSecret(ak *ossv1.AccessKey, s *corev1.Secret) bool {
	if s.Labels[issuedLabel] != "true" {
		return false
	}
	for _, ref := range s.OwnerReferences {
		if ref.UID == ak.UID && ref.Kind == "AccessKey" && ref.Controller != nil && *ref.Controller {
			return true
		}
	}
	return false
}

// secretFacts is what the owned Secret says about the keys: the key of an intact Secret, the key an
// edited one held, and the retiring key.
type secretFacts struct {
	exists, intact bool
	keyID          string // the annotation: the key the operator last wrote
	retiringKeyID  string
	retiresAt      time.Time
	rotatedFor     string
}

func readSecretFacts(s *corev1.Secret) secretFacts {
	if s == nil {
		return secretFacts{}
	}
	f := secretFacts{exists: true, keyID: s.Annotations[secretKeyIDAnnotation], retiringKeyID: s.Annotations[secretRetiringAnnotation],
		rotatedFor: s.Annotations[secretRotateAnnotation]}
	if t, err := time.Parse(time.RFC3339, s.Annotations[secretRetiresAtAnnotation]); err == nil {
		f.retiresAt = t
	}
	f.intact = f.keyID != "" && string(s.Data["accessKeyId"]) == f.keyID && s.Annotations[secretDigestAnnotation] == dataDigest(s.Data)
	return f
}

// issuedSecret is the Secret to write: its data, owner reference, label and annotations. An existing
// Secret (owned) keeps its other labels and annotations; a GitOps tool's tracking labels are never
// copied from the AccessKey.
func issuedSecret(ak *ossv1.AccessKey, existing *corev1.Secret, d appSecretData, retiring string, retiresAt time.Time) *corev1.Secret {
	rotatedFor := ak.Annotations[ossv1.AnnotationRotate]
	s := &corev1.Secret{}
	if existing != nil {
		s = existing.DeepCopy()
	} else {
		s.Namespace, s.Name = ak.Namespace, ak.Spec.SecretRef.Name
		yes := true
		s.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: ossv1.GroupVersion.String(), Kind: "AccessKey", Name: ak.Name, UID: ak.UID,
			Controller: &yes, BlockOwnerDeletion: &yes,
		}}
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[issuedLabel] = "true"
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Type = corev1.SecretTypeOpaque
	s.Data = d.data()
	s.StringData = nil
	s.Annotations[secretKeyIDAnnotation] = d.keyID
	s.Annotations[secretDigestAnnotation] = dataDigest(s.Data)
	if rotatedFor != "" {
		s.Annotations[secretRotateAnnotation] = rotatedFor
	}
	if retiring != "" {
		s.Annotations[secretRetiringAnnotation] = retiring
		s.Annotations[secretRetiresAtAnnotation] = retiresAt.UTC().Format(time.RFC3339)
	} else {
		delete(s.Annotations, secretRetiringAnnotation)
		delete(s.Annotations, secretRetiresAtAnnotation)
	}
	return s
}
