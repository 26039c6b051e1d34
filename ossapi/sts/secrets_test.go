package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// captureLogs is a logger at every verbosity that keeps what it logs.
func captureLogs() (context.Context, func() string) {
	var mu sync.Mutex
	var b strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(&b, prefix, args)
	}, funcr.Options{Verbosity: 10})
	return logr.NewContext(ctx(), log), func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
}

// secrets are every secret the tests handle: those STS returns, the OIDC token sent, the caller's
// secret and security token.
var secrets = []string{secret1, token1, secret2, token2, oidcToken, callerCreds.AccessKeySecret, callerCreds.SecurityToken}

// leaked fails the test if s holds a secret, or a long enough piece of one, as it is or encoded as a
// form, a query or the string to sign encode it.
func leaked(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range secrets {
		once := signer.Escape(secret, false)
		for _, form := range []string{secret, secret[:min(len(secret), 24)], once, signer.Escape(once, false), url.QueryEscape(secret)} {
			if strings.Contains(s, form) {
				t.Errorf("%s carries a secret (%.12s...):\n%s", what, secret, s)
				break
			}
		}
	}
}

// The credentials STS returns, the OIDC token sent and the caller's credentials never reach an error
// or a log, at any verbosity: not when the call succeeds, not when an answer that holds them is
// refused, not when an error answer quotes them.
func TestSecretsNeverLeak(t *testing.T) {
	creds := `"Credentials":{"AccessKeyId":"STS.L4aBSCSJVMuKg5U1Fh7z","AccessKeySecret":"` + secret2 + `","SecurityToken":"` + token2 + `"`
	garbled := map[string]string{
		"truncated in the secret":       `{"RequestId":"R","Credentials":{"AccessKeyId":"STS.A","AccessKeySecret":"` + secret2,
		"truncated in the token":        `{"RequestId":"R",` + creds[:len(creds)-10],
		"no key ID":                     `{"RequestId":"R","Credentials":{"AccessKeySecret":"` + secret2 + `","SecurityToken":"` + token2 + `","Expiration":"2015-04-09T11:52:19Z"}}`,
		"no expiration":                 `{"RequestId":"R",` + creds + `}}`,
		"the secret as the expiration":  `{"RequestId":"R",` + creds + `,"Expiration":"` + secret2 + `"}}`,
		"the token as the expiration":   `{"RequestId":"R",` + creds + `,"Expiration":"` + token2 + `"}}`,
		"expired":                       `{"RequestId":"R",` + creds + `,"Expiration":"2015-04-09T09:52:19Z"}}`,
		"the secret after the document": `{"RequestId":"R"} "` + secret2 + `"`,
		"a syntax error at the secret":  `{"RequestId":"R",` + creds + `,"Expiration":"2015-04-09T11:52:19Z"},"Extra":` + secret2 + `}`,
		"a secret of the wrong type":    `{"RequestId":"R","Credentials":{"AccessKeyId":"STS.A","AccessKeySecret":["` + secret2 + `"]}}`,
		"an error code and credentials": `{"RequestId":"R","Code":"Throttling.User",` + creds + `,"Expiration":"2015-04-09T11:52:19Z"}}`,
		"the token as the request ID":   `{"RequestId":"` + token2 + ` ` + token2 + `",` + creds + `,"Expiration":"2015-04-09T11:52:19Z"}}`,
		"an HTML page":                  `<html><body>` + secret2 + ` ` + token2 + `</body></html>`,
		"a body over the limit":         `{"RequestId":"R",` + creds + strings.Repeat("x", 64<<10) + `"}}`,
	}
	errorAnswers := map[string]func(w http.ResponseWriter, form url.Values){
		"an error that quotes the token": func(w http.ResponseWriter, form url.Values) {
			stsError(w, 401, CodeOIDCTokenInvalid, "The Jwt content is invalid that cannot be recognized: "+form.Get("OIDCToken"))
		},
		"an error that quotes it encoded": func(w http.ResponseWriter, form url.Values) {
			stsError(w, 400, ossapi.CodeSignatureDoesNotMatch, "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&"+
				signer.Escape(url.Values{"OIDCToken": {form.Get("OIDCToken")}}.Encode(), false))
		},
		"an error that quotes the token without the string to sign": func(w http.ResponseWriter, form url.Values) {
			stsError(w, 400, "InvalidParameter.OIDCToken", "OIDCToken "+url.QueryEscape(form.Get("OIDCToken"))+" is invalid")
		},
	}
	check := func(t *testing.T, err error, logs string) {
		t.Helper()
		if err == nil {
			t.Fatal("the answer was taken")
		}
		leaked(t, "the error", fmt.Sprintf("%v %+v %#v %s", err, err, err, err.Error()))
		var de *ossapi.DecodeError
		if errors.As(err, &de) {
			leaked(t, "the error's detail", de.Detail())
		}
		if e, ok := ossapi.AsError(err); ok {
			leaked(t, "the error's brief", e.Brief())
		}
		if logs == "" {
			t.Error("nothing was logged: the test logger is not in use")
		}
		leaked(t, "the logs", logs)
	}
	for name, body := range garbled {
		t.Run(name, func(t *testing.T) {
			_, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, body) })
			c, _ := testClient(t, hs, nil)
			lctx, logs := captureLogs()
			s, err := c.AssumeRoleWithOIDC(lctx, AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
				OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
			if err == nil {
				t.Fatalf("a garbled answer was taken: %v", s)
			}
			check(t, err, logs())
		})
	}
	for name, answer := range errorAnswers {
		t.Run(name, func(t *testing.T) {
			_, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answer(w, form) })
			c, _ := testClient(t, hs, nil)
			lctx, logs := captureLogs()
			_, err := c.AssumeRoleWithOIDC(lctx, AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
				OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
			check(t, err, logs())
		})
	}
	t.Run("an error that quotes the caller's security token", func(t *testing.T) {
		_, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
			stsError(w, 400, ossapi.CodeSignatureDoesNotMatch, "The security token "+form.Get("SecurityToken")+" does not match the key. "+
				"server string to sign is:"+signer.RPCStringToSign("POST", form))
		})
		c, _ := testClient(t, hs, nil)
		lctx, logs := captureLogs()
		_, err := c.AssumeRole(lctx, AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
		check(t, err, logs())
	})

	t.Run("a good answer", func(t *testing.T) {
		_, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, oidcAnswer) })
		c, _ := testClient(t, hs, nil)
		lctx, logs := captureLogs()
		s, err := c.AssumeRoleWithOIDC(lctx, AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
			OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
		if err != nil || s.Credentials.AccessKeySecret != secret2 || s.Credentials.SecurityToken != token2 {
			t.Fatalf("AssumeRoleWithOIDC = %v, %v", s, err)
		}
		type holder struct{ Session Session }
		logr.FromContextOrDiscard(lctx).Info("assumed", "session", s, "value", *s, "credentials", s.Credentials,
			"held", holder{*s}, "list", []Credentials{s.Credentials})
		leaked(t, "the logs", logs())
		if !strings.Contains(logs(), s.Credentials.AccessKeyID) || !strings.Contains(logs(), s.AssumedRoleUser.Arn) {
			t.Errorf("the log entry does not name the key and the role: %s", logs())
		}
	})
}

// Credentials and Session never print, log or marshal the secret or the token, whatever the verb.
func TestCredentialsNeverPrintTheirSecrets(t *testing.T) {
	s := Session{
		Credentials:     Credentials{AccessKeyID: "STS.NUgYrLnoC37mZZCNnAbez1a2", AccessKeySecret: secret2, SecurityToken: token2, Expiration: expiration},
		AssumedRoleUser: AssumedRoleUser{Arn: "acs:ram::1135115445851234:role/testoidc/oss-operator", AssumedRoleID: "331577948954601234:oss-operator"},
		OIDCSubject:     "system:serviceaccount:oss-operator-system:controller",
	}
	type holder struct {
		S Session
		C Credentials
	}
	var outs []string
	for _, v := range []any{s, s.Credentials} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(j), fmt.Sprint(v.(logr.Marshaler).MarshalLog()))
	}
	j, err := json.Marshal(holder{s, s.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j), s.String(), s.GoString(), s.Credentials.String(), s.Credentials.GoString())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{s, &s, s.Credentials, &s.Credentials, []Session{s}, holder{s, s.Credentials}, &holder{s, s.Credentials}} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	for _, out := range outs {
		leaked(t, "the output", out)
		if strings.Contains(out, fmt.Sprintf("%x", secret2)) || strings.Contains(out, fmt.Sprintf("%x", token2)) {
			t.Errorf("prints a secret in hex: %s", out)
		}
	}
	if str := s.Credentials.String(); !strings.Contains(str, s.Credentials.AccessKeyID) || !strings.Contains(str, "<redacted>") ||
		!strings.Contains(str, "2015-04-09T11:52:19Z") {
		t.Errorf("String() = %s", str)
	}
	if oss := s.Credentials.OSS(); oss.AccessKeyID != s.Credentials.AccessKeyID || oss.AccessKeySecret != secret2 || oss.SecurityToken != token2 {
		t.Errorf("OSS() = %#v", oss)
	}
}
