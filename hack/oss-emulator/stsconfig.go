package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// stsConfig is the file of --sts-config: the account's OIDC providers and RAM roles. For example, to let
// a cluster's service account assume a role that may read one bucket:
//
//	{
//	  "oidcProviders": [{"name": "kind", "issuerURL": "https://kubernetes.default.svc.cluster.local",
//	                     "clientIDs": ["sts.aliyuncs.com"], "jwksFile": "jwks.json"}],
//	  "roles": [{"name": "gallery", "maxSessionDurationSeconds": 3600,
//	             "trustedOIDC": {"provider": "kind", "subjects": ["system:serviceaccount:apps:gallery"]},
//	             "policies": [{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject",
//	                           "Resource": "acs:oss:*:*:photos/*"}]}]}]
//	}
//
// A provider's keys come from jwksFile (read again whenever STS needs them, so that
// `kubectl get --raw /openid/v1/jwks > jwks.json` after a rotation is enough; relative to the config
// file) or jwksURL (fetched with no credentials and the system's roots). A policy is a JSON object or a
// string holding one. Unknown fields are refused.
type stsConfig struct {
	OIDCProviders []struct {
		Name      string   `json:"name"`
		IssuerURL string   `json:"issuerURL"`
		ClientIDs []string `json:"clientIDs"`
		JWKSFile  string   `json:"jwksFile"`
		JWKSURL   string   `json:"jwksURL"`
	} `json:"oidcProviders"`
	Roles []struct {
		Name                      string `json:"name"`
		MaxSessionDurationSeconds int    `json:"maxSessionDurationSeconds"`
		TrustedOIDC               *struct {
			Provider  string   `json:"provider"`
			Subjects  []string `json:"subjects"`
			Audiences []string `json:"audiences"`
		} `json:"trustedOIDC"`
		TrustedPrincipals []string          `json:"trustedPrincipals"`
		Policies          []json.RawMessage `json:"policies"`
	} `json:"roles"`
}

// loadSTSConfig adds the providers and roles of a config file to the account.
func loadSTSConfig(emu *osstest.Emulator, accountID, path string) (err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg stsConfig
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// AddRole and AddOIDCProvider panic on what a test would have got wrong; here it is the user's file.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", path, r)
		}
	}()
	for _, p := range cfg.OIDCProviders {
		var jwks func(context.Context) ([]byte, error)
		switch {
		case p.JWKSFile != "" && p.JWKSURL == "":
			file := p.JWKSFile
			if !filepath.IsAbs(file) {
				file = filepath.Join(filepath.Dir(path), file)
			}
			jwks = func(context.Context) ([]byte, error) { return os.ReadFile(file) }
		case p.JWKSURL != "" && p.JWKSFile == "":
			jwks = osstest.JWKSFromURL(nil, p.JWKSURL)
		default:
			return fmt.Errorf("%s: OIDC provider %q needs one of jwksFile and jwksURL", path, p.Name)
		}
		emu.AddOIDCProvider(accountID, osstest.OIDCProvider{Name: p.Name, IssuerURL: p.IssuerURL, ClientIDs: p.ClientIDs, JWKS: jwks})
	}
	for _, r := range cfg.Roles {
		role := osstest.Role{Name: r.Name, MaxSessionDuration: time.Duration(r.MaxSessionDurationSeconds) * time.Second,
			TrustedPrincipals: r.TrustedPrincipals}
		if t := r.TrustedOIDC; t != nil {
			role.TrustedOIDC = &osstest.RoleOIDCTrust{Provider: t.Provider, Subjects: t.Subjects, Audiences: t.Audiences}
		}
		for _, p := range r.Policies {
			var doc string
			if err := json.Unmarshal(p, &doc); err != nil {
				doc = string(p)
			}
			role.Policies = append(role.Policies, doc)
		}
		emu.AddRole(accountID, role)
	}
	return nil
}
