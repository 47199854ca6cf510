# tokenbench: the README's commands. `make run` and `make test` are all a
# fresh machine needs (Go 1.26 and the module proxy).
GO  ?= go
BIN := bin/tokenbench

.PHONY: build run test bench fuzz install

build:
	$(GO) build -o $(BIN) ./cmd/tokenbench

# A 20-second benchmark against the built-in simulated engine.
run: build
	./$(BIN) run

test:
	$(GO) vet ./...
	$(GO) test ./...

# Benchmarks of the measurement path (ns/event, allocs/event).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./bench

# Each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzSSEReader$$' -fuzztime $(FUZZTIME) ./bench
	$(GO) test -run '^$$' -fuzz '^FuzzClientStream$$' -fuzztime $(FUZZTIME) ./bench

install:
	$(GO) install ./cmd/tokenbench
