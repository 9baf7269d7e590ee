#!/usr/bin/env python3
"""How long `cutover attach --watch` takes to draw a live run's whole screen, in a pty of 80x24.

A headless run of a runbook whose first step prints 2,000 lines then sleeps is started; each
round runs `cutover attach --watch RUN_DIR` in a fresh pty and measures from the fork to the
moment the footer ("read-only") and the last printed line are both in its output — the screen
as it is, its scrollback included — then presses q. Usage: attach_pty.py PATH/TO/cutover [ROUNDS]
"""
import os, pty, struct, fcntl, termios, subprocess, sys, tempfile, time, select, statistics

cutover = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 11
work = tempfile.mkdtemp()
runbook = os.path.join(work, "runbook.toml")
with open(runbook, "w") as f:
    f.write('[runbook]\nname = "live"\n\n[[phase]]\nid = "main"\n\n'
            '[[phase.step]]\nid = "print-then-wait"\nkind = "command"\n'
            'run = "seq -f \'line %g\' 2000; echo LAST-LINE; sleep 120"\n')
logs = os.path.join(work, "runs")
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
env.pop("SSH_AUTH_SOCK", None)
run = subprocess.Popen([cutover, "run", runbook, "--headless", "--drill", "--auto", "--log-dir", logs],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
run_dir = None
deadline = time.time() + 30
while time.time() < deadline:
    folder = os.path.join(logs, "live")
    if os.path.isdir(folder) and os.listdir(folder):
        run_dir = os.path.join(folder, os.listdir(folder)[0])
        out = os.path.join(run_dir, "output")
        if os.path.exists(os.path.join(run_dir, "engine.sock")):
            break
    time.sleep(0.05)
time.sleep(1.0)  # the 2,000 lines are printed

times = []
for _ in range(rounds):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(cutover, [cutover, "attach", run_dir, "--watch"], dict(env, TERM="xterm-256color"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.monotonic()
    data = bytearray()
    drawn = None
    while time.monotonic() - started < 10:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data += os.read(fd, 65536)
            except OSError:
                break
            if b"read-only" in data and b"LAST-LINE" in data:
                drawn = time.monotonic() - started
                break
    os.write(fd, b"q")
    os.waitpid(pid, 0)
    os.close(fd)
    if drawn is None:
        sys.exit("the screen was never drawn")
    times.append(drawn * 1000)
run.kill()
run.wait()
times.sort()
print(f"attach --watch, full screen drawn in a pty 80x24 ({rounds} rounds): "
      f"median {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms (target <= 200 ms)")
