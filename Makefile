# rolecall: the two commands of the quick start are `make demo` and `make test`.
# Both install what they need (typst-cli, through cargo) on a machine that only
# has a Rust toolchain.

CARGO ?= cargo
TYPST_VERSION := 0.15.1
# cargo installs binaries here; make sure they are found even in a bare shell.
export PATH := $(HOME)/.cargo/bin:$(PATH)

OUT ?= out
EXAMPLE ?= examples/northwind
# What the demo bundle holds beside Markdown: `make demo FORMAT=md,pdf,docx` adds Word files.
FORMAT ?= md,pdf

.PHONY: demo test typst lint unit bench clean test-browser

## demo: build the Northwind example's evidence bundle and print where it is
# --force: the demo bundle is never issued, so a checkout whose output changed
# (a new template, another zip level) replaces today's demo instead of refusing.
demo: typst
	@$(CARGO) build --release --quiet
	@./target/release/rolecall build $(EXAMPLE) -o $(OUT) --format $(FORMAT) --quiet --force

## test: formatting, lints and the whole test suite (PDF tests included)
test: typst lint unit

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

unit:
	$(CARGO) test --quiet

## typst: install typst-cli $(TYPST_VERSION) with cargo unless a 0.15 typst is on PATH
typst:
	@if typst --version 2>/dev/null | grep -q '^typst 0\.15\.'; then :; else \
		echo "installing typst-cli $(TYPST_VERSION) with cargo (a few minutes, once)"; \
		$(CARGO) install typst-cli --locked --version $(TYPST_VERSION); \
	fi

## test-browser: build the example bundle, open its index.html in headless Chromium
## and follow every link (needs Debian's chromium and chromium-driver; .ci/run installs them)
BROWSER_OUT ?= target/browser-test
test-browser: typst
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		echo "error: chromium and chromedriver are needed"; \
		echo "hint: apt-get install chromium chromium-driver (Debian), or run .ci/run"; exit 1; }
	$(CARGO) build --quiet
	rm -rf $(BROWSER_OUT)
	dir=$$(./target/debug/rolecall build $(EXAMPLE) -o $(BROWSER_OUT) --quiet) && \
		python3 scripts/test-browser.py "$$dir" --screenshots $(BROWSER_OUT)/screenshots

## bench: time check and build on generated models of growing size
bench:
	$(CARGO) build --release --quiet
	python3 scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(OUT) bench-out
