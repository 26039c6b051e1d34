package packaging

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// certFiles is a kubernetes.io/tls Secret as cert-manager fills it (tls.crt, tls.key, ca.crt), laid out
// in dir as the kubelet lays out a Secret volume: each file a symbolic link through ..data to a
// timestamped directory, which an update replaces at once by renaming a new ..data link over the old.
type certFiles struct {
	dir        string
	serverName string
	ca         *x509.Certificate
	caKey      *ecdsa.PrivateKey
	cert       *x509.Certificate // the one in tls.crt
	serial     int64
}

// newCertFiles makes a CA, and a serving certificate it signs for serverName.
func newCertFiles(t *testing.T, serverName string) *certFiles {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "packaging test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c := &certFiles{dir: t.TempDir(), serverName: serverName, ca: ca, caKey: caKey, serial: 1}
	c.renew(t)
	for _, f := range []string{"tls.crt", "tls.key", "ca.crt"} {
		if err := os.Symlink(filepath.Join("..data", f), filepath.Join(c.dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// renew issues a new certificate (and key) for the server name and puts it in place of the old one, as
// the kubelet updates a Secret volume; it returns the new certificate.
func (c *certFiles) renew(t *testing.T) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(c.serial), Subject: pkix.Name{CommonName: c.serverName},
		DNSNames: []string{c.serverName}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca, &key.PublicKey, c.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if c.cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	version := fmt.Sprintf("..%d", c.serial)
	if err := os.Mkdir(filepath.Join(c.dir, version), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"tls.crt": {Type: "CERTIFICATE", Bytes: der},
		"tls.key": {Type: "PRIVATE KEY", Bytes: keyDER},
		"ca.crt":  {Type: "CERTIFICATE", Bytes: c.ca.Raw},
	} {
		if err := os.WriteFile(filepath.Join(c.dir, version, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(version, filepath.Join(c.dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(c.dir, "..data_tmp"), filepath.Join(c.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if c.serial > 2 {
		if err := os.RemoveAll(filepath.Join(c.dir, fmt.Sprintf("..%d", c.serial-1))); err != nil {
			t.Fatal(err)
		}
	}
	return c.cert
}
