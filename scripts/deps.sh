#!/usr/bin/env bash
# Installs what Racecraft needs that a fresh machine of our kind may lack: Node packages for the web UI, GNU time
# for the bench; with
# --browser, Debian's Chromium for the browser tests; with --windows, what cross-builds racecraft.exe and runs it
# under Wine (the Rust target, Debian's mingw-w64 and wine64); with --llm, llama.cpp's OpenAI-compatible server
# from PyPI (llama-cpp-python, built from source: about 9 minutes on two cores, once) and gguf, for the coaching
# chat's tests. Idempotent and quiet when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=false windows=false llm=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --windows) windows=true ;;
    --llm) llm=true ;;
    *) echo "deps.sh: unknown option $arg (--browser, --windows, --llm)" >&2; exit 2 ;;
  esac
done
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=false
apt_install() {
  echo "installing Debian's ${*/--no-install-recommends/}"
  if ! $apt_updated; then $SUDO apt-get update -qq; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
# GNU time: `racecraft bench` reads the peak memory of the processes it times from it.
[ -x /usr/bin/time ] || apt_install time
if $browser && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium chromium-driver
fi
if $windows; then
  missing=()
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
  # Debian's wine64 has its loader in /usr/lib/wine; the `wine` package only adds the wrapper on PATH.
  [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || missing+=(wine64)
  if [ ${#missing[@]} -gt 0 ]; then apt_install --no-install-recommends "${missing[@]}"; fi
  if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
    echo "adding the Rust target x86_64-pc-windows-gnu"
    rustup target add x86_64-pc-windows-gnu >/dev/null
  fi
fi
if $llm && ! python3 -c 'import llama_cpp.server, gguf, numpy' >/dev/null 2>&1; then
  echo "installing llama-cpp-python's server and gguf from PyPI (llama.cpp is compiled: several minutes, once)"
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) python3 -m pip install --quiet "llama-cpp-python[server]==0.3.36" "gguf==0.19.0"
fi
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
