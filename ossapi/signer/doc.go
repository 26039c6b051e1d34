// Package signer computes Alibaba Cloud OSS request signatures: V4 (OSS4-HMAC-SHA256, the default) and V1
// (HMAC-SHA1), in the Authorization header or as a presigned URL, with static credentials or an STS
// security token.
//
// Everything here is a pure function of its inputs (no clock, no network, no global state), so the
// client in package ossapi uses it to sign and the emulator in package osstest uses the very same
// functions to verify. The canonical forms follow the official SDK (alibabacloud-oss-go-sdk-v2
// oss/signer) and are pinned by the published test vectors in signer_test.go.
package signer
