#!/usr/bin/env python3
"""TUI benchmark, driven through tmux (80x24), figures printed as medians and p99:

1. While a step prints 100 MB of lines, the latency from a key press (`?`, the help box) to the
   screen showing its effect, sampled repeatedly; p50 and p99.
2. The time that step takes in the TUI against the same `cat` in a tmux pane of the same size.
3. cutover's CPU time during the run, against the run's wall time (the frame cap bounds it).

Usage: python3 bench/tui.py PATH/TO/cutover
"""
import os, subprocess, sys, tempfile, time

cutover = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp()
server = [0]  # each run gets its own tmux server, so none races the previous one's shutdown


def tmux(*args):
    socket = f"cutover-bench-{os.getpid()}-{server[0]}"
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True).stdout


def fresh_server():
    server[0] += 1


def screen():
    return tmux("capture-pane", "-p", "-t", "b")


def wait_for(text, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in screen():
            return
        time.sleep(0.002)
    raise SystemExit(f"`{text}` never appeared:\n{screen()}")


big = os.path.join(work, "100mb.txt")
with open(big, "wb") as f:
    line = b"x" * 99 + b"\n"
    f.write(line * (1024 * 1024))

runbook = os.path.join(work, "runbook.toml")
with open(runbook, "w") as f:
    f.write(f'[runbook]\nname = "flood"\ntitle = "Flood"\n\n[[phase]]\nid = "main"\n\n'
            f'[[phase.step]]\nid = "flood"\nkind = "command"\nrun = "cat {big}; echo FLOOD-DONE"\n\n'
            f'[[phase.step]]\nid = "after"\nkind = "manual"\ninstructions = "All printed"\n')

env = f"env -u SSH_AUTH_SOCK XDG_CONFIG_HOME={work}/config"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_tui(round_number):
    """One TUI run; returns the latencies sampled during the flood, its seconds, its CPU."""
    command = (f"{env} {cutover} run {runbook} --drill --auto --log-dir {work}/runs-{round_number}; sleep 600")
    fresh_server()
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "80", "-y", "24", command)
    wait_for("Press Enter to start")
    pid = int(subprocess.run(["pgrep", "-n", "-f", f"{cutover} run {runbook}"], capture_output=True, text=True).stdout.split()[0])
    tmux("send-keys", "-t", "b", "Enter")
    started = time.monotonic()
    wait_for("$ cat")
    latencies = []
    # While the flood runs: press ?, wait for the help box, press a key, wait for it to go.
    while "All printed" not in screen():
        t0 = time.monotonic()
        tmux("send-keys", "-t", "b", "?")
        while "Keys" not in screen() and time.monotonic() < t0 + 5:
            time.sleep(0.001)
        t1 = time.monotonic()
        if "All printed" in screen() and "Keys" not in screen():
            break
        latencies.append((t1 - t0) * 1000)
        if os.environ.get("SHOW_SAMPLES") and (t1 - t0) > 0.15:
            print(f"  slow sample {1000 * (t1 - t0):.0f} ms at {t0 - started:.2f} s into the step", flush=True)
        tmux("send-keys", "-t", "b", "x")
        while "Keys" in screen() and time.monotonic() < t1 + 5:
            time.sleep(0.001)
    wait_for("All printed")
    seconds = time.monotonic() - started
    cpu = cpu_seconds(pid)
    tmux("kill-server")
    return latencies, seconds, cpu


latencies, runs = [], []
for round_number in range(int(os.environ.get("ROUNDS", "10"))):
    sampled, seconds, cpu = run_tui(round_number)
    latencies += sampled
    runs.append((seconds, cpu))
runs.sort()
tui_seconds, cpu = runs[len(runs) // 2]

# The same command in a tmux pane of the same size.
fresh_server()
tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "80", "-y", "24",
     f"cat {big}; echo PANE-DONE; sleep 600")
started = time.monotonic()
wait_for("PANE-DONE", timeout=600)
pane_seconds = time.monotonic() - started
tmux("kill-server")

latencies.sort()
if os.environ.get("SHOW_SAMPLES"):
    print("samples (ms):", " ".join(f"{l:.0f}" for l in latencies))
def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
print(f"keypress -> screen during a 100 MB flood: {len(latencies)} samples, "
      f"p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {latencies[-1]:.1f} ms")
print(f"100 MB step: TUI {tui_seconds:.2f} s median of {len(runs)} (until the next step shows), "
      f"plain tmux pane {pane_seconds:.2f} s, ratio {pane_seconds / tui_seconds:.1f}x faster in the TUI")
print(f"cutover CPU during the run: {cpu:.2f} s over {tui_seconds:.2f} s wall ({100 * cpu / tui_seconds:.0f}% of one core)")
