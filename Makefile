# The two set-up commands are `make run` and `make test`; both fetch what they
# need (Go modules; npm packages from package-lock.json for the spec linters).
GO ?= go

.PHONY: all generate check-generated build run test fuzz crashtest soak lint bench

all: build

## generate: regenerate gen/ and client/ from openapi.yaml
generate:
	$(GO) generate ./gen ./client

## check-generated: fail when the committed generated code does not match openapi.yaml
check-generated: generate
	@git diff --exit-code --stat -- gen client || \
	  { echo "generated code is stale: run 'make generate' and commit the result" >&2; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- gen client); \
	  if [ -n "$$untracked" ]; then echo "untracked generated files, commit them: $$untracked" >&2; exit 1; fi

## build: build the binaries into bin/
build:
	$(GO) build -o bin/ ./cmd/...

## run: serve on 127.0.0.1:8080 with the embedded SQLite database in data/ (INVITATIONS_DB=postgres://... for PostgreSQL)
run:
	$(GO) run ./cmd/invitationsd

## test: run the whole test suite (the PostgreSQL engine's too when INVITATIONS_TEST_POSTGRES_DSN is set)
test:
	$(GO) test -race -count=1 ./...

# Every fuzz target, as package:Func. `make test` runs their seed corpora (the
# f.Add seeds and testdata/fuzz); `make fuzz` fuzzes each in turn.
FUZZ_TARGETS = ./server:FuzzRequest ./server:FuzzCreateInvitation ./odata:FuzzParseFilter ./odata:FuzzDecodeSkipToken
FUZZTIME ?= 10s

## fuzz: fuzz each target for FUZZTIME (default 10s); fails if a fuzz target is not listed in FUZZ_TARGETS
fuzz:
	@listed=$$(for t in $(FUZZ_TARGETS); do echo $${t#*:}; done | sort); \
	  found=$$(git ls-files '*_test.go' | xargs grep -ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/^func //' | sort); \
	  if [ "$$listed" != "$$found" ]; then \
	    echo "FUZZ_TARGETS lists:" $$listed "; the tests define:" $$found >&2; exit 1; fi
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) $${t%%:*} || exit 1; \
	done

## crashtest: SIGKILL invitationsd under concurrent writes and restart it, rounds on SQLite and on PostgreSQL (INVITATIONS_TEST_POSTGRES_DSN): every 201 must be stored, whole
crashtest:
	$(GO) run ./bench/crashtest $(CRASHTEST_FLAGS)

## soak: five minutes of mixed load on invitationsd (SQLite, default configuration): no errors, no memory growth (see BENCHMARKS.md)
soak:
	$(GO) run ./bench/soak $(SOAK_FLAGS)

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

## bench: the benchmarks; each compares against a baseline measured in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchtime 200x ./sqlite/

## lint: go vet, gofmt, and the spec linters (Redocly, Spectral)
lint: node_modules
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.gen\.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	npx --no-install redocly lint --format=stylish openapi.yaml
	npx --no-install spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn
