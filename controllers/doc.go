// Package controllers holds one reconciler per kind: AccessKeyReconciler verifies credentials and
// BucketReconciler creates, adopts, observes and deletes OSS buckets. Both talk to OSS only through
// package ossapi, with clients built by OSSClients from an AccessKey and its Secret.
package controllers
