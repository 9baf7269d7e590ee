#!/usr/bin/env bash
# What a terminal run's start pays to forecast from its history: every earlier journal of the
# runbook is verified and read. Times `cutover history` over 200 drills of a 20-step runbook
# (what the start read before it was capped) and over the latest 50 (what it reads now),
# against `sha256sum` over the same journals (reading every byte once).
#
#   bash bench/forecast_start.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
bin="$here/../target/release/cutover"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

write_steps_runbook 20 > "$work/runbook.toml"
for _ in $(seq 200); do
    "$bin" run --headless --drill --auto --log-dir "$work/all" "$work/runbook.toml" >/dev/null 2>&1
done
mkdir -p "$work/latest/two-hundred"
ls -d "$work/all/two-hundred"/*/ | tail -50 | xargs -I{} cp -r {} "$work/latest/two-hundred/"

history_all() { "$bin" history two-hundred --log-dir "$work/all"; }
history_latest() { "$bin" history two-hundred --log-dir "$work/latest"; }
hash_all() { sha256sum "$work"/all/two-hundred/*/journal.log; }
hash_latest() { sha256sum "$work"/latest/two-hundred/*/journal.log; }

read -r all latest sha_all sha_latest < <(paired_medians 11 history_all history_latest hash_all hash_latest)
awk -v a="$all" -v l="$latest" -v sa="$sha_all" -v sl="$sha_latest" 'BEGIN {
    printf "200 journals: %.1f ms (%.2f ms each), sha256sum %.1f ms: %.1fx\n", a, a / 200, sa, a / sa
    printf " 50 journals: %.1f ms (%.2f ms each), sha256sum %.1f ms: %.1fx\n", l, l / 50, sl, l / sl
}'
