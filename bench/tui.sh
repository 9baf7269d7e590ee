#!/usr/bin/env bash
# TUI benchmark, each figure against its baseline in the same run:
#   - keypress -> screen during a 100 MB flood, in a pseudo-terminal (bench/tui_pty.py): the
#     latency an operator feels, without a screen-polling harness competing for the cores;
#   - the same latency seen through tmux's capture-pane, the 100 MB step's time in the TUI
#     against the same `cat` in a tmux pane of the same size, and cutover's CPU (bench/tui.py).
#   bash bench/tui.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
python3 bench/tui_pty.py ./target/release/cutover 10
python3 bench/tui.py ./target/release/cutover
