# irsa-render: build, demo and tests. Every target installs what it needs:
# Helm and kustomize are built from the Go module proxy at pinned versions
# into the ignored bin/ folder (see hack/tools.sh).

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
DEMO_ARGS := --role-arn=arn:aws:iam::111122223333:role/firefly-runner --image-tag=v0.6.26 --region=eu-west-1

.PHONY: all build tools demo test check unit e2e webhook-test fuzz bench plugin clean

all: build

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/irsa-render ./cmd/irsa-render

tools:
	hack/tools.sh helm3 helm4

# Render the stand-in chart with Helm 3 and irsa-render as its post-renderer.
demo:
	@$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/irsa-render ./cmd/irsa-render
	@hack/tools.sh helm3
	@source hack/helm-env.sh helm3 && \
	  $(BIN)/helm3 template runner charts/ci-runner-worker --namespace firefly \
	    --post-renderer $(BIN)/irsa-render \
	    $(foreach a,$(DEMO_ARGS),--post-renderer-args $(a))

# Every test: unit and integration tests with real Helm 3 and Helm 4, then
# the end-to-end suite on a real control plane.
test: check e2e

# Unit and integration tests, with the pinned tools required.
check: build tools plugin
	IRSA_RENDER_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

unit:
	$(GO) test ./...

# Compare irsa-render with cat and kustomize as post-renderers and write
# docs/benchmarks.md. Takes about 20 minutes on 2 cores, 15 of them
# kustomize on 10,000 documents (hack/bench.sh kills it after 900 s).
bench: build
	hack/tools.sh helm3 kustomize
	hack/bench.sh

# Run the EKS Pod Identity Webhook's mutation code offline on Pods built from
# irsa-render output. test/webhook is a module of its own, so the webhook's
# dependencies stay out of the main module. CGO_ENABLED=0 and -trimpath match
# e2e/build-webhook.sh, so both reuse the same compiled dependencies.
webhook-test: build
	hack/tools.sh helm3
	cd test/webhook && CGO_ENABLED=0 $(GO) test -trimpath -count=1 ./...

# End-to-end suite: Helm 3 and Helm 4 install, upgrade and fail against a real
# kube-apiserver and kube-controller-manager on 127.0.0.1, with the EKS Pod
# Identity Webhook admitting the runner Pods. See e2e/run.sh.
e2e: build plugin webhook-test
	hack/tools.sh helm3 helm4
	hack/controlplane/build.sh
	e2e/build-webhook.sh
	e2e/run.sh

# Assemble the Helm 4 post-renderer plugin in bin/plugin/irsa-render.
plugin:
	rm -rf $(BIN)/plugin/irsa-render
	mkdir -p $(BIN)/plugin/irsa-render/bin
	cp deploy/helm-plugin/plugin.yaml $(BIN)/plugin/irsa-render/plugin.yaml
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/plugin/irsa-render/bin/irsa-render ./cmd/irsa-render

# Run every fuzz target for FUZZTIME each; findings land in the package's
# testdata/fuzz folder and become regression tests.
FUZZTIME ?= 30s
FUZZ_TARGETS := render:FuzzSplitStream render:FuzzFastParse render:FuzzEncodeSimple render:FuzzRender \
	internal/imageref:FuzzParse internal/awsarn:FuzzParseRole facts:FuzzReadFile trust:FuzzParseDocument
fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
	  pkg=$${target%%:*}; name=$${target##*:}; \
	  echo "fuzz $$name in ./$$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./$$pkg; \
	done

clean:
	rm -rf $(BIN)
