package ossapi

// Operation names, as used in metrics labels, errors and the emulator's call counters.
const (
	OpListBuckets                   = "ListBuckets"
	OpPutBucket                     = "PutBucket"
	OpGetBucketInfo                 = "GetBucketInfo"
	OpGetBucketLocation             = "GetBucketLocation"
	OpGetBucketStat                 = "GetBucketStat"
	OpDeleteBucket                  = "DeleteBucket"
	OpPutBucketAcl                  = "PutBucketAcl"
	OpGetBucketAcl                  = "GetBucketAcl"
	OpPutBucketVersioning           = "PutBucketVersioning"
	OpGetBucketVersioning           = "GetBucketVersioning"
	OpPutBucketEncryption           = "PutBucketEncryption"
	OpGetBucketEncryption           = "GetBucketEncryption"
	OpDeleteBucketEncryption        = "DeleteBucketEncryption"
	OpPutBucketLifecycle            = "PutBucketLifecycle"
	OpGetBucketLifecycle            = "GetBucketLifecycle"
	OpDeleteBucketLifecycle         = "DeleteBucketLifecycle"
	OpPutBucketCors                 = "PutBucketCors"
	OpGetBucketCors                 = "GetBucketCors"
	OpDeleteBucketCors              = "DeleteBucketCors"
	OpPutBucketTags                 = "PutBucketTags"
	OpGetBucketTags                 = "GetBucketTags"
	OpDeleteBucketTags              = "DeleteBucketTags"
	OpPutBucketPolicy               = "PutBucketPolicy"
	OpGetBucketPolicy               = "GetBucketPolicy"
	OpDeleteBucketPolicy            = "DeleteBucketPolicy"
	OpPutBucketLogging              = "PutBucketLogging"
	OpGetBucketLogging              = "GetBucketLogging"
	OpDeleteBucketLogging           = "DeleteBucketLogging"
	OpPutBucketWebsite              = "PutBucketWebsite"
	OpGetBucketWebsite              = "GetBucketWebsite"
	OpDeleteBucketWebsite           = "DeleteBucketWebsite"
	OpPutBucketPublicAccessBlock    = "PutBucketPublicAccessBlock"
	OpGetBucketPublicAccessBlock    = "GetBucketPublicAccessBlock"
	OpDeleteBucketPublicAccessBlock = "DeleteBucketPublicAccessBlock"
	OpPutBucketReferer              = "PutBucketReferer"
	OpGetBucketReferer              = "GetBucketReferer"
	OpPutBucketResourceGroup        = "PutBucketResourceGroup"
	OpGetBucketResourceGroup        = "GetBucketResourceGroup"
	OpListObjectsV2                 = "ListObjectsV2"
	OpListObjectVersions            = "ListObjectVersions"
	OpListMultipartUploads          = "ListMultipartUploads"
	OpInitiateMultipartUpload       = "InitiateMultipartUpload"
	OpAbortMultipartUpload          = "AbortMultipartUpload"
	OpPutObject                     = "PutObject"
	OpDeleteObject                  = "DeleteObject"
	OpDeleteMultipleObjects         = "DeleteMultipleObjects"
)

// Operations lists every operation the client implements, for tests and dashboards.
var Operations = []string{
	OpListBuckets, OpPutBucket, OpGetBucketInfo, OpGetBucketLocation, OpGetBucketStat, OpDeleteBucket,
	OpPutBucketAcl, OpGetBucketAcl, OpPutBucketVersioning, OpGetBucketVersioning,
	OpPutBucketEncryption, OpGetBucketEncryption, OpDeleteBucketEncryption,
	OpPutBucketLifecycle, OpGetBucketLifecycle, OpDeleteBucketLifecycle,
	OpPutBucketCors, OpGetBucketCors, OpDeleteBucketCors,
	OpPutBucketTags, OpGetBucketTags, OpDeleteBucketTags,
	OpPutBucketPolicy, OpGetBucketPolicy, OpDeleteBucketPolicy,
	OpPutBucketLogging, OpGetBucketLogging, OpDeleteBucketLogging,
	OpPutBucketWebsite, OpGetBucketWebsite, OpDeleteBucketWebsite,
	OpPutBucketPublicAccessBlock, OpGetBucketPublicAccessBlock, OpDeleteBucketPublicAccessBlock,
	OpPutBucketReferer, OpGetBucketReferer, OpPutBucketResourceGroup, OpGetBucketResourceGroup,
	OpListObjectsV2, OpListObjectVersions, OpListMultipartUploads, OpInitiateMultipartUpload,
	OpAbortMultipartUpload, OpPutObject, OpDeleteObject, OpDeleteMultipleObjects,
}
