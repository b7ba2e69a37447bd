# irsa-render: build, demo and tests. Every target installs what it needs:
# Helm and kustomize are built from the Go module proxy at pinned versions
# into the ignored bin/ folder (see hack/tools.sh).

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
DEMO_ARGS := --role-arn=arn:aws:iam::111122223333:role/firefly-runner --image-tag=v0.6.26 --region=eu-west-1

.PHONY: all build tools demo test unit e2e fuzz bench plugin clean

all: build

build:
	$(GO) build -trimpath -o $(BIN)/irsa-render ./cmd/irsa-render

tools:
	hack/tools.sh helm3 helm4

# Render the stand-in chart with Helm 3 and irsa-render as its post-renderer.
demo: build
	@hack/tools.sh helm3
	@source hack/helm-env.sh helm3 && \
	  $(BIN)/helm3 template runner charts/ci-runner-worker --namespace firefly \
	    --post-renderer $(BIN)/irsa-render \
	    $(foreach a,$(DEMO_ARGS),--post-renderer-args $(a))

# Every test: unit, Helm 3 and Helm 4 integration.
test: build tools plugin
	IRSA_RENDER_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

unit:
	$(GO) test ./...

# Assemble the Helm 4 post-renderer plugin in bin/plugin/irsa-render.
plugin:
	rm -rf $(BIN)/plugin/irsa-render
	mkdir -p $(BIN)/plugin/irsa-render/bin
	cp deploy/helm-plugin/plugin.yaml $(BIN)/plugin/irsa-render/plugin.yaml
	$(GO) build -trimpath -o $(BIN)/plugin/irsa-render/bin/irsa-render ./cmd/irsa-render

clean:
	rm -rf $(BIN)
