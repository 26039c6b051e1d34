package osstest

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

type bucketSummaryXML struct {
	CreationDate     string              `xml:"CreationDate"`
	ExtranetEndpoint string              `xml:"ExtranetEndpoint"`
	IntranetEndpoint string              `xml:"IntranetEndpoint"`
	Location         string              `xml:"Location"`
	Name             string              `xml:"Name"`
	Region           string              `xml:"Region"`
	StorageClass     ossapi.StorageClass `xml:"StorageClass"`
	ResourceGroupID  string              `xml:"ResourceGroupId"`
}

type listBucketsXML struct {
	XMLName     xml.Name     `xml:"ListAllMyBucketsResult"`
	Prefix      *string      `xml:"Prefix,omitempty"`
	Marker      *string      `xml:"Marker,omitempty"`
	MaxKeys     *int         `xml:"MaxKeys,omitempty"`
	IsTruncated *bool        `xml:"IsTruncated,omitempty"`
	NextMarker  string       `xml:"NextMarker,omitempty"`
	Owner       ossapi.Owner `xml:"Owner"`
	Buckets     struct {
		Bucket []bucketSummaryXML `xml:"Bucket"`
	} `xml:"Buckets"`
}

func extranet(region string) string { return "oss-" + region + ".aliyuncs.com" }
func intranet(region string) string { return "oss-" + region + "-internal.aliyuncs.com" }

func (e *Emulator) owner(id string) ossapi.Owner {
	o := ossapi.Owner{ID: id, DisplayName: id}
	if a := e.accounts[id]; a != nil {
		o.DisplayName = a.displayName
	}
	return o
}

// listBuckets lists the caller's buckets of every region, sorted by name, a page at a time.
func (e *Emulator) listBuckets(c *call) (*response, *apiError) {
	prefix, marker := c.query.Get("prefix"), c.query.Get("marker")
	maxKeys, err := intParam(c.query, "max-keys", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	group := c.header.Get(ossapi.HeaderResourceGroupID)

	e.mu.Lock()
	defer e.mu.Unlock()
	var names []string
	for n, b := range e.buckets {
		if b.owner == c.accountID && strings.HasPrefix(n, prefix) && n > marker && (group == "" || b.resourceGroupID == group) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := &listBucketsXML{Owner: e.owner(c.accountID)}
	paged := c.query.Has("prefix") || c.query.Has("marker") || c.query.Has("max-keys")
	if paged {
		out.Prefix, out.Marker, out.MaxKeys = &prefix, &marker, &maxKeys
	}
	if len(names) > maxKeys {
		names = names[:maxKeys]
		t := true
		out.IsTruncated, out.NextMarker = &t, names[len(names)-1]
	} else if paged {
		f := false
		out.IsTruncated = &f
	}
	for _, n := range names {
		b := e.buckets[n]
		out.Buckets.Bucket = append(out.Buckets.Bucket, bucketSummaryXML{
			CreationDate: b.created.Format(isoMillis), ExtranetEndpoint: extranet(b.region),
			IntranetEndpoint: intranet(b.region), Location: "oss-" + b.region, Name: b.name, Region: b.region,
			StorageClass: b.storageClass, ResourceGroupID: b.resourceGroupID,
		})
	}
	return xmlOK(out)
}

// intParam reads an integer query parameter within [lo, hi], def when absent.
func intParam(q map[string][]string, name string, def, lo, hi int) (int, *apiError) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 || vs[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < lo || n > hi {
		return 0, errInvalidArgument(name, vs[0], "%s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

func validACL(acl ossapi.ACL) bool {
	switch acl {
	case ossapi.ACLPrivate, ossapi.ACLPublicRead, ossapi.ACLPublicReadWrite:
		return true
	}
	return false
}

func publicACL(acl ossapi.ACL) bool {
	return acl == ossapi.ACLPublicRead || acl == ossapi.ACLPublicReadWrite
}

func validStorageClass(sc ossapi.StorageClass) bool {
	switch sc {
	case ossapi.StorageStandard, ossapi.StorageIA, ossapi.StorageArchive, ossapi.StorageColdArchive, ossapi.StorageDeepColdArchive:
		return true
	}
	return false
}

func errInvalidACL(acl string) *apiError {
	return errInvalidArgument("x-oss-acl", acl, "no such bucket access control exists")
}

func errPublicBlocked(what string) *apiError {
	return newError(http.StatusForbidden, ossapi.CodeAccessDenied, "",
		"Put public %s is not allowed while Block Public Access is enabled for the bucket.", what)
}

// putBucket creates a bucket in the emulator's region, or, for the owner of an existing one, updates its
// ACL. OSS refuses to change the region, storage class or redundancy type of an existing bucket.
func (e *Emulator) putBucket(c *call) (*response, *apiError) {
	if !ossapi.ValidBucketName(c.bucket) {
		return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidBucketName, "", "The specified bucket is not valid.").
			with("BucketName", c.bucket)
	}
	acl := ossapi.ACL(c.header.Get(ossapi.HeaderACL))
	if acl != "" && !validACL(acl) {
		return nil, errInvalidACL(string(acl))
	}
	group := c.header.Get(ossapi.HeaderResourceGroupID)
	if group != "" && !validResourceGroupID(group) {
		return nil, errResourceGroup(group)
	}
	var cfg ossapi.CreateBucketConfiguration
	if len(c.body) > 0 {
		if err := xml.Unmarshal(c.body, &cfg); err != nil {
			return nil, errMalformedXML("CreateBucketConfiguration: %v", err)
		}
	}
	if cfg.StorageClass != "" && !validStorageClass(cfg.StorageClass) {
		return nil, errInvalidArgument("StorageClass", string(cfg.StorageClass), "Invalid storage class %q.", cfg.StorageClass)
	}
	if r := cfg.DataRedundancyType; r != "" && r != ossapi.RedundancyLRS && r != ossapi.RedundancyZRS {
		return nil, errInvalidArgument("DataRedundancyType", string(r), "Invalid data redundancy type %q.", r)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.buckets[c.bucket]; b != nil {
		conflict := func(what string) *apiError {
			return newError(http.StatusConflict, ossapi.CodeBucketAlreadyExists, ecBucketConflict,
				"Bucket already exists can't modify %s.", what).with("BucketName", c.bucket)
		}
		switch {
		case b.owner != c.accountID:
			return nil, newError(http.StatusConflict, ossapi.CodeBucketAlreadyExists, ecBucketNameTaken,
				"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").
				with("BucketName", c.bucket)
		case b.region != e.region:
			return nil, conflict("location")
		case cfg.StorageClass != "" && cfg.StorageClass != b.storageClass:
			return nil, conflict("storage class")
		case cfg.DataRedundancyType != "" && cfg.DataRedundancyType != b.redundancy:
			return nil, conflict("data redundancy type")
		}
		if acl != "" {
			if publicACL(acl) && b.blockPublicAccess {
				return nil, errPublicBlocked("bucket acl")
			}
			b.acl = acl
		}
		return ok()
	}
	n := 0
	for _, b := range e.buckets {
		if b.owner == c.accountID && b.region == e.region {
			n++
		}
	}
	if n >= e.bucketLimit {
		return nil, newError(http.StatusBadRequest, ossapi.CodeTooManyBuckets, "",
			"You have attempted to create more buckets than allowed (%d in %s).", e.bucketLimit, e.region).
			with("BucketName", c.bucket)
	}
	b := e.newBucket(c.bucket, e.region, c.accountID)
	if acl != "" {
		if publicACL(acl) && b.blockPublicAccess {
			return nil, errPublicBlocked("bucket acl")
		}
		b.acl = acl
	}
	if cfg.StorageClass != "" {
		b.storageClass = cfg.StorageClass
	}
	if cfg.DataRedundancyType != "" {
		b.redundancy = cfg.DataRedundancyType
	}
	if group != "" {
		b.resourceGroupID = group
	}
	e.buckets[c.bucket] = b
	return ok()
}

// deleteBucket deletes an empty bucket. Old versions, delete markers and unfinished multipart uploads
// all keep it from being empty.
func (e *Emulator) deleteBucket(c *call) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	if !b.isEmpty() {
		return nil, newError(http.StatusConflict, ossapi.CodeBucketNotEmpty, ecBucketNotEmpty,
			"The bucket has objects. Please delete them first.").with("BucketName", c.bucket)
	}
	delete(e.buckets, c.bucket)
	return noContent()
}

type bucketInfoXML struct {
	XMLName xml.Name `xml:"BucketInfo"`
	Bucket  struct {
		AccessMonitor          string                `xml:"AccessMonitor"`
		CreationDate           string                `xml:"CreationDate"`
		ExtranetEndpoint       string                `xml:"ExtranetEndpoint"`
		IntranetEndpoint       string                `xml:"IntranetEndpoint"`
		Location               string                `xml:"Location"`
		StorageClass           ossapi.StorageClass   `xml:"StorageClass"`
		DataRedundancyType     ossapi.RedundancyType `xml:"DataRedundancyType"`
		TransferAcceleration   string                `xml:"TransferAcceleration"`
		CrossRegionReplication string                `xml:"CrossRegionReplication"`
		Name                   string                `xml:"Name"`
		ResourceGroupID        string                `xml:"ResourceGroupId"`
		Owner                  ossapi.Owner          `xml:"Owner"`
		ACL                    ossapi.ACL            `xml:"AccessControlList>Grant"`
		Comment                string                `xml:"Comment"`
		Versioning             string                `xml:"Versioning,omitempty"`
		BlockPublicAccess      bool                  `xml:"BlockPublicAccess"`
		Encryption             struct {
			SSEAlgorithm      string `xml:"SSEAlgorithm"`
			KMSMasterKeyID    string `xml:"KMSMasterKeyID,omitempty"`
			KMSDataEncryption string `xml:"KMSDataEncryption,omitempty"`
		} `xml:"ServerSideEncryptionRule"`
		Logging struct {
			LogBucket string `xml:"LogBucket"`
			LogPrefix string `xml:"LogPrefix"`
		} `xml:"BucketPolicy"`
	} `xml:"Bucket"`
}

func (e *Emulator) getBucketInfo(c *call) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	var out bucketInfoXML
	x := &out.Bucket
	x.AccessMonitor, x.TransferAcceleration, x.CrossRegionReplication = "Disabled", "Disabled", "Disabled"
	x.CreationDate = b.created.Format(isoMillis)
	x.ExtranetEndpoint, x.IntranetEndpoint, x.Location = extranet(b.region), intranet(b.region), "oss-"+b.region
	x.StorageClass, x.DataRedundancyType, x.Name = b.storageClass, b.redundancy, b.name
	x.ResourceGroupID, x.Owner, x.ACL = b.resourceGroupID, e.owner(b.owner), b.acl
	x.Versioning, x.BlockPublicAccess = b.versioning, b.blockPublicAccess
	x.Encryption.SSEAlgorithm = "None"
	if enc := b.encryption; enc != nil {
		x.Encryption.SSEAlgorithm, x.Encryption.KMSMasterKeyID, x.Encryption.KMSDataEncryption =
			enc.SSEAlgorithm, enc.KMSMasterKeyID, enc.KMSDataEncryption
	}
	if b.logging != nil {
		x.Logging.LogBucket, x.Logging.LogPrefix = b.logging.TargetBucket, b.logging.TargetPrefix
	}
	return xmlOK(&out)
}

func (e *Emulator) getBucketLocation(c *call) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	return xmlOK(&struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	}{Location: "oss-" + b.region})
}

type bucketStatXML struct {
	XMLName                     xml.Name `xml:"BucketStat"`
	Storage                     int64    `xml:"Storage"`
	ObjectCount                 int64    `xml:"ObjectCount"`
	MultipartUploadCount        int64    `xml:"MultipartUploadCount"`
	LiveChannelCount            int64    `xml:"LiveChannelCount"`
	LastModifiedTime            int64    `xml:"LastModifiedTime"`
	StandardStorage             int64    `xml:"StandardStorage"`
	StandardObjectCount         int64    `xml:"StandardObjectCount"`
	InfrequentAccessStorage     int64    `xml:"InfrequentAccessStorage"`
	InfrequentAccessRealStorage int64    `xml:"InfrequentAccessRealStorage"`
	InfrequentAccessObjectCount int64    `xml:"InfrequentAccessObjectCount"`
	ArchiveStorage              int64    `xml:"ArchiveStorage"`
	ArchiveRealStorage          int64    `xml:"ArchiveRealStorage"`
	ArchiveObjectCount          int64    `xml:"ArchiveObjectCount"`
	ColdArchiveStorage          int64    `xml:"ColdArchiveStorage"`
	ColdArchiveRealStorage      int64    `xml:"ColdArchiveRealStorage"`
	ColdArchiveObjectCount      int64    `xml:"ColdArchiveObjectCount"`
	DeepColdArchiveStorage      int64    `xml:"DeepColdArchiveStorage"`
	DeepColdArchiveRealStorage  int64    `xml:"DeepColdArchiveRealStorage"`
	DeepColdArchiveObjectCount  int64    `xml:"DeepColdArchiveObjectCount"`
	MultipartPartCount          int64    `xml:"MultipartPartCount"`
	DeleteMarkerCount           int64    `xml:"DeleteMarkerCount"`
}

// getBucketStat counts every stored version (ObjectCount, Storage, per storage class), delete marker
// and unfinished upload. Unlike OSS's, the figures are exact and never lag.
func (e *Emulator) getBucketStat(c *call) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	out := bucketStatXML{MultipartUploadCount: int64(len(b.uploads)), LastModifiedTime: b.modified.Unix()}
	for _, u := range b.uploads {
		out.MultipartPartCount += int64(len(u.parts))
	}
	for _, vs := range b.objects {
		for _, v := range vs {
			if v.deleteMarker {
				out.DeleteMarkerCount++
				continue
			}
			size := int64(len(v.data))
			out.ObjectCount++
			out.Storage += size
			switch v.storageClass {
			case ossapi.StorageIA:
				out.InfrequentAccessStorage += size
				out.InfrequentAccessRealStorage += size
				out.InfrequentAccessObjectCount++
			case ossapi.StorageArchive:
				out.ArchiveStorage += size
				out.ArchiveRealStorage += size
				out.ArchiveObjectCount++
			case ossapi.StorageColdArchive:
				out.ColdArchiveStorage += size
				out.ColdArchiveRealStorage += size
				out.ColdArchiveObjectCount++
			case ossapi.StorageDeepColdArchive:
				out.DeepColdArchiveStorage += size
				out.DeepColdArchiveRealStorage += size
				out.DeepColdArchiveObjectCount++
			default:
				out.StandardStorage += size
				out.StandardObjectCount++
			}
		}
	}
	return xmlOK(&out)
}

func (e *Emulator) putBucketACL(c *call) (*response, *apiError) {
	acl := ossapi.ACL(c.header.Get(ossapi.HeaderACL))
	if !validACL(acl) {
		return nil, errInvalidACL(string(acl))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	if publicACL(acl) && b.blockPublicAccess {
		return nil, errPublicBlocked("bucket acl")
	}
	b.acl = acl
	return ok()
}

func (e *Emulator) getBucketACL(c *call) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	return xmlOK(&ossapi.AccessControlPolicy{Owner: e.owner(b.owner), ACL: b.acl})
}
