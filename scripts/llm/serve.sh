#!/usr/bin/env bash
# Serve MODEL (a GGUF, e.g. from scripts/llm/tiny_model.py) as an OpenAI-compatible API on 127.0.0.1:PORT
# with llama-cpp-python (pip install "llama-cpp-python[server]==0.3.36"). Tool calls use the
# chatml-function-calling format; requests queue instead of interrupting each other; no SSE ping comments.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MODEL PORT" >&2; exit 2; }
exec "${PYTHON:-python3}" -m llama_cpp.server --model "$1" --host 127.0.0.1 --port "$2" --n_ctx 32768 \
  --chat_format chatml-function-calling --interrupt_requests False --disable_ping_events True --verbose False
