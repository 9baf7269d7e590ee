#!/usr/bin/env bash
# Benchmarks of the engine, each a ratio against a baseline measured in the same run:
#   1. 200 `sh -c 'echo step N'` steps headless vs a plain Rust spawn loop (benches/spawn_floor.rs):
#      the engine with its headless consumers and an in-memory durable consumer
#      (benches/engine_headless.rs), and the whole `cutover run`, journal included
#   2. one step printing 100 MB of lines vs `cat FILE | tee out.log > /dev/null`, and max RSS
#   3. 1,000 sequential http checks vs one curl fetching the same 1,000 URLs
# Every `cutover run` is journaled (a drill, signed with a drill key made for the benchmark).
# The work folder is on tmpfs (/dev/shm) so that these figures are the engine's own: what the
# disk's syncs add is measured by bench/journal.sh. Medians of several runs, the commands of
# each comparison taking turns. Usage: bash bench/engine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

build_engine_benches
cutover=./target/release/cutover
if [ -d /dev/shm ]; then work=$(mktemp -d -p /dev/shm); else work=$(mktemp -d); fi
server_pid=
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"   # the drill key lives here
unset SSH_AUTH_SOCK

# 1. Per-step overhead.
write_steps_runbook 200 >"$work/200.toml"
# Each iteration gets a fresh folder; deleting the previous one first would make ext4's inode
# allocator scan recently deleted inodes and measure the benchmark instead of cutover.
# `next_dir` names a new folder without forking (`$(…)` inside the timed command would, and a
# counter would not survive: paired_medians times each run in a subshell).
next_dir() { dir="$work/runs-${EPOCHREALTIME/./}"; }
run_200() { next_dir; "$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$dir"; }
run_200 >/dev/null 2>&1 # creates the drill key outside the measurement
engine_200() { next_dir; "$engine_bin" "$work/200.toml" "$dir"; }
floor_200() { "$floor_bin" 200 >/dev/null; }
read -r engine_ms cutover_ms floor_ms < <(paired_medians 21 engine_200 run_200 floor_200)
floor_sync_ms=$(for _ in $(seq 9); do "$floor_bin" 200 --sync; done | median)
echo "200 steps: engine ${engine_ms} ms, cutover run ${cutover_ms} ms, spawn floor ${floor_ms} ms, spawn+fsync floor ${floor_sync_ms} ms"
awk -v e="$engine_ms" -v a="$cutover_ms" -v b="$floor_ms" 'BEGIN { printf "  per step: engine %.2f ms (ratio %.2fx), cutover run with its journal %.2f ms (ratio %.2fx), spawn floor %.2f ms\n", e / 200, e / b, a / 200, a / b, b / 200 }'

# 2. 100 MB of output.
python3 -c "
import sys
line = ('x' * 99 + '\n').encode()
with open(sys.argv[1], 'wb') as f:
    for _ in range(1024 * 1024): f.write(line)
" "$work/100mb.txt"
printf '[runbook]\nname = "big"\ntitle = "100 MB"\n\n[[phase]]\nid = "main"\n\n[[phase.step]]\nid = "print"\nkind = "command"\nrun = "cat %s"\n' "$work/100mb.txt" >"$work/big.toml"
run_big() { next_dir; "$cutover" run "$work/big.toml" --headless --drill --auto --log-dir "$dir" && rm -rf "$work"/runs-*; }
tee_big() { cat "$work/100mb.txt" | tee "$work/out.log" >/dev/null; }
read -r big_ms tee_ms < <(paired_medians 9 run_big tee_big)
rss_kb=$( { /usr/bin/time -f '%M' "$cutover" run "$work/big.toml" --headless --drill --auto --log-dir "$work/runs-rss" 2>&1 >/dev/null; } | tail -n 1)
rm -rf "$work/runs-rss"
echo "100 MB of output: cutover ${big_ms} ms, cat | tee ${tee_ms} ms"
awk -v a="$big_ms" -v b="$tee_ms" -v r="$rss_kb" 'BEGIN { printf "  ratio %.2fx, cutover max RSS %.1f MB\n", a / b, r / 1024 }'

# 3. 1,000 http checks against a loopback server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/www/api" && echo '{"status":"ok"}' >"$work/www/api/health"
python3 - "$port" "$work/www" <<'PY' &
import http.server, socketserver, sys, os
os.chdir(sys.argv[2])
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *args): pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
server_pid=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/api/health"; do sleep 0.1; done
{
    printf '[runbook]\nname = "thousand-http"\ntitle = "1,000 checks"\n\n[[phase]]\nid = "main"\n\n'
    for n in $(seq 0 999); do
        printf '[[phase.step]]\nid = "check-%d"\nkind = "http"\nurl = "http://127.0.0.1:%s/api/health?n=%d"\n\n' "$n" "$port" "$n"
    done
} >"$work/http.toml"
for n in $(seq 0 999); do echo "url = \"http://127.0.0.1:$port/api/health?n=$n\""; echo "output = \"/dev/null\""; done >"$work/curl.cfg"
run_http() { next_dir; "$cutover" run "$work/http.toml" --headless --drill --auto --log-dir "$dir"; }
curl_http() { curl -s --config "$work/curl.cfg"; }
read -r http_ms curl_ms < <(paired_medians 7 run_http curl_http)
echo "1000 http checks: cutover ${http_ms} ms, curl ${curl_ms} ms"
awk -v a="$http_ms" -v b="$curl_ms" 'BEGIN { printf "  per request: cutover %.3f ms, curl %.3f ms, ratio %.2fx\n", a / 1000, b / 1000, a / b }'
