"""Hostile clients of a live run's socket, for bench/live_surface.sh.

Usage: python3 bench/hostile_clients.py RUNS_DIR MODE N GO_FILE
Waits for the run's socket under RUNS_DIR, then opens N connections, then creates GO_FILE:
  stalled  each says hello as a watcher and never reads a byte (one more reads 1 KiB every 20 ms:
           the slow watcher);
  idle     each connects and never says hello.
Holds them until the run's socket goes away (the run ended), then exits.
"""

import glob
import json
import os
import socket
import struct
import sys
import time

runs, mode, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
while True:
    found = glob.glob(os.path.join(runs, "*", "*", "engine.sock"))
    if found:
        break
    time.sleep(0.005)
path = found[0]


def hello(role):
    body = json.dumps({"frame": "hello", "body": {"version": 3, "role": role}}).encode()
    return struct.pack(">I", len(body)) + body


held = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        if mode == "stalled":
            s.sendall(hello("watch"))
    except OSError:
        break
    held.append(s)

if mode == "stalled":
    slow = socket.socket(socket.AF_UNIX)
    slow.connect(path)
    slow.sendall(hello("watch"))
open(go, "w").close()
if mode == "stalled":
    slow.settimeout(0.5)
    while os.path.exists(path):
        try:
            if not slow.recv(1024):
                break
        except (socket.timeout, OSError):
            pass
        time.sleep(0.02)
else:
    while os.path.exists(path):
        time.sleep(0.05)
