#!/usr/bin/env bash
# racecraft.exe under Wine, with the Linux binary as the other end: cross-builds for x86_64-pc-windows-gnu, then
#   - `racecraft.exe --help` exits 0 and names `start`;
#   - `racecraft.exe serve` (default data dir, so %LOCALAPPDATA%\Racecraft) answers /api/health from Linux, a Linux
#     `racecraft simulate` streams two laps into it and they are stored with the simulator's lap times (1 ms);
#     Ctrl-C ends it cleanly and a restarted server still has the session;
#   - `racecraft.exe start --no-browser` captures a game it was not told about (JSON UDP from a Linux emulator);
#   - a bare `racecraft.exe` with no terminal (as double-clicked) does what `start` does.
# Needs the Windows target, mingw-w64 and Wine (`scripts/deps.sh --windows` installs them): a missing one fails
# the run. Usage: scripts/test-windows.sh [LINUX_RACECRAFT] (default target/debug/racecraft, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
linux=${1:-target/debug/racecraft}
fail() { echo "test-windows: FAILED: $*" >&2; exit 1; }

command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 \
  || fail "no x86_64-w64-mingw32-gcc: install Debian's gcc-mingw-w64-x86-64 (scripts/deps.sh --windows)"
rustup target list --installed | grep -qx x86_64-pc-windows-gnu \
  || fail "no Rust target x86_64-pc-windows-gnu: rustup target add x86_64-pc-windows-gnu (scripts/deps.sh --windows)"
wine=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
[ -n "$wine" ] || fail "no Wine: install Debian's wine64 (scripts/deps.sh --windows)"
wineserver=$(command -v wineserver || { [ -x /usr/lib/wine/wineserver ] && echo /usr/lib/wine/wineserver; } || true)
[ -n "$wineserver" ] || fail "no wineserver next to $wine"
[ -x "$linux" ] || cargo build --locked -p racecraft

echo "== windows: cross-build racecraft.exe"
started=$SECONDS
cargo build --release --locked -p racecraft --target x86_64-pc-windows-gnu
echo "cross-build: $((SECONDS - started)) s"
exe=target/x86_64-pc-windows-gnu/release/racecraft.exe

echo "== windows: racecraft.exe under Wine"
started=$SECONDS
mkdir -p target/wine
work=$(mktemp -d "$PWD/target/wine/run.XXXXXX")
# A throwaway prefix: no display is needed for console programs; Mono and Gecko are never wanted.
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml,winemenubuilder.exe=d"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$wineserver" -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$wine" wineboot --init >"$work/wineboot.log" 2>&1 || { cat "$work/wineboot.log"; fail "wineboot could not make a prefix"; }
# Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library imports: a stand-in from
# RtlGenRandom (scripts/wine/bcryptprimitives.c), for this prefix only.
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits up to 60 s for $1/api/health to say ok.
wait_healthy() {
  for _ in $(seq 1 600); do
    [ "$(curl -fs "$1/api/health" | jq -r .status 2>/dev/null)" = ok ] && return 0
    sleep 0.1
  done
  fail "no healthy server at $1"
}
# Waits up to 60 s for the capture's "Capturing ..." line in log $1.
wait_capturing() {
  for _ in $(seq 1 600); do grep -q '^Capturing' "$1" && return 0; sleep 0.1; done
  fail "racecraft.exe never started capturing: $(cat "$1")"
}
# Ctrl-C to process $1, then waits up to 60 s for it to exit 0.
interrupt() {
  kill -INT "$1"
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && fail "racecraft.exe still running 60 s after Ctrl-C"
  wait "$1" || fail "racecraft.exe exited $? after Ctrl-C"
}

out=$("$wine" "$exe" --help) || fail "racecraft.exe --help exited $?"
grep -q '^  start ' <<<"$out" || fail "racecraft.exe --help does not name start: $out"

port=$(free_port)
url="http://127.0.0.1:$port"
env -u RACECRAFT_DATA_DIR -u RACECRAFT_DB "$wine" "$exe" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve=$!; pids+=("$serve")
wait_healthy "$url"
"$linux" simulate --server "$url" --track Norisring --laps 2 --rate 60 --speed 0 --truth "$work/truth.json" \
  >"$work/simulate.log" 2>&1 || { cat "$work/simulate.log"; fail "simulate into racecraft.exe"; }
session=$(sed -n 's/^Session \([0-9]*\) stored\.$/\1/p' "$work/simulate.log")
[ -n "$session" ] || fail "simulate named no stored session: $(cat "$work/simulate.log")"
check_laps() {
  curl -fs "$url/api/sessions/$session/laps" >"$work/laps.json" || fail "GET /api/sessions/$session/laps"
  python3 - "$work/truth.json" "$work/laps.json" <<'PY' || fail "laps stored by racecraft.exe differ from the truth"
import json, sys
truth = [(l["lap_number"], l["lap_time_s"]) for l in json.load(open(sys.argv[1]))["laps"]]
stored = [(l["lap_number"], l["lap_time_s"]) for l in json.load(open(sys.argv[2]))]
assert len(truth) == 2 and [n for n, _ in stored] == [n for n, _ in truth], (truth, stored)
assert all(abs(a - b) < 1e-3 for (_, a), (_, b) in zip(truth, stored)), (truth, stored)
PY
}
check_laps
interrupt "$serve"
compgen -G "$WINEPREFIX/drive_c/users/*/AppData/Local/Racecraft/*" >/dev/null || fail "no data in %LOCALAPPDATA%\\Racecraft: $(find "$WINEPREFIX/drive_c/users" -maxdepth 4 -iname '*racecraft*')"
# Restarted on the same default data dir: the session and its laps are still there.
env -u RACECRAFT_DATA_DIR -u RACECRAFT_DB "$wine" "$exe" serve --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
serve=$!; pids+=("$serve")
wait_healthy "$url"
check_laps
interrupt "$serve"

# `start` watches every game: a JSON UDP emulator on Linux is captured without naming the game.
port=$(free_port)
url="http://127.0.0.1:$port"
"$wine" "$exe" start --no-browser --listen "127.0.0.1:$port" --data-dir 'C:\racecraft-start' >"$work/start.log" 2>&1 &
start=$!; pids+=("$start")
wait_capturing "$work/start.log"
"$linux" simulate --as json --to 127.0.0.1:20778 --track Norisring --laps 1 --rate 60 --speed 20 \
  >"$work/emulate.log" 2>&1 || { cat "$work/emulate.log"; fail "the JSON UDP emulator"; }
interrupt "$start"
grep -q 'in 1 session(s).*; 0 undelivered' "$work/start.log" \
  || fail "racecraft.exe start did not capture and deliver one session: $(cat "$work/start.log")"
[ -d "$WINEPREFIX/drive_c/racecraft-start" ] || fail "racecraft.exe start did not use --data-dir C:\\racecraft-start"

port=$(free_port)
RACECRAFT_LISTEN="127.0.0.1:$port" RACECRAFT_DATA_DIR='C:\racecraft-bare' RACECRAFT_NO_BROWSER=true \
  "$wine" "$exe" </dev/null >"$work/bare.log" 2>&1 &
bare=$!; pids+=("$bare")
wait_capturing "$work/bare.log"
wait_healthy "http://127.0.0.1:$port"
interrupt "$bare"
echo "wine: $((SECONDS - started)) s"
echo "racecraft.exe under Wine: --help, serve (API, laps from Linux, restart), start (capture), bare: ok"
