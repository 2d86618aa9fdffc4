#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""v2kvm tests: a TCP proxy on 127.0.0.1 in front of the vSphere simulator
that counts the bytes the server sends and injects faults.

  vsphere-proxy.py PORT_FILE TARGET_PORT COUNT_FILE [--reset-after N]
                   [--dead-after N] [--rate BYTES_PER_SECOND]

PORT_FILE gets the port it listens on.  --reset-after N: each connection
is reset (RST) once the server has sent N bytes on it.  --dead-after N:
once the server has sent N bytes in all, every connection is reset and
new ones are reset at once.  --rate: each connection passes on at most
that many server bytes a second (a slow link).  COUNT_FILE gets the
server's byte count, the number of resets and the number of connections
accepted when the proxy gets SIGTERM.  The proxy relays TLS
untouched: it sees only bytes, which is all it needs."""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

lock = threading.Lock()
sent = 0
resets = 0
conns = 0
dead = False


def rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def relay(client, server, args):
    """Both directions of one connection in one thread (select), so a
    reset closes sockets no other thread is blocked on: the RST goes out."""
    global sent, resets, dead
    mine = 0
    try:
        while True:
            r, _, _ = select.select([client, server], [], [], 60)
            if not r:
                break
            if client in r:
                data = client.recv(65536)
                if not data:
                    break
                server.sendall(data)
            if server in r:
                data = server.recv(65536)
                if not data:
                    break
                with lock:
                    room = len(data)
                    if dead:
                        room = 0
                    if args.reset_after:
                        room = min(room, args.reset_after - mine)
                    if args.dead_after:
                        room = min(room, max(args.dead_after - sent, 0))
                    data = data[:room]
                    mine += len(data)
                    sent += len(data)
                    if args.dead_after and sent >= args.dead_after:
                        dead = True
                    cut = dead or (args.reset_after and
                                   mine >= args.reset_after)
                    if cut:
                        resets += 1
                if data:
                    client.sendall(data)
                    if args.rate:
                        time.sleep(len(data) / args.rate)
                if cut:
                    break
    except OSError:
        pass
    rst(client)
    rst(server)


def serve(client, args):
    global conns
    with lock:
        conns += 1
    if dead:
        rst(client)
        return
    try:
        server = socket.create_connection(("127.0.0.1", args.target), 10)
    except OSError:
        rst(client)
        return
    # Relay each piece at once: with Nagle's algorithm on, a reply's
    # tail waits for the peer's delayed ACK (tens of ms per request).
    for sock in (client, server):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=relay, args=(client, server, args),
                     daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port_file")
    p.add_argument("target", type=int)
    p.add_argument("count_file")
    p.add_argument("--reset-after", type=int, default=0)
    p.add_argument("--dead-after", type=int, default=0)
    p.add_argument("--rate", type=int, default=0)
    args = p.parse_args()

    def stop(signum, frame):
        with lock:
            with open(args.count_file, "w") as f:
                f.write("%d %d %d\n" % (sent, resets, conns))
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        client, _ = ls.accept()
        serve(client, args)


if __name__ == "__main__":
    main()
