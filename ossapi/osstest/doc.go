// Package osstest is an in-memory Alibaba Cloud OSS service for tests, in the spirit of
// net/http/httptest: osstest.NewServer starts it on a loopback port, osstest.New returns it as a plain
// http.Handler.
//
// It is strict where OSS is strict, so that code passing against it works against the real service:
//
//   - Every request must be signed, with V1 or V4, in the Authorization header or as a presigned URL.
//     Signatures are recomputed with package signer (the client's own signing code) from the request as
//     received; a mismatch answers 403 SignatureDoesNotMatch with the string to sign, like OSS. Clock
//     skew over 15 minutes, unknown keys, STS tokens that are missing, wrong or expired are refused with
//     OSS's codes.
//   - Buckets are addressed path-style (/bucket/key) or virtual-hosted (Host: bucket.127.0.0.1:PORT,
//     bucket.oss-<region>.aliyuncs.com), and requests are routed by method and sub-resource exactly as
//     OSS routes them. Operations carry the names of package ossapi (ossapi.OpPutBucket, ...).
//   - Bucket semantics follow OSS rather than S3: PutBucket is idempotent for the owner, a foreign
//     name is 409 BucketAlreadyExists and a foreign bucket 403 AccessDenied, DeleteBucket refuses old
//     versions, delete markers and unfinished multipart uploads, settings that are "not configured"
//     answer either a 404 code or an empty 200 body per sub-resource, Block Public Access is on for new
//     buckets, and every setting is validated before it is stored.
//   - Objects serve what an application's SDK does for ordinary object work: PutObject, GetObject and
//     HeadObject with the metadata the object was stored with and its CRC-64 (x-oss-hash-crc64ecma, which
//     the SDK checks), multipart uploads (UploadPart, CompleteMultipartUpload, ListParts), CopyObject,
//     DeleteObject and DeleteMultipleObjects, each with OSS's versioning behaviour. A bucket can be given
//     a locked retention policy (LockRetention): deleting or overwriting what it protects is then 409
//     FileImmutable.
//
// It also serves the account's RAM API (Emulator.RAM, Server.RAMURL): users, their AccessKeys, custom
// and a few system policies, verified with the RPC signature (nonces and timestamps included) and answered
// in JSON as RAM answers. Keys RAM issues sign OSS requests too, and a RAM user may do only what its
// policies allow, with OSS's AccessDenied otherwise; an account's own keys keep every right.
//
// And it serves STS (Emulator.STS, Server.STSURL) with RAM roles (AddRole) and OIDC providers
// (AddOIDCProvider): AssumeRoleWithOIDC, unsigned as on Alibaba Cloud, verifies a JWT against its
// provider's JWKS and the role's trust; AssumeRole lets RAM users and role sessions that the role trusts
// assume it; GetCallerIdentity tells who signed. The credentials it issues sign OSS, RAM and STS
// requests with their security token until they expire, with the role's policies narrowed by the
// session policy.
//
// Tests can fill a bucket with many objects, old versions, delete markers and uploads in one step
// (FillBucket), inject faults (status and code, raw bodies, delays, connection resets), read call counters
// (by operation, by account, and by bucket with the calls that succeeded) and take deep snapshots of an
// account's buckets. All state lives in memory behind one mutex; the emulator is safe for concurrent use.
package osstest
