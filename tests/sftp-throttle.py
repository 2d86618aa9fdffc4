#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# tests/sftp-throttle.py RATE SERVER [ARGS...]: run an SFTP server (sshd's
# "Subsystem sftp" command) with what it sends to the client limited to
# RATE bytes a second, so that a test can interrupt a copy over SSH at
# leisure instead of racing a loopback transfer that takes half a second
# (tests/ssh-functions.sh: SSH_SFTP_RATE).  What the client sends goes
# through unchanged.
import os
import subprocess
import sys
import threading
import time

rate = int(sys.argv[1])
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, bufsize=0)


def to_server():
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        child.stdin.write(data)
    child.stdin.close()


threading.Thread(target=to_server, daemon=True).start()
start, sent = time.monotonic(), 0
while True:
    data = child.stdout.read(16384)
    if not data:
        break
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
    sent += len(data)
    ahead = sent / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
sys.exit(child.wait())
