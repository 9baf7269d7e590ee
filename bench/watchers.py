#!/usr/bin/env python3
"""Watchers for bench/attach.sh: N clients of a live run's socket (RUN_DIR/engine.sock).

Each says hello as a watcher (ROLE=control: the first one as the run's controller, which a
terminal run's engine waits for before its first step) and reads everything the engine sends
until it goes away. The first
one reads frame by frame (a 4-byte big-endian length, then JSON), noting when each
`step_started` event arrived (CLOCK_REALTIME, ms), and writes those times, one per line, to OUT,
for the latency against the journal's own timestamps. Usage: watchers.py RUN_DIR N OUT
"""
import json
import os
import socket
import struct
import sys
import threading
import time


def watch(run_dir, out, role="watch"):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = os.path.join(run_dir, "engine.sock")
    for _ in range(2000):
        try:
            sock.connect(path)
            break
        except OSError:
            time.sleep(0.001)
    # Protocol 3: who connected is the kernel's word, not the client's.
    hello = json.dumps({"frame": "hello", "body": {"version": 3, "role": role}}).encode()
    sock.sendall(struct.pack(">I", len(hello)) + hello)
    if not out:
        # The other watchers read everything as it comes, in big chunks: on a two-core machine
        # a harness that parses every frame competes with the engine for the cores and
        # measures itself.
        while sock.recv(1 << 20):
            pass
        return
    reader = sock.makefile("rb")
    arrivals = []
    while True:
        head = reader.read(4)
        if len(head) < 4:
            break
        (length,) = struct.unpack(">I", head)
        body = reader.read(length)
        if len(body) < length:
            break
        if b'"step_started"' in body:
            arrivals.append(time.time() * 1000.0)
    if out:
        with open(out, "w") as f:
            f.write("\n".join(f"{t:.3f}" for t in arrivals) + "\n")


def main():
    run_dir, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    first_role = os.environ.get("ROLE", "watch")
    threads = [threading.Thread(target=watch, args=(run_dir, out if i == 0 else None,
                                                    first_role if i == 0 else "watch"))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
