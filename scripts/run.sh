#!/usr/bin/env bash
# One command: install what is missing, build the web UI and the binary, and run `racecraft demo`.
# Extra arguments go to `racecraft demo` (e.g. --listen 127.0.0.1:9000 --track Spa).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
(cd web && npm run build)
cargo build --release --locked -p racecraft
exec target/release/racecraft demo "$@"
