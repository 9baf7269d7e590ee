#!/usr/bin/env bash
# Fuzzes `check` and `verify` in process: a million mutated inputs each (or $CUTOVER_FUZZ_CASES),
# built optimized. No panic, and no damaged journal read as VALID. The test suite runs the same
# properties on a few hundred inputs. Usage: bash bench/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CUTOVER_FUZZ_CASES=${CUTOVER_FUZZ_CASES:-1000000}
start=$EPOCHREALTIME
cargo test --release --quiet --test check_never_panics -- arbitrary_bytes_never_panic damaged_runbooks_never_panic
cargo test --release --quiet --test verify_never_panics
end=$EPOCHREALTIME
awk -v s="$start" -v e="$end" -v n="$CUTOVER_FUZZ_CASES" 'BEGIN { printf "fuzz: %d cases per property, %.0f s\n", n, e - s }'
