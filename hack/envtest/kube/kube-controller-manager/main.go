// Command kube-controller-manager is the upstream Kubernetes controller manager, built from the Go module
// proxy for envtest: the tests that depend on Kubernetes' own controllers (namespace deletion, garbage
// collection of owned objects) run it beside the API server.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
