# Shared helpers for the benchmark scripts: timing in milliseconds and medians.

# now_ns: monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# time_ms CMD...: runs CMD once with its output discarded, prints the wall time in ms (3 decimals).
time_ms() {
    local start end
    start=$(now_ns)
    "$@" >/dev/null 2>&1
    end=$(now_ns)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e6 }'
}

# median: reads numbers, one per line, prints their median.
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# repeat_median N CMD...: the median wall time of N runs of CMD, in ms.
repeat_median() {
    local n=$1; shift
    for _ in $(seq "$n"); do time_ms "$@"; done | median
}
