#!/usr/bin/env bash
# The whole test suite: web unit tests, Rust tests (SQLite and PostgreSQL), and the browser end-to-end test
# against a real server with a simulated driver, racecraft.exe under Wine, and an independent npm AC UDP client
# against our emulator. Starts PostgreSQL and installs Chromium, mingw-w64, Wine, the Windows target and llama.cpp's
# Python server (for the coaching chat) if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A clean CI clone builds once: incremental state would only add gigabytes to its disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
scripts/services.sh
scripts/deps.sh --browser --windows --llm

echo "== web: build, type check against the generated protocol types, unit tests"
(cd web && npm run build && npm run check && npm test)

echo "== browser end-to-end"
cargo build --locked -p racecraft
scripts/e2e.sh target/debug/racecraft

echo "== windows: racecraft.exe cross-built and run under Wine against the Linux binary"
scripts/test-windows.sh target/debug/racecraft

echo "== interop: an independent AC UDP client (npm ac-remote-telemetry-client) against our emulator"
(cd interop/ac-remote-telemetry-client && npm ci --no-audit --no-fund && RACECRAFT_BIN="$PWD/../../target/debug/racecraft" npm test)

echo "== interop: the official MCP TypeScript SDK client against racecraft mcp (stdio) and POST /mcp"
(cd interop/mcp-sdk-client && npm ci --no-audit --no-fund && RACECRAFT_BIN="$PWD/../../target/debug/racecraft" npm test)

echo "== rust: Parquet export (optional feature)"
cargo test --locked -p racecraft-interchange --features parquet --test parquet

echo "== rust"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
