package controllers

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// What an Observe Bucket shows of a setting, copied into a spec, is in sync: for every setting, a
// value as observe reads it is shown, stored as JSON (as the API server stores a spec), and the spec
// made of it wants exactly that value.

// readValues are values of every setting as observe reads them, at OSS's defaults (a bucket made by
// hand and left alone) and set every way the spec can declare.
func readValues() map[string][]any {
	lifecycle := normalizeLifecycle(&ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{
		{ID: "expire-tmp", Prefix: "tmp/", Status: "Enabled", Tags: []ossapi.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}},
			Filter:     &ossapi.LifecycleFilter{Not: []ossapi.LifecycleNot{{Prefix: "tmp/keep/", Tag: &ossapi.Tag{Key: "k", Value: "v"}}}, ObjectSizeGreaterThan: ptr.To[int64](10)},
			Expiration: &ossapi.LifecycleExpiration{Days: ptr.To(7)}},
		{ID: "by-date", Prefix: "", Status: "Disabled", Expiration: &ossapi.LifecycleExpiration{CreatedBeforeDate: "2030-01-01T00:00:00.000Z"},
			AbortMultipartUpload: &ossapi.LifecycleAbortMultipartUpload{CreatedBeforeDate: "2029-12-31T00:00:00.000Z"}},
		{ID: "old-versions", Status: "Enabled", NoncurrentVersionExpiration: &ossapi.NoncurrentVersionExpiration{NoncurrentDays: 30},
			Transitions:                  []ossapi.LifecycleTransition{{Days: ptr.To(30), StorageClass: ossapi.StorageIA, IsAccessTime: ptr.To(true), ReturnToStdWhenVisit: ptr.To(true)}},
			NoncurrentVersionTransitions: []ossapi.NoncurrentVersionTransition{{NoncurrentDays: 60, StorageClass: ossapi.StorageArchive}},
			AbortMultipartUpload:         &ossapi.LifecycleAbortMultipartUpload{Days: ptr.To(3)}},
		{ID: "markers", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{ExpiredObjectDeleteMarker: ptr.To(true)}},
	}})
	cors := normalizeCORS(&ossapi.CORSConfiguration{ResponseVary: ptr.To(true), Rules: []ossapi.CORSRule{
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "HEAD"}, AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: ptr.To[int64](600)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PUT"}},
	}})
	policy, _ := parsePolicy("{\n  \"Version\": \"1\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\"], \"Principal\": [\"*\"], \"Resource\": [\"acs:oss:*:*:b/*\"]}]\n}")
	return map[string][]any{
		resourceGroupSetting.name:     {"rg-acfmteam"},
		publicAccessBlockSetting.name: {true, false},
		versioningSetting.name:        {"Enabled", "Suspended"},
		aclSetting.name:               {ossapi.ACLPrivate, ossapi.ACLPublicRead, ossapi.ACLPublicReadWrite},
		encryptionSetting.name:        {encryptionValue{}, encryptionValue{"AES256", "", ""}, encryptionValue{"KMS", "key-1", "SM4"}},
		policySetting.name:            {policyValue{}, policy},
		tagsSetting.name:              {map[string]string{}, map[string]string{"team": "data", "env": ""}},
		lifecycleSetting.name:         {(*ossapi.LifecycleConfiguration)(nil), lifecycle},
		corsSetting.name:              {(*ossapi.CORSConfiguration)(nil), cors},
		loggingSetting.name:           {loggingValue{}, loggingValue{"logs", "access/"}},
		refererSetting.name: {defaultReferer, refererValue{allowEmpty: false, truncateQuery: false, truncatePath: true,
			allow: []string{"https://*.example.com", "*.example.org"}, block: []string{"https://bad.example.com"}}},
		websiteSetting.name: {websiteValue{}, websiteValue{index: "index.html"}, websiteValue{index: "index.html", subDir: true, errorKey: "404.html", errorStatus: 404},
			websiteValue{index: "index.html", errorKey: "spa.html", errorStatus: 200}},
	}
}

func TestShownSettingsCopiedIntoTheSpecAreInSync(t *testing.T) {
	const owner = "c1/ns/uid"
	values := readValues()
	for _, s := range bucketSettings {
		if len(values[s.settingName()]) == 0 {
			t.Errorf("no value read for %s", s.settingName())
		}
		for i, got := range values[s.settingName()] {
			t.Run(fmt.Sprintf("%s/%d", s.settingName(), i), func(t *testing.T) {
				read := got
				if s.settingName() == tagsSetting.name {
					// The bucket carries the ownership tag of the Bucket that adopts it.
					read = withOwner(got.(map[string]string), owner)
				}
				shown, omitted := showSettings(map[string]settingValue{s.settingName(): {got: read}})
				if len(omitted) > 0 {
					t.Fatalf("omitted: %+v", omitted)
				}
				raw, err := json.Marshal(shown)
				if err != nil {
					t.Fatal(err)
				}
				var copied ossv1.ObservedSettings
				if err := json.Unmarshal(raw, &copied); err != nil {
					t.Fatal(err)
				}
				b := bucket(func(b *ossv1.Bucket) { b.Spec.ACL, b.Spec.BucketSettings = copied.ACL, copied.BucketSettings })
				if !s.isManaged(b) {
					if s.settingName() == versioningSetting.name && read == "" {
						return
					}
					t.Fatalf("%s shows %s and the spec made of it does not declare the setting", s.settingName(), raw)
				}
				if errs := specErrors(b); len(errs) > 0 {
					t.Fatalf("the spec made of %s is refused: %v", raw, errs)
				}
				want, _ := s.want(b, owner)
				if !s.same(want, read) {
					t.Errorf("%s: read %#v, shown %s, the spec made of it wants %#v", s.settingName(), read, raw, want)
				}
			})
		}
	}
}

func TestVersioningNeverSetIsNotShown(t *testing.T) {
	shown, _ := showSettings(map[string]settingValue{versioningSetting.name: {got: ""}})
	if shown.Versioning != "" {
		t.Errorf("versioning %q shown for a bucket whose versioning was never set", shown.Versioning)
	}
}

func TestASettingTheSpecCannotDeclareIsOmittedAndSaysWhy(t *testing.T) {
	byDate := normalizeLifecycle(&ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{{ID: "archive-2024", Status: "Enabled",
		Transitions: []ossapi.LifecycleTransition{{CreatedBeforeDate: "2024-01-01T00:00:00.000Z", StorageClass: ossapi.StorageArchive}}}}})
	atNoon := normalizeLifecycle(&ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{{ID: "noon", Status: "Enabled",
		Expiration: &ossapi.LifecycleExpiration{CreatedBeforeDate: "2024-01-01T12:00:00.000Z"}}}})
	for _, cfg := range []*ossapi.LifecycleConfiguration{byDate, atNoon} {
		shown, omitted := showSettings(map[string]settingValue{lifecycleSetting.name: {got: cfg}})
		if shown.Lifecycle != nil || len(omitted) != 1 || omitted[0].Name != "lifecycle" || !strings.Contains(omitted[0].Reason, "the spec cannot declare") {
			t.Errorf("shown %+v, omitted %+v: want lifecycle omitted, saying the spec cannot declare it", shown.Lifecycle, omitted)
		}
	}
}

func TestShownSettingsAreBounded(t *testing.T) {
	big, _ := parsePolicy(`{"Version":"1","Statement":[],"Padding":"` + strings.Repeat("x", maxShownSetting) + `"}`)
	rules := func(n int) *ossapi.LifecycleConfiguration {
		cfg := &ossapi.LifecycleConfiguration{}
		for i := range n {
			cfg.Rules = append(cfg.Rules, ossapi.LifecycleRule{ID: fmt.Sprintf("rule-%04d", i), Prefix: strings.Repeat("p", 200), Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr.To(1)}})
		}
		return normalizeLifecycle(cfg)
	}
	referers := refererValue{allowEmpty: true, truncateQuery: true}
	for i := range 100 {
		referers.allow = append(referers.allow, fmt.Sprintf("https://%s-%03d.example.com", strings.Repeat("r", 250), i))
	}
	cors := &ossapi.CORSConfiguration{}
	for range 10 {
		r := ossapi.CORSRule{AllowedMethods: []string{"GET"}}
		for j := range 8 {
			r.AllowedOrigins = append(r.AllowedOrigins, fmt.Sprintf("https://%s-%d.example.com", strings.Repeat("o", 300), j))
		}
		cors.Rules = append(cors.Rules, r)
	}
	values := map[string]settingValue{
		aclSetting.name:       {got: ossapi.ACLPrivate},
		policySetting.name:    {got: big},                                             // alone above the bound of one setting
		lifecycleSetting.name: {got: rules(10000)},                                    // far above it
		refererSetting.name:   {got: referers},                                        // about 26 KiB: shown
		corsSetting.name:      {got: normalizeCORS(cors)},                             // about 25 KiB: shown
		websiteSetting.name:   {got: websiteValue{index: strings.Repeat("i", 20000)}}, // fits alone, not after the others
	}
	shown, omitted := showSettings(values)
	raw, _ := json.Marshal(shown)
	if len(raw) > maxShownSettings {
		t.Errorf("status.observed.settings is %d bytes, more than %d", len(raw), maxShownSettings)
	}
	reasons := map[string]string{}
	for _, o := range omitted {
		reasons[o.Name] = o.Reason
	}
	for _, name := range []string{policySetting.name, lifecycleSetting.name, websiteSetting.name} {
		if !strings.Contains(reasons[name], "too large to show") {
			t.Errorf("%s: omitted for %q, want too large to show", name, reasons[name])
		}
	}
	if shown.ACL == "" || shown.Referer == nil || shown.CORS == nil || len(omitted) != 3 {
		t.Errorf("shown %s, omitted %v: want the ACL, referer and CORS shown", raw, reasons)
	}
}
