#!/usr/bin/env bash
# Browser end-to-end: a real server with a simulated driver, driven by headless Chromium (web/e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/racecraft}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# A real OpenAI-compatible model server (llama.cpp's, a tiny random-weight model) for the coaching chat.
llm_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 scripts/llm/tiny_model.py "$data/tiny.gguf" >/dev/null
scripts/llm/serve.sh "$data/tiny.gguf" "$llm_port" >"$data/llm.log" 2>&1 &
llm_pid=$!
trap 'kill $llm_pid 2>/dev/null || true; wait $llm_pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$llm_port/v1/models" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$llm_port/v1/models" >/dev/null || { echo "the model server did not start:"; cat "$data/llm.log"; exit 1; }
"$bin" demo --listen "127.0.0.1:$port" --data-dir "$data" --track Monza --rate 60 --speed 8 --laps 5 \
  --llm-url "http://127.0.0.1:$llm_port/v1" --llm-model tiny >"$data/demo.log" 2>&1 &
pid=$!
trap 'kill $pid $llm_pid 2>/dev/null || true; wait $pid $llm_pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
# A finished session for the lap-analysis test: 20 laps at 333 Hz, driven as fast as the simulator can.
"$bin" simulate --server "http://127.0.0.1:$port" --track Monza --rate 333 --speed 0 --laps "${RACECRAFT_E2E_LAPS:-20}" --seed 7 >"$data/simulate.log" 2>&1
# Another session on the same track, for a reference lap from another session.
"$bin" simulate --server "http://127.0.0.1:$port" --track Monza --rate 60 --speed 0 --laps 3 --seed 9 >>"$data/simulate.log" 2>&1
# Let at least one lap complete (Monza at x8 is about 12 s a lap) so lap tables have rows.
for _ in $(seq 1 300); do
  n=$(curl -fs "http://127.0.0.1:$port/api/sessions" | python3 -c 'import json,sys; print(sum(s["lap_count"] for s in json.load(sys.stdin)))')
  [ "$n" -ge 1 ] && break; sleep 0.1
done
# A team server beside it (sign-in required): its first owner, a driver's agent token, one streamed session.
team_data="$data/team"
team_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
team_password=$("$bin" user add olga --team Scuderia --data-dir "$team_data" | tail -1)
"$bin" user add dan --team Scuderia --role driver --data-dir "$team_data" >/dev/null
team_token=$("$bin" token create --team Scuderia --driver dan --data-dir "$team_data" | tail -1)
"$bin" serve --auth team --listen "127.0.0.1:$team_port" --data-dir "$team_data" >"$data/team.log" 2>&1 &
team_pid=$!
trap 'kill $pid $team_pid $llm_pid 2>/dev/null || true; wait $pid $team_pid $llm_pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$team_port/api/health" >/dev/null && break; sleep 0.1; done
"$bin" simulate --server "http://127.0.0.1:$team_port" --token "$team_token" --track Spa --rate 60 --speed 0 --laps 1 >>"$data/simulate.log" 2>&1
# Two team cars on the demo server for the pit wall test, running until the trap ends them: car 7 driven by Ana for
# three laps and then by Ben (a driver swap, with less fuel: 90 l last about 5 minutes), and car 12 on 6 l of fuel.
# Norisring at x8 is about 6 s a lap. A TERM to the car 7 runner ends its current simulate too.
sim_car=("$bin" simulate --server "http://127.0.0.1:$port" --track Norisring --rate 60 --speed 8 --team Apex)
(
  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
  "${sim_car[@]}" --car 7 --driver Ana --fuel 100 --laps 3 --seed 21 & wait $!
  "${sim_car[@]}" --car 7 --driver Ben --fuel 90 --laps 500 --seed 22 --field 5 & wait $!
) >"$data/pitwall-7.log" 2>&1 &
car7_pid=$!
"${sim_car[@]}" --car 12 --driver Cleo --fuel 6 --laps 500 --seed 23 >"$data/pitwall-12.log" 2>&1 &
car12_pid=$!
trap 'kill $car7_pid $car12_pid $pid $team_pid $llm_pid 2>/dev/null || true; wait $car7_pid $car12_pid $pid $team_pid $llm_pid 2>/dev/null || true; rm -rf "$data"' EXIT
(cd web && RACECRAFT_URL="http://127.0.0.1:$port" RACECRAFT_LLM=1 RACECRAFT_TEAM_URL="http://127.0.0.1:$team_port" \
  RACECRAFT_TEAM_USER=olga RACECRAFT_TEAM_PASSWORD="$team_password" npm run --silent e2e)
