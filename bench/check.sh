#!/usr/bin/env bash
# Benchmark: `cutover check` on a generated 1,000-step runbook, against `sha256sum` of the
# same file (the cost of starting a process and reading the bytes). Prints medians of 31 runs.
#
#   bash bench/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runbook="$work/thousand.toml"

{
    printf '[runbook]\nname = "thousand"\ntitle = "1,000 steps"\n\n'
    printf '[vars.base_url]\ndefault = "http://127.0.0.1:8080"\n\n[vars.release]\ndefault = "v1.2.3"\npattern = '"'"'^v\\d+\\.\\d+\\.\\d+$'"'"'\n\n'
    for phase in $(seq 0 9); do
        printf '[[phase]]\nid = "phase-%d"\ntitle = "Phase %d"\n\n' "$phase" "$phase"
        for i in $(seq 0 99); do
            n=$((phase * 100 + i))
            case $((n % 4)) in
                0) printf '[[phase.step]]\nid = "step-%d"\nkind = "command"\nrun = "echo step %d {{ release }}"\ntimeout = "30s"\nretries = 1\n\n' "$n" "$n" ;;
                1) printf '[[phase.step]]\nid = "step-%d"\nkind = "http"\nurl = "{{ base_url }}/api/health?n=%d"\nexpect_status = [200, 204]\nexpect_json = { "/status" = "ok" }\n\n' "$n" "$n" ;;
                2) printf '[[phase.step]]\nid = "step-%d"\nkind = "env"\nrequire = ["HOME", "PATH"]\nmatches = { HOME = '"'"'^/'"'"' }\n\n' "$n" ;;
                3) printf '[[phase.step]]\nid = "step-%d"\nkind = "manual"\ninstructions = "Check item %d of {{ release }}"\nchecklist = ["first", "second"]\n\n' "$n" "$n" ;;
            esac
        done
    done
} >"$runbook"

./target/release/cutover check "$runbook" >/dev/null   # must be clean: exit 0
bytes=$(wc -c <"$runbook")
check_ms=$(repeat_median 31 ./target/release/cutover check "$runbook")
sha_ms=$(repeat_median 31 sha256sum "$runbook")
echo "runbook: 1000 steps, $bytes bytes"
echo "cutover check   median ${check_ms} ms"
echo "sha256sum       median ${sha_ms} ms (baseline: process start + read)"
awk -v a="$check_ms" -v b="$sha_ms" 'BEGIN { printf "ratio           %.2fx sha256sum\n", a / b }'
