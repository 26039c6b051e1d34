package ossapi

// ACL is a bucket access control list.
type ACL string

// Bucket ACLs.
const (
	ACLPrivate         ACL = "private"
	ACLPublicRead      ACL = "public-read"
	ACLPublicReadWrite ACL = "public-read-write"
)

// StorageClass is a bucket's or object's storage class.
type StorageClass string

// Storage classes.
const (
	StorageStandard        StorageClass = "Standard"
	StorageIA              StorageClass = "IA"
	StorageArchive         StorageClass = "Archive"
	StorageColdArchive     StorageClass = "ColdArchive"
	StorageDeepColdArchive StorageClass = "DeepColdArchive"
)

// RedundancyType is a bucket's data redundancy type.
type RedundancyType string

// Redundancy types.
const (
	RedundancyLRS RedundancyType = "LRS"
	RedundancyZRS RedundancyType = "ZRS"
)

// Owner identifies an account.
type Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// Tag is a key and value, on a bucket or in a lifecycle rule.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}
