# syntax=docker/dockerfile:1
#
# The manager image: a static binary on distroless, running as the nonroot user (65532).
#
#   make docker-build IMG=registry.example.com/oss-operator:dev    # or: docker build -t IMG .
#
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 -t IMG --push .
# The Go base image's major.minor follows go.mod; pin both base images by digest in a release pipeline.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src

# Modules first, so that the layer is reused while only the sources change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

# The packages the manager is built from (a test in test/packaging checks this list against
# `go list -deps .`). Tests, hack/ and the emulator stay out of the image.
COPY main.go metricsauth.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY ossapi/ ossapi/

# The release the image is, which `/manager --version` prints and the start-up log records: the chart's
# appVersion by default (a test in test/packaging checks that the two agree). The build context has no
# .git, so a release pipeline passes the commit: --build-arg REVISION=$(git rev-parse HEAD).
ARG VERSION=0.1.0
ARG REVISION=

# CGO off: a static binary that runs on distroless/static, which has no libc.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${REVISION}" -o /out/manager .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
