# tokenbench: the README's commands. `make run` and `make test` are all a
# fresh machine needs (Go 1.26 and the module proxy).
GO  ?= go
BIN := bin/tokenbench

.PHONY: build run test bench fuzz install

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/tokenbench

# A 20-second benchmark against the built-in simulated engine.
run: build
	./$(BIN) run

test:
	$(GO) vet ./...
	$(GO) test ./...

# Every Go benchmark of every package that has one (docs/BENCHMARKS.md):
# the read path (ns/event, allocs/event), record encoding and decoding,
# aggregation over 1M records (s, MB), ... BENCH narrows them (a regexp),
# BENCHTIME sets -benchtime.
BENCH ?= .
BENCHTIME ?= 1s
bench:
	@for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  grep -qs '^func Benchmark' $$dir/*_test.go || continue; \
	  $(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem $$pkg || exit 1; \
	done

# Every fuzz target of every package (each parser of outside input), for
# FUZZTIME each (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

install:
	$(GO) install ./cmd/tokenbench
