#!/usr/bin/env python3
"""Keypress latency of the TUI during a 100 MB flood, measured in a pseudo-terminal.

cutover runs in a pty of 80x24 opened by this script (no tmux): a thread drains everything
cutover writes and notes when each byte arrived. During the flood the script writes `?` and
measures until the help box's title is in the output stream, writes a key to close it, waits
for the redraw, and again. Nothing polls a screen, so the harness costs almost no CPU: on a
two-core machine a harness that spawns a `tmux capture-pane` every millisecond competes with
cutover and `cat` for the cores and measures itself.

Usage: python3 bench/tui_pty.py PATH/TO/cutover [ROUNDS]
"""
import fcntl, os, pty, struct, sys, tempfile, termios, threading, time

cutover = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
work = tempfile.mkdtemp()

big = os.path.join(work, "100mb.txt")
with open(big, "wb") as f:
    f.write((b"x" * 99 + b"\n") * (1024 * 1024))
runbook = os.path.join(work, "runbook.toml")
with open(runbook, "w") as f:
    f.write(f'[runbook]\nname = "flood"\ntitle = "Flood"\n\n[[phase]]\nid = "main"\n\n'
            f'[[phase.step]]\nid = "flood"\nkind = "command"\nrun = "cat {big}; echo FLOOD-DONE"\n\n'
            f'[[phase.step]]\nid = "after"\nkind = "manual"\ninstructions = "All printed"\n')


class Output:
    """Everything the program wrote, and a condition to wait for new bytes on."""

    def __init__(self, fd):
        self.fd, self.data, self.cond, self.closed = fd, bytearray(), threading.Condition(), False
        threading.Thread(target=self.drain, daemon=True).start()

    def drain(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            with self.cond:
                if not chunk:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.data += chunk
                self.cond.notify_all()

    def wait_for(self, needle, since, timeout=120.0):
        """Waits until `needle` appears after offset `since`; returns (offset after it, time)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                at = self.data.find(needle, since)
                if at >= 0:
                    return at + len(needle), time.monotonic()
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise SystemExit(f"{needle!r} never appeared")
                self.cond.wait(left)

    def size(self):
        with self.cond:
            return len(self.data)


def one_round(number):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", XDG_CONFIG_HOME=f"{work}/config")
        env.pop("SSH_AUTH_SOCK", None)
        os.execve(cutover, [cutover, "run", runbook, "--drill", "--auto", "--log-dir", f"{work}/runs-{number}"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = Output(fd)
    seen, _ = out.wait_for(b"Press Enter to start", 0)
    os.write(fd, b"\r")
    seen, _ = out.wait_for(b"$ cat", seen)
    latencies = []
    while out.data.find(b"All printed", seen) < 0:
        pressed = time.monotonic()
        os.write(fd, b"?")
        try:
            seen, shown = out.wait_for(b"Keys", out.size(), timeout=10)
        except SystemExit:
            break
        if out.data.find(b"All printed", 0) >= 0:
            break
        latencies.append((shown - pressed) * 1000)
        os.write(fd, b"x")
        time.sleep(0.05)  # the box goes; the next sample starts from a settled screen
    out.wait_for(b"All printed", 0)
    os.write(fd, b"\x1b")
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return latencies


latencies = []
for number in range(rounds):
    latencies += one_round(number)
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]


print(f"keypress -> screen in a pty during a 100 MB flood: {len(latencies)} samples over {rounds} runs, "
      f"p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {latencies[-1]:.1f} ms")
