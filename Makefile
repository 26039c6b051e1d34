# The interface for people and CI alike: .ci/run calls `make test`, the same target a person would.
# `make` alone lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Pinned tools, built from the Go module proxy into bin/ (git-ignored). Each is installed under a versioned
# name with an unversioned symlink beside it, so bumping a version here rebuilds that tool.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
HELM_VERSION ?= v3.22.0
KUSTOMIZE_VERSION ?= v5.7.1

# helm is stamped as helm's own Makefile stamps a release: with its version, and with the Kubernetes version
# it assumes without a cluster (helm template, helm lint), 1.X for client-go v0.X. Unstamped, `go install`
# gives a helm that assumes 1.20, below the chart's kubeVersion. The stamp is the project's client-go, which
# the envtest control plane matches; it is part of helm's name in bin/, so that a change rebuilds helm.
# (The commit a release also stamps is not known from the module proxy.)
K8S_MINOR := $(shell awk '$$1 == "k8s.io/client-go" {split($$2, v, "."); print v[2]}' go.mod)
HELM_LDFLAGS := -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(K8S_MINOR) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(K8S_MINOR)

LOCALBIN := $(CURDIR)/bin
CONTROLLER_GEN := $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
HELM := $(LOCALBIN)/helm-$(HELM_VERSION)-k8s1.$(K8S_MINOR)
KUSTOMIZE := $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)

# The Helm chart, and the image `make docker-build` builds (its tag is the chart's appVersion).
CHART_DIR := charts/oss-operator
IMG ?= ghcr.io/ossoperator/oss-operator:$(shell awk -F'"' '/^appVersion:/ {print $$2}' $(CHART_DIR)/Chart.yaml)
CONTAINER_TOOL ?= docker

# Directory holding etcd, kube-apiserver and kubectl for envtest. Recursively expanded on purpose: only the
# recipes that reference it (test, dev, bench, chaos) run hack/envtest.sh, which builds the binaries on first use. Set it
# in the environment to use binaries you already have. Do not export it: make would then expand it for
# every recipe.
KUBEBUILDER_ASSETS ?= $(shell hack/envtest.sh | tail -n1)

# Duration of each fuzz target's run in `make fuzz`.
FUZZTIME ?= 60s

# Arguments of `make dev` (hack/dev), e.g. DEV_ARGS="--oss-listen 127.0.0.1:9100 --zap-log-level info".
DEV_ARGS ?=

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "; printf "Usage: make <target>\n"} \
		/^[a-zA-Z_0-9-]+:.*## / {printf "  %-18s %s\n", $$1, $$2} \
		/^##@/ {printf "\n%s\n", substr($$0, 5)}' $(MAKEFILE_LIST)

##@ Development

# Built and run rather than `go run`: go run exits 1 after Ctrl-C even when the program exits 0.
.PHONY: dev
dev: ## Run the operator locally on the envtest control plane with the OSS emulator and the samples; DEV_ARGS=--help lists options.
	@assets='$(KUBEBUILDER_ASSETS)'; $(call require-assets,$$assets); \
		go build -o $(LOCALBIN)/oss-operator-dev ./hack/dev; \
		echo "KUBEBUILDER_ASSETS=$$assets bin/oss-operator-dev $(DEV_ARGS)"; \
		KUBEBUILDER_ASSETS="$$assets" $(LOCALBIN)/oss-operator-dev $(DEV_ARGS)

.PHONY: build
build: ## Build every package and the manager binary (bin/manager).
	go build ./...
	go build -o bin/manager .

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: manifests
manifests: controller-gen ## Generate CRDs (config/crd/bases; descriptions laid out for kubectl explain by hack/crddocs), RBAC (config/rbac) and webhook configuration; copy them into the chart.
	$(CONTROLLER_GEN) rbac:roleName=oss-operator-system-oss-operator-manager crd webhook paths="./..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	go run ./hack/crddocs config/crd/bases/*.yaml
	@$(MAKE) --no-print-directory chart-files

# The chart renders its CRDs and RBAC rules from these copies (templates/crds.yaml, templates/rbac.yaml).
.PHONY: chart-files
chart-files: ## Copy the generated CRDs and the RBAC rules from config/ into the chart's files/.
	rm -rf $(CHART_DIR)/files/crds $(CHART_DIR)/files/rbac
	mkdir -p $(CHART_DIR)/files/crds $(CHART_DIR)/files/rbac
	cp config/crd/bases/*.yaml $(CHART_DIR)/files/crds/
	cp config/rbac/role.yaml config/rbac/leader_election_role.yaml $(CHART_DIR)/files/rbac/
	cp config/components/secure-metrics/metrics_auth_role.yaml config/components/secure-metrics/metrics_reader_role.yaml $(CHART_DIR)/files/rbac/

.PHONY: docs
docs: ## Generate the API reference, docs/api.md, from the types in api/v1alpha1.
	go run ./hack/apidocs -o docs/api.md ./api/v1alpha1

.PHONY: docker-build
docker-build: ## Build the manager image IMG (default: ghcr.io/ossoperator/oss-operator:<appVersion>) with CONTAINER_TOOL.
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: envtest
envtest: ## Build (once per machine) the envtest control plane; prints the KUBEBUILDER_ASSETS directory.
	hack/envtest.sh

##@ Verification

.PHONY: test
test: lint verify-generated helm kustomize ## Run every test against the envtest control plane, after lint and verify-generated.
	@assets='$(KUBEBUILDER_ASSETS)'; $(call require-assets,$$assets); \
		echo "KUBEBUILDER_ASSETS=$$assets go test ./... -count=1"; \
		KUBEBUILDER_ASSETS="$$assets" go test ./... -count=1

.PHONY: lint
lint: ## Check formatting (gofmt) and run go vet.
	@files=$$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:hack/envtest/**' \
		| while read -r f; do if [ -f "$$f" ]; then echo "$$f"; fi; done); \
	unformatted=$$([ -z "$$files" ] || gofmt -l $$files); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):" >&2; echo "$$unformatted" >&2; exit 1; \
	fi
	go vet ./...

.PHONY: verify-generated
verify-generated: generate manifests docs ## Fail if generated code, manifests, chart copies or docs/api.md are stale.
	@# Only the work tree column counts (and untracked files): what regeneration changed relative to the
	@# index, so staged but not yet committed work passes, as does a clean clone that is up to date.
	@changes=$$(git status --porcelain -- api config charts docs/api.md | grep -v '^. ' || true); \
	if [ -n "$$changes" ]; then \
		echo "generated files under api/, config/, charts/ or docs/api.md are stale or new; review, then stage or commit them:" >&2; \
		echo "$$changes" >&2; exit 1; \
	fi

.PHONY: bench
bench: ## Run the scale benchmark (hack/bench): table on stdout, JSON in bin/bench.json; BENCH_ARGS=--help lists options.
	@assets='$(KUBEBUILDER_ASSETS)'; $(call require-assets,$$assets); \
		echo "KUBEBUILDER_ASSETS=$$assets go run ./hack/bench $(BENCH_ARGS)"; \
		KUBEBUILDER_ASSETS="$$assets" go run ./hack/bench $(BENCH_ARGS)

.PHONY: chaos
chaos: ## Run the long fault test (test/chaos with CHAOS_LONG=1: 200 Buckets, 1 s slow answers, 3 restarts).
	@assets='$(KUBEBUILDER_ASSETS)'; $(call require-assets,$$assets); \
		echo "CHAOS_LONG=1 KUBEBUILDER_ASSETS=$$assets go test ./test/chaos/ -count=1 -v -timeout 60m"; \
		CHAOS_LONG=1 KUBEBUILDER_ASSETS="$$assets" go test ./test/chaos/ -count=1 -v -timeout 60m

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 60s), one at a time.
	@dirs=$$({ git grep --untracked -l -e '^func Fuzz' -- '*_test.go' || true; } | xargs -r -n1 dirname | sort -u | sed 's|^|./|'); \
	if [ -z "$$dirs" ]; then echo "no fuzz targets"; exit 0; fi; \
	targets=$$(go test -list '^Fuzz' $$dirs | awk '/^Fuzz/ {names = names " " $$1; next} \
		/^ok / {n = split(names, f, " "); for (i = 1; i <= n; i++) print $$2, f[i]; names = ""}'); \
	while read -r pkg name; do \
		echo "go test -run '^\$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $$pkg"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null; \
	done <<< "$$targets"

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen into bin/ if missing.
	@ln -sfn $(notdir $<) $(LOCALBIN)/$@
$(CONTROLLER_GEN):
	$(call go-install-tool,sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION))

.PHONY: helm
helm: $(HELM) ## Build helm into bin/ if missing.
	@ln -sfn $(notdir $<) $(LOCALBIN)/$@
$(HELM):
	$(call go-install-tool,helm.sh/helm/v3/cmd/helm@$(HELM_VERSION),-ldflags '$(HELM_LDFLAGS)')

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Build kustomize into bin/ if missing.
	@ln -sfn $(notdir $<) $(LOCALBIN)/$@
$(KUSTOMIZE):
	$(call go-install-tool,sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION))

.PHONY: tools
tools: controller-gen helm kustomize ## Build all pinned tools.

.PHONY: clean
clean: ## Remove bin/ (built tools and binaries).
	rm -rf bin/

# go-install-tool <package@version>[,<go install flags>]: install into the target's versioned path ($@,
# e.g. bin/controller-gen-v0.23.0). The phony target of the same tool points the unversioned symlink at it.
# Installing into a temporary GOBIN keeps bin/ free of half-built or unversioned binaries.
define go-install-tool
@echo "building $(1) into bin/"
@mkdir -p $(LOCALBIN); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	GOBIN="$$tmp" go install $(2) $(1); \
	mv "$$tmp"/* $@
endef

# require-assets <dir>: fail with a pointer to `make envtest` unless <dir> holds the envtest binaries.
define require-assets
for b in etcd kube-apiserver kube-controller-manager kubectl; do \
	[ -x "$(1)/$$b" ] || { echo "no envtest binaries in '$(1)'; see 'make envtest'" >&2; exit 1; }; \
done
endef
