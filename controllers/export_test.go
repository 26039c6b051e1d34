package controllers

import ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"

// IssuedNames are the RAM user and policy names of an issued AccessKey, for tests that make them
// someone else's first.
func IssuedNames(clusterID string, ak *ossv1.AccessKey) (user, policy string) {
	n := namesFor(clusterID, ak)
	return n.user, n.policy
}
