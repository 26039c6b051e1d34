// Command oss-emulator serves the in-memory OSS emulator of package osstest on a TCP address, for
// running the operator locally (make dev) or poking at it with an OSS client:
//
//	go run ./hack/oss-emulator --listen 127.0.0.1:9000 --access-key-id ID --access-key-secret SECRET
//
// Point a client at http://ADDR path-style, or at http://BUCKET.ADDR virtual-hosted, with region
// cn-hangzhou (or --region). Every request must be signed with the key, V1 or V4. The account's RAM API
// (users, AccessKeys, policies; Version 2015-05-01, RPC signature) is served on its own address,
// --ram-listen (127.0.0.1:9001 by default, "" for none); keys it issues sign OSS requests too, with the
// rights their policies grant. STS (Version 2015-04-01: AssumeRole, AssumeRoleWithOIDC,
// GetCallerIdentity) is served on --sts-listen (127.0.0.1:9002 by default, "" for none), with the roles
// and OIDC providers of --sts-config, a JSON file (see stsconfig.go). State lives in memory and is gone
// when the command exits, which it does with status 0 on SIGINT or SIGTERM.
//
// Against a running emulator (make dev's by default: http://127.0.0.1:9000, its AccessKey and region;
// --endpoint, --access-key-id, --access-key-secret, --region for another), the same command shows what
// OSS holds, signing its requests with the project's client:
//
//	go run ./hack/oss-emulator ls                    # the buckets
//	go run ./hack/oss-emulator ls BUCKET[/PREFIX]    # the objects under PREFIX
//	go run ./hack/oss-emulator get BUCKET/KEY        # an object's content, to stdout
//	go run ./hack/oss-emulator settings BUCKET       # GetBucketInfo and every setting, as JSON
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "oss-emulator:", err)
		}
		stop()
		os.Exit(2)
	}
}

// run serves until ctx is done. It prints one line to stdout once it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && inspectCommands[args[0]] != "" {
		return inspect(ctx, args[0], args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("oss-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9000", "TCP address to serve OSS on (port 0 picks a free port)")
	ramListen := fs.String("ram-listen", "127.0.0.1:9001", "TCP address to serve the RAM API on (port 0 picks a free port; empty: no RAM)")
	stsListen := fs.String("sts-listen", "127.0.0.1:9002", "TCP address to serve STS on (port 0 picks a free port; empty: no STS)")
	stsConfig := fs.String("sts-config", "", "JSON file of the account's RAM roles and OIDC providers, for STS")
	keyID := fs.String("access-key-id", "", "AccessKey ID of the account (required)")
	secret := fs.String("access-key-secret", "", "AccessKey secret of the account (required)")
	token := fs.String("security-token", "", "STS security token: makes the key an STS key that must send it")
	accountID := fs.String("account-id", "1000000000000000", "ID of the account, the owner of its buckets")
	region := fs.String("region", osstest.DefaultRegion, "region of the endpoint, e.g. cn-hangzhou")
	bucketLimit := fs.Int("bucket-limit", 100, "buckets the account may create in the region")
	blockPublic := fs.Bool("block-public-access-by-default", true, "new buckets have Block Public Access on")
	policyLimit := fs.Int("policy-document-limit", 2048, "longest RAM policy document, in characters (RAM documents 2048 and, lately, 6144)")
	verbose := fs.Bool("v", false, "log every request to stderr (never credentials or signatures)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *keyID == "" || *secret == "" {
		return errors.New("--access-key-id and --access-key-secret are required")
	}

	log := logr.Discard()
	if *verbose {
		log = funcr.New(func(prefix, args string) { fmt.Fprintln(stderr, prefix, args) }, funcr.Options{})
	}
	emu := osstest.New(
		osstest.WithAccount(osstest.Account{ID: *accountID, Keys: []osstest.Key{{
			AccessKeyID: *keyID, AccessKeySecret: *secret, SecurityToken: *token}}}),
		osstest.WithRegion(*region),
		osstest.WithBucketLimit(*bucketLimit),
		osstest.WithBlockPublicAccessByDefault(*blockPublic),
		osstest.WithLogger(log),
		osstest.WithPolicyDocumentLimit(*policyLimit),
	)
	if *stsConfig != "" {
		if err := loadSTSConfig(emu, *accountID, *stsConfig); err != nil {
			return err
		}
	}

	type server struct {
		name string
		l    net.Listener
		srv  *http.Server
	}
	var servers []server
	defer func() {
		for _, s := range servers {
			_ = s.l.Close()
		}
	}()
	for _, s := range []struct {
		name, addr string
		h          http.Handler
	}{{"OSS", *listen, emu}, {"RAM", *ramListen, emu.RAM()}, {"STS", *stsListen, emu.STS()}} {
		if s.addr == "" {
			continue
		}
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			return err
		}
		servers = append(servers, server{s.name, l, &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second}})
	}
	if len(servers) == 0 || servers[0].name != "OSS" {
		return errors.New("--listen is required")
	}
	line := fmt.Sprintf("oss-emulator listening on http://%s (region %s, account %s, AccessKey ID %s)",
		servers[0].l.Addr(), emu.Region(), *accountID, *keyID)
	for _, s := range servers[1:] {
		line += fmt.Sprintf(", %s on http://%s", s.name, s.l.Addr())
	}
	done := make(chan error, len(servers))
	for _, s := range servers {
		go func() { done <- s.srv.Serve(s.l) }()
	}
	fmt.Fprintln(stdout, line)

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		if serr := s.srv.Shutdown(shutdown); serr != nil {
			_ = s.srv.Close()
		}
	}
	return err
}
