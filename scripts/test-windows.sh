#!/usr/bin/env bash
# racecraft.exe under Wine, with the Linux binary as the other end:
#   - the shared-memory crates' tests (racecraft-shm, racecraft-capture, racecraft-emulator) run as Windows programs;
#   - racecraft.exe is cross-built for x86_64-pc-windows-gnu and packaged (scripts/package-windows.sh);
#   - `racecraft.exe simulate --as acc` (and `--as ac`) publishes the game's named mappings, `racecraft.exe capture
#     --game acc` reads them into a server, and the stored laps are the simulator's truth within 1 ms;
#   - `racecraft.exe simulate --as iracing` plays the Tsukuba .ibt as iRacing's mapping and event, `racecraft.exe
#     capture --game iracing` stores the game's lap times within 1 ms, with the car and track from its YAML;
#   - figures: capture CPU reading ACC at 333 Hz under Wine beside the Linux /dev/shm reader, iRacing at 60 Hz;
#   - `racecraft.exe --help` exits 0 and names `start`;
#   - `racecraft.exe serve` (default data dir, so %LOCALAPPDATA%\Racecraft) answers /api/health from Linux, a Linux
#     `racecraft simulate` streams two laps into it and they are stored with the simulator's lap times (1 ms);
#     Ctrl-C ends it cleanly and a restarted server still has the session;
#   - `racecraft.exe start --no-browser` captures a game it was not told about (JSON UDP from a Linux emulator);
#   - a bare `racecraft.exe` with no terminal (as double-clicked) does what `start` does, and how long it takes
#     from process start to the page answering is printed.
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

echo "== windows: the shared-memory crates' tests under Wine"
started=$SECONDS
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" \
  cargo test --locked --target x86_64-pc-windows-gnu -p racecraft-shm -p racecraft-capture -p racecraft-emulator
echo "windows tests: $((SECONDS - started)) s"

echo "== windows: cross-build and package racecraft.exe"
started=$SECONDS
scripts/package-windows.sh
echo "cross-build: $((SECONDS - started)) s"
# What the zip ships: the stripped exe.
exe=target/dist/racecraft.exe

echo "== windows: racecraft.exe under Wine"
started=$SECONDS

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
# Session $session at $url has the laps of the simulator's truth file $1 (default $work/truth.json), within 1 ms.
check_laps() {
  local truth=${1:-$work/truth.json}
  curl -fs "$url/api/sessions/$session/laps" >"$work/laps.json" || fail "GET /api/sessions/$session/laps"
  python3 - "$truth" "$work/laps.json" <<'PY' || fail "laps of session $session differ from the truth in $truth"
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

# The games' own shared memory, between two Windows processes: a Linux server receives what racecraft.exe captures.
port=$(free_port)
url="http://127.0.0.1:$port"
"$linux" serve --listen "127.0.0.1:$port" --data-dir "$work/linux-server" >"$work/linux-serve.log" 2>&1 &
pids+=($!)
wait_healthy "$url"
# The newest session's id, or "" when there is none.
newest_session() {
  curl -fs "$url/api/sessions" | python3 -c 'import json, sys; print(max((s["id"] for s in json.load(sys.stdin)), default=""))'
}
# $1 must say it captured one session and delivered everything.
delivered_one() {
  grep -q 'in 1 session(s).*; 0 undelivered' "$1" || fail "not one session captured and delivered: $(cat "$1")"
}
for game in acc ac; do
  "$wine" "$exe" capture --game "$game" --server "$url" >"$work/capture-$game.log" 2>&1 &
  capture=$!; pids+=("$capture")
  wait_capturing "$work/capture-$game.log"
  "$wine" "$exe" simulate --as "$game" --track Norisring --laps 2 --rate 60 --speed 10 --truth "C:\\truth-$game.json" \
    >"$work/simulate-$game.log" 2>&1 || { cat "$work/simulate-$game.log"; fail "racecraft.exe simulate --as $game"; }
  grep -q 'Local\\acpmf_\*' "$work/simulate-$game.log" || fail "simulate --as $game did not use the named mappings"
  interrupt "$capture"
  delivered_one "$work/capture-$game.log"
  session=$(newest_session)
  [ "$(curl -fs "$url/api/sessions/$session" | jq -r .game)" = "$game" ] || fail "session $session is not $game"
  check_laps "$WINEPREFIX/drive_c/truth-$game.json"
  echo "racecraft.exe capture --game $game: the simulator's laps from the named mappings, within 1 ms"
done

# iRacing: the Tsukuba .ibt played as the simulator's mapping and event; the game's own lap times are what
# `racecraft import` stores from the same file.
ibt=crates/capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt
"$linux" import "$ibt" --server "$url" >"$work/import.log" 2>&1 || { cat "$work/import.log"; fail "import $ibt"; }
imported=$(newest_session)
"$wine" "$exe" capture --game iracing --server "$url" >"$work/capture-iracing.log" 2>&1 &
capture=$!; pids+=("$capture")
wait_capturing "$work/capture-iracing.log"
"$wine" "$exe" simulate --as iracing "$ibt" --speed 8 >"$work/simulate-iracing.log" 2>&1 \
  || { cat "$work/simulate-iracing.log"; fail "racecraft.exe simulate --as iracing"; }
interrupt "$capture"
delivered_one "$work/capture-iracing.log"
session=$(newest_session)
[ "$session" != "$imported" ] || fail "racecraft.exe capture --game iracing stored no session"
curl -fs "$url/api/sessions/$session" >"$work/session.json"
curl -fs "$url/api/sessions/$imported/laps" >"$work/imported-laps.json"
curl -fs "$url/api/sessions/$session/laps" >"$work/captured-laps.json"
python3 - "$work/session.json" "$work/imported-laps.json" "$work/captured-laps.json" <<'PY' \
  || fail "iRacing laps captured by racecraft.exe differ from the game's"
import json, sys
session = json.load(open(sys.argv[1]))
assert (session["game"], session["track"], session["car"]) == ("iracing", "Tsukuba Circuit 1k Outer", "Formula Vee"), session
want = {l["lap_number"]: l["lap_time_s"] for l in json.load(open(sys.argv[2])) if l["lap_time_s"] > 0}
got = {l["lap_number"]: l["lap_time_s"] for l in json.load(open(sys.argv[3]))}
assert len(want) >= 2, want
for n, t in want.items():
    assert n in got and abs(got[n] - t) < 1e-3, (n, t, got)
PY
echo "racecraft.exe capture --game iracing: the game's lap times and its car and track, from the mapping and event"

# Windows paths: a recording written under C:\users\...\Documents, inspected, exported to MoTeC beside it and
# imported into the server, every path a Windows one.
mkdir -p "$WINEPREFIX/drive_c/users/racer/Documents"
docs='C:\users\racer\Documents'
"$wine" "$exe" simulate --track Norisring --laps 2 --speed 0 --truth "$docs\\truth.json" --record "$docs\\s.rcr" \
  --serve-on "127.0.0.1:$(free_port)" >"$work/paths.log" 2>&1 || { cat "$work/paths.log"; fail "simulate --record $docs\\s.rcr"; }
"$wine" "$exe" inspect --json "$docs\\s.rcr" >"$work/inspect.json" || fail "inspect $docs\\s.rcr"
python3 - "$work/inspect.json" "$WINEPREFIX/drive_c/users/racer/Documents/truth.json" <<'PY' || fail "inspect of a Windows path"
import json, sys
summary, truth = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert summary["finished_cleanly"] and len(summary["laps"]) == 2, summary
assert all(abs(a["lap_time_s"] - b["lap_time_s"]) < 1e-3 for a, b in zip(summary["laps"], truth["laps"])), summary
PY
"$wine" "$exe" export --format motec --out "$docs\\s.ld" "$docs\\s.rcr" >/dev/null || fail "export to $docs\\s.ld"
[ -s "$WINEPREFIX/drive_c/users/racer/Documents/s.ld" ] && [ -s "$WINEPREFIX/drive_c/users/racer/Documents/s.ldx" ] \
  || fail "export --out $docs\\s.ld wrote no .ld and .ldx"
"$wine" "$exe" import "$docs\\s.rcr" --server "$url" >"$work/import-rcr.log" 2>&1 \
  || { cat "$work/import-rcr.log"; fail "import $docs\\s.rcr"; }
session=$(newest_session)
check_laps "$WINEPREFIX/drive_c/users/racer/Documents/truth.json"
echo "Windows paths: simulate --record, inspect, export and import under $docs"

# Figures: capture CPU (all threads, from /proc/PID/task/*/schedstat) and memory while a game publishes.
cpu_ns() {
  local total=0 ns _
  for f in /proc/"$1"/task/*/schedstat; do read -r ns _ <"$f" 2>/dev/null && total=$((total + ns)); done
  echo "$total"
}
wineserver_pid() {
  for p in $(pgrep -x wineserver 2>/dev/null; pgrep -x wineserver64 2>/dev/null); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" && { echo "$p"; return; }
  done
  echo ""
}
# Prints "<capture %> <wineserver %> <capture RSS MiB>" over a 10 s window of process $1.
measure() {
  local pid=$1 ws a b wa=0 wb=0 t0 t1
  ws=$(wineserver_pid)
  a=$(cpu_ns "$pid"); [ -n "$ws" ] && wa=$(cpu_ns "$ws"); t0=$(date +%s%N)
  sleep 10
  b=$(cpu_ns "$pid"); [ -n "$ws" ] && wb=$(cpu_ns "$ws"); t1=$(date +%s%N)
  local rss_kib
  rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q racecraft || fail "process $pid is $(tr '\0' ' ' <"/proc/$pid/cmdline")"
  python3 -c 'import sys; a,b,wa,wb,t0,t1,rss=map(int,sys.argv[1:]); d=t1-t0; print(f"{(b-a)/d*100:.2f} {(wb-wa)/d*100:.2f} {rss/1024:.1f}")' \
    "$a" "$b" "$wa" "$wb" "$t0" "$t1" "$rss_kib"
}
# $1: capture command prefix ("$linux" or "$wine $exe"), $2: simulate arguments, $3: capture arguments.
figure() {
  local runner=$1 sim_args=$2 cap_args=$3 log="$work/figure.log" cap sim
  # shellcheck disable=SC2086
  $runner capture $cap_args --server "$url" >"$log" 2>&1 &
  cap=$!; pids+=("$cap")
  wait_capturing "$log"
  if [ -n "$sim_args" ]; then
    # shellcheck disable=SC2086
    $runner simulate $sim_args >"$work/figure-sim.log" 2>&1 &
    sim=$!; pids+=("$sim")
  fi
  sleep 3
  measure "$cap"
  [ -z "$sim_args" ] || kill "$sim" 2>/dev/null || true
  interrupt "$cap"
}
mkdir -p "$work/shm"
linux_acc=$(figure "$linux" "--as acc --shm-dir $work/shm --track Monza --laps 1 --rate 333 --speed 1" \
  "--game acc --shm-dir $work/shm")
wine_acc=$(figure "$wine $exe" "--as acc --track Monza --laps 1 --rate 333 --speed 1" "--game acc")
wine_iracing=$(figure "$wine $exe" "--as iracing $ibt --speed 1" "--game iracing")
wine_idle=$(figure "$wine $exe" "" "--game auto")
read -r la _ lr <<<"$linux_acc"
read -r wa ws wr <<<"$wine_acc"
read -r ia is ir <<<"$wine_iracing"
echo "capture CPU, ACC at 333 Hz: racecraft.exe under Wine $wa % of a core (+ wineserver $ws %), RSS $wr MiB;" \
  "Linux /dev/shm reader $la %, RSS $lr MiB (ratio $(python3 -c "print(f'{$wa/max($la,0.001):.1f}')"))"
echo "capture CPU, iRacing at 60 Hz woken by its event: racecraft.exe under Wine $ia % (+ wineserver $is %), RSS $ir MiB"
read -r da ds dr <<<"$wine_idle"
echo "capture CPU, --game auto with no game: racecraft.exe under Wine $da % (+ wineserver $ds %), RSS $dr MiB"

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
launched=$(date +%s%N)
RACECRAFT_LISTEN="127.0.0.1:$port" RACECRAFT_DATA_DIR='C:\racecraft-bare' RACECRAFT_NO_BROWSER=true \
  "$wine" "$exe" </dev/null >"$work/bare.log" 2>&1 &
bare=$!; pids+=("$bare")
wait_healthy "http://127.0.0.1:$port"
echo "bare racecraft.exe: process start to the page answering in $(( ($(date +%s%N) - launched) / 1000000 )) ms"
wait_capturing "$work/bare.log"
interrupt "$bare"
echo "wine: $((SECONDS - started)) s"
echo "racecraft.exe under Wine: --help, serve (API, laps from Linux, restart), ACC/AC/iRacing shared memory," \
  "start (capture), bare: ok"
