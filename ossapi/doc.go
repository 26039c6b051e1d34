// Package ossapi is the signed REST client oss-operator uses to talk to Alibaba Cloud OSS.
//
// One file per group of operations (bucket.go, bucket_lifecycle.go, object.go, ...) describes each
// call as a typed request and result and hands it to one central execute function (execute.go), which
// signs (package signer), decodes and checks each answer, retries (retry.go), decodes errors
// (errors.go) and records metrics (metrics.go). Nothing else in the project knows how a request is
// signed or retried.
//
// The RPC-style APIs the operator calls besides OSS (RAM, STS) run on the same execute function
// through an RPCClient (rpc.go): a call there differs only in how it becomes an HTTP request (a
// form-encoded POST with the RPC signature) and how its answers read (JSON). Their errors are this
// package's, with Service naming the API; packages ossapi/ram and ossapi/sts are typed clients on it.
//
// An endpoint is whatever the configuration names, so every answer is treated as hostile: a body is
// read as a stream up to what OSS can send for its operation (limits.go), no message quotes what a
// server sent beyond an OSS error's bounded Message, and metric labels come from closed sets.
//
// Bucket requests go virtual-hosted to https://<bucket>.oss-<region>.aliyuncs.com (or the -internal
// endpoint); a custom endpoint such as the emulator's http://127.0.0.1:PORT is addressed path-style, the
// only form the emulator and local test servers can route. See package osstest for the emulator.
//
// A setting that is not configured on a bucket comes back from its Get as a nil result and a nil error,
// whether OSS said so with a 404 code (lifecycle, CORS, policy, website, encryption) or an empty 200
// (tags, logging, versioning).
package ossapi
