#!/usr/bin/python3
"""bench/honeypot: SSH password attempts with paramiko, as OpenCanary's baseline measured them.

Each of CLIENTS threads loops for SECONDS: new TCP connection, full key exchange, one password
(rejected), close. Prints one JSON line: attempts (rejected passwords), drops (connections that
failed before the password was rejected) and the wall time.

  /usr/bin/python3 ssh-load.py PORT CLIENTS SECONDS
"""
import json
import logging
import socket
import sys
import threading
import time

import paramiko

logging.getLogger("paramiko").setLevel(logging.CRITICAL)

port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + seconds
lock = threading.Lock()
totals = {"attempts": 0, "drops": 0}


def one(n):
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=15)
        try:
            t.auth_password("root", "bench%d" % n)
        except paramiko.AuthenticationException:
            return True
        return False
    finally:
        t.close()


def worker(w):
    n = w * 1000000
    while time.monotonic() < end:
        n += 1
        try:
            ok = one(n)
        except Exception:
            ok = False
        with lock:
            totals["attempts" if ok else "drops"] += 1


t0 = time.monotonic()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
for th in threads:
    th.start()
for th in threads:
    th.join()
totals["seconds"] = time.monotonic() - t0
print(json.dumps(totals))
