# The two set-up commands are `make run` and `make test`; both fetch what they
# need (Go modules; npm packages from the package-lock.json files: the spec
# linters and Swagger UI here, the TypeScript example's in examples/typescript).
GO ?= go

.PHONY: all generate check-generated build run test test-tools docs-flags fuzz crashtest soak lint bench bench-go bench-http docs-assets breaking image image-tools image-test

all: build

## generate: regenerate gen/ and client/raw/ from openapi.yaml
generate:
	$(GO) generate ./gen ./client/raw

## check-generated: fail when the committed generated code does not match openapi.yaml
check-generated: generate
	@git diff --exit-code --stat -- gen client || \
	  { echo "generated code is stale: run 'make generate' and commit the result" >&2; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- gen client); \
	  if [ -n "$$untracked" ]; then echo "untracked generated files, commit them: $$untracked" >&2; exit 1; fi

## build: build the binaries into bin/ (with the git revision, for `invitationsd version`)
build:
	$(GO) build -buildvcs=auto -o bin/ ./cmd/...

## run: build bin/invitationsd and serve on 127.0.0.1:8080 with the embedded SQLite database in data/ (INVITATIONS_DB=postgres://... for PostgreSQL)
run:
	@if [ -x bin/invitationsd ]; then echo "building bin/invitationsd..."; \
	  else echo "building bin/invitationsd (the first build downloads modules and compiles SQLite; this takes a few minutes)..."; fi
	@$(GO) build -buildvcs=auto -o bin/invitationsd ./cmd/invitationsd
	@echo "starting bin/invitationsd (INVITATIONS_* variables configure it: docs/flags.md); stop it with Ctrl-C"
	@bin/invitationsd

## test: run the whole test suite: Go's (the PostgreSQL engine's too when INVITATIONS_TEST_POSTGRES_DSN
## is set), then the TypeScript client example against the real server
test: examples/typescript/node_modules test-tools
	$(GO) test -race -count=1 ./...
	cd examples/typescript && npm test --silent

# need_tools ends a recipe line that has put the missing Debian packages in
# the shell variable need: as root it installs them with apt-get (as .ci/run
# installs Chromium); otherwise it fails saying what $(1), which needs them,
# lacks.
define need_tools
if [ -n "$$need" ]; then \
  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
    echo "$(1) needs$$need (apt-get install -y$$need)" >&2; exit 1; fi; \
  echo "installing$$need for $(1)" >&2; \
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
fi
endef

# The README's test runs its shell session with bash, curl and jq.
test-tools:
	@need=; for t in bash curl jq; do command -v $$t >/dev/null || need="$$need $$t"; done; \
	  $(call need_tools,the README's session in make test)

## docs-flags: write docs/flags.md, the flag reference, from `invitationsd -h` (make test fails when it is stale)
docs-flags:
	$(GO) test -count=1 -run '^TestFlagReference$$' ./cmd/invitationsd -update-flags

examples/typescript/node_modules: examples/typescript/package.json examples/typescript/package-lock.json
	cd examples/typescript && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# The container image, built with podman: no Docker daemon. IMAGE names it.
IMAGE ?= localhost/invitationsd:dev

## image: build the OCI image $(IMAGE) (see Containerfile): a static invitationsd, a user without privileges, data in /data
image: image-tools
	rm -rf bin/image && mkdir -p bin/image/data
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -ldflags='-s -w' -o bin/image/invitationsd ./cmd/invitationsd
	cp deploy/image/passwd deploy/image/group /etc/ssl/certs/ca-certificates.crt bin/image/
	@info=$$($(GO) version -m bin/image/invitationsd); \
	  version=$$(printf '%s\n' "$$info" | awk '$$1 == "mod" {print $$3}'); \
	  revision=$$(printf '%s\n' "$$info" | sed -n 's/^[[:space:]]*build[[:space:]]*vcs\.revision=//p'); \
	  echo "image: $(IMAGE), invitationsd $$version, revision $${revision:-unknown}"; \
	  podman build --quiet --layers=false -f Containerfile --build-arg VERSION="$$version" --build-arg REVISION="$${revision:-unknown}" \
	    -t $(IMAGE) bin/image

# podman, umoci and skopeo (Debian's), and the CA bundle the image carries.
image-tools:
	@need=; for t in podman umoci skopeo; do command -v $$t >/dev/null || need="$$need $$t"; done; \
	  [ -f /etc/ssl/certs/ca-certificates.crt ] || need="$$need ca-certificates"; \
	  $(call need_tools,the image)

## image-test: build the image, then unpack it and run its binary chrooted in its root file system (as root; these machines cannot run containers): it serves, writes only under /data; and check its config and labels
image-test: image
	INVITATIONS_IMAGE=$(IMAGE) $(GO) test -tags imagetest -count=1 -run '^TestImage$$' -v ./cmd/invitationsd

# Every fuzz target, as package:Func. `make test` runs their seed corpora (the
# f.Add seeds and testdata/fuzz); `make fuzz` fuzzes each in turn.
FUZZ_TARGETS = ./server:FuzzRequest ./server:FuzzCreateInvitation ./server:FuzzInvitationJSON ./server:FuzzCollectionJSON ./server:FuzzPattern \
	./odata:FuzzParseFilter ./odata:FuzzDecodeSkipToken ./memory:FuzzStored .:FuzzInvitationOutcome
FUZZTIME ?= 10s

## fuzz: fuzz each target for FUZZTIME (default 10s); fails if a fuzz target is not listed in FUZZ_TARGETS, or on a
## failing input (written to the package's testdata/fuzz)
# Go 1.26's fuzz coordinator can fail a target at the end of -fuzztime with a
# bare "context deadline exceeded" and no failing input, when a worker is
# still busy as the deadline passes on a loaded machine (golang/go#75804,
# fixed in Go 1.27). A target that fails without writing an input is
# therefore fuzzed once more; one that writes an input fails at once.
fuzz:
	@listed=$$(for t in $(FUZZ_TARGETS); do echo $${t#*:}; done | sort); \
	  found=$$(git ls-files '*_test.go' | xargs grep -ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/^func //' | sort); \
	  if [ "$$listed" != "$$found" ]; then \
	    echo "FUZZ_TARGETS lists:" $$listed "; the tests define:" $$found >&2; exit 1; fi
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t#*:}; \
	  for try in 1 2; do \
	    echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
	    before=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
	    $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg && break; \
	    after=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
	    if [ $$try = 2 ] || [ "$$after" != "$$before" ]; then exit 1; fi; \
	    echo "$$name failed without writing a failing input (golang/go#75804): fuzzing it once more" >&2; \
	  done; \
	done

## crashtest: SIGKILL invitationsd under concurrent writes and restart it, rounds on SQLite and on PostgreSQL (INVITATIONS_TEST_POSTGRES_DSN): every 201 and every acknowledged close must be stored, whole
crashtest:
	$(GO) run ./bench/crashtest $(CRASHTEST_FLAGS)

## soak: five minutes of mixed load on invitationsd (SQLite, default configuration): no errors, no memory growth (see BENCHMARKS.md)
soak:
	$(GO) run ./bench/soak $(SOAK_FLAGS)

node_modules: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch node_modules

# oasdiff, pinned; `go run` fetches it on first use.
OASDIFF ?= $(GO) run github.com/oasdiff/oasdiff@v1.37.0

## breaking: fail when openapi.yaml breaks the contract released at the latest v* tag (before the first tag: the previous commit); BASE=<ref> compares with another
breaking:
	@base="$(BASE)"; \
	if [ -z "$$base" ]; then base=$$(git tag --list 'v*' --sort=-v:refname | head -n 1); fi; \
	if [ -z "$$base" ]; then base=HEAD~1; fi; \
	if ! git rev-parse -q --verify "$$base^{commit}" >/dev/null; then \
	  if [ -n "$(BASE)" ]; then echo "breaking: no such commit: $(BASE)" >&2; exit 1; fi; \
	  echo "breaking: there is no $$base (a first commit, or a shallow clone) to compare openapi.yaml with: nothing to check"; exit 0; fi; \
	if ! git cat-file -e "$$base:openapi.yaml" 2>/dev/null; then \
	  echo "breaking: $$base has no openapi.yaml: nothing to compare"; exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git show "$$base:openapi.yaml" > "$$tmp/openapi.yaml"; \
	echo "breaking: openapi.yaml against $$base ($$(git rev-parse --short "$$base"))"; \
	$(OASDIFF) breaking "$$tmp/openapi.yaml" openapi.yaml --fail-on ERR --flatten-allof

## bench: the benchmarks; each compares against a baseline measured in the same run
bench: bench-go bench-http

## bench-go: Go benchmarks: list depth (deep page vs first), token verification (cached vs not), the store, and the
## whole handler's create, keyed create, get and list, and create and get with tracing on (time and allocations per
## request: BenchmarkHandler)
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 200x ./sqlite/
	$(GO) test -run '^$$' -bench . -benchmem ./jwtauth/ ./server/

## bench-http: the wrk harness: invitationsd against the reference servers (bare baseline, stock generated stack, bare
## SQLite handler), issue 13's targets as ratios met or missed (needs wrk and taskset); BENCHFLAGS='-scenarios get,durable' for some
bench-http:
	@need=; command -v wrk >/dev/null || need=" wrk"; $(call need_tools,make bench-http)
	$(GO) run ./bench/harness $(BENCHFLAGS)

## lint: go vet, gofmt, the spec linters (Redocly, Spectral; zero warnings), and the /docs assets matching package.json's Swagger UI
lint: node_modules
	$(GO) vet ./...
	$(GO) vet -tags imagetest ./cmd/invitationsd
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.gen\.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	@for f in $(SWAGGER_UI_FILES); do cmp -s $(SWAGGER_UI)/$$f $(DOCS_ASSETS)/$$f || \
	  { echo "$(DOCS_ASSETS)/$$f is not swagger-ui-dist's: run 'make docs-assets' and commit the result" >&2; exit 1; }; done
	npx --no-install redocly lint --format=stylish openapi.yaml
	npx --no-install spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn

# Swagger UI, which server/ embeds and serves at /docs: copied from the npm
# package into the Go tree and committed, so building needs no npm.
SWAGGER_UI = node_modules/swagger-ui-dist
SWAGGER_UI_FILES = swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE
DOCS_ASSETS = server/docs/swagger-ui

## docs-assets: copy Swagger UI from node_modules into server/ (after changing its version in package.json)
docs-assets: node_modules
	cp $(addprefix $(SWAGGER_UI)/,$(SWAGGER_UI_FILES)) $(DOCS_ASSETS)/
