#!/usr/bin/env bash
# TUI benchmark: keypress latency during a 100 MB flood, time against a plain tmux pane, CPU.
#   bash bench/tui.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
python3 bench/tui.py ./target/release/cutover
