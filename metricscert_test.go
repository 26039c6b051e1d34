package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsCertificateOptions: --metrics-cert-dir gives controller-runtime's metrics server the
// certificate to serve (and watch), and the manager refuses at start what would leave it serving a
// self-signed certificate instead: a directory without --metrics-secure, missing files, a key that is
// not the certificate's.
func TestMetricsCertificateOptions(t *testing.T) {
	dir := t.TempDir()
	writeServingCert(t, dir, "tls.crt", "tls.key")
	writeServingCert(t, dir, "other.crt", "other.key")
	base := runOptions{metricsAddr: ":8443", secureMetrics: true, metricsCertName: "tls.crt", metricsKeyName: "tls.key"}

	opts, err := metricsOptions(base)
	if err != nil || opts.CertDir != "" || !opts.SecureServing || opts.FilterProvider == nil {
		t.Errorf("without --metrics-cert-dir: %+v, %v; want secure serving (self-signed) with the token filter", opts, err)
	}
	o := base
	o.metricsCertDir = dir
	opts, err = metricsOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	if opts.CertDir != dir || opts.CertName != "tls.crt" || opts.KeyName != "tls.key" || !opts.SecureServing || opts.FilterProvider == nil {
		t.Errorf("with --metrics-cert-dir: %+v", opts)
	}

	for _, tc := range []struct {
		name string
		edit func(*runOptions)
		want []string
	}{
		{"without --metrics-secure", func(o *runOptions) { o.secureMetrics = false }, []string{"--metrics-cert-dir needs --metrics-secure"}},
		{"a missing directory", func(o *runOptions) { o.metricsCertDir = filepath.Join(dir, "absent") }, []string{"--metrics-cert-dir", filepath.Join(dir, "absent", "tls.crt")}},
		{"a missing key", func(o *runOptions) { o.metricsKeyName = "absent.key" }, []string{"--metrics-cert-dir", filepath.Join(dir, "absent.key")}},
		{"the key of another certificate", func(o *runOptions) { o.metricsKeyName = "other.key" }, []string{"--metrics-cert-dir", "private key does not match"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.metricsCertDir = dir
			tc.edit(&o)
			_, err := metricsOptions(o)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// writeServingCert writes a self-signed certificate for localhost and its key, in PEM, to dir.
func writeServingCert(t *testing.T, dir, certName, keyName string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, certName), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyName), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}
