#!/usr/bin/env bash
# Benchmarks `music-gen serve` beside the Python tool's uvicorn on loopback,
# with the same load tool (wrk), in one run: GET /presets and
# POST /tracks/generate (preset rock_anthem, simulate mode), then the
# server's memory after 100,000+ requests. Prints the figures docs/benchmarks.md
# quotes.
#
#   scripts/serve-bench.sh RELEASE_BINARY [PYTHON_VENV] [PYTOOL_CHECKOUT]
#
# The venv: python3 -m venv /work/pyvenv && /work/pyvenv/bin/pip install -r /work/pytool/requirements.txt
set -euo pipefail
bin=${1:?usage: serve-bench.sh RELEASE_BINARY [VENV] [PYTOOL]}
venv=${2:-/work/pyvenv}
pytool=${3:-/work/pytool}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/gen.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"text_input": "We are the champions", "genre": "rock", "duration_seconds": 180, "preset_name": "rock_anthem"}'
wrk.headers["Content-Type"] = "application/json"
LUA

mkdir -p "$work/rs" "$work/py"
# music-gen: its own folders, simulate mode, logging every request as usual.
(cd "$work/rs" && env -u MUSIC_GEN_API_KEY HOME="$work/rs" XDG_STATE_HOME="$work/rs/state" \
  MUSIC_GEN_PRESETS_DIR="$work/rs/presets" MUSIC_GEN_OUTPUT_DIR="$work/rs/tracks" \
  "$bin" serve --port 18181 2>"$work/rs.err") &
# The Python tool from its checkout, in a fresh directory with its presets.
cp -r "$pytool/presets" "$work/py/presets"
(cd "$work/py" && env -u MUSIC_GEN_API_KEY MUSIC_GEN_MODE=simulate PYTHONPATH="$pytool/src" \
  "$venv/bin/python" -m uvicorn music_generator.api:app --host 127.0.0.1 --port 18182 \
  --log-level warning 2>"$work/py.err") &
for port in 18181 18182; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done

run() { # name port path [script]
  local name=$1 port=$2 path=$3 script=${4:-}
  echo "== $name"
  wrk -t2 -c16 -d10s --latency ${script:+-s "$script"} "http://127.0.0.1:$port$path" \
    | grep -E 'Requests/sec|Latency  | 50%| 99%|requests in|Non-2xx'
}
run "python GET /presets" 18182 /presets
run "music-gen GET /presets" 18181 /presets
run "python POST /tracks/generate" 18182 /tracks/generate "$work/gen.lua"
run "music-gen POST /tracks/generate" 18181 /tracks/generate "$work/gen.lua"
echo "== memory after more load"
wrk -t2 -c16 -d20s "http://127.0.0.1:18181/presets" | grep 'requests in'
wrk -t2 -c16 -d10s "http://127.0.0.1:18182/presets" | grep 'requests in'
rs_pid=$(pgrep -f "$bin serve --port 18181" | head -1)
py_pid=$(pgrep -f "uvicorn music_generator.api:app --host 127.0.0.1 --port 18182" | head -1)
echo "music-gen RSS: $(ps -o rss= -p "$rs_pid") KiB; requests logged: $(grep -c 'music_gen::access' "$work/rs/state/music-gen/music-gen.log" || true)"
echo "python RSS: $(ps -o rss= -p "$py_pid") KiB"
