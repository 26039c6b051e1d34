package controllers

import (
	"crypto/sha256"
	"encoding/hex"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// maxTagValue is OSS's limit on a tag value, in bytes.
const maxTagValue = 128

// ownerTagValue identifies the resource that manages a bucket: "<cluster>/<namespace>/<name>". Longer
// values keep a readable prefix and end in a digest of the whole, so they stay unique and stable.
func ownerTagValue(clusterID string, b *ossv1.Bucket) string {
	v := clusterID + "/" + b.Namespace + "/" + b.Name
	if len(v) <= maxTagValue {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	digest := hex.EncodeToString(sum[:])[:24]
	return v[:maxTagValue-len(digest)-1] + "~" + digest
}
