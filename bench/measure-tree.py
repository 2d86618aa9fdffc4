#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# bench/measure-tree.py: run a command and measure it together with every
# process it starts (qemu, nbdkit, qemu-img... are children, sometimes
# double-forked daemons), for bench/convert.sh.
#
#   measure-tree.py OUT.json LOG CMD ARGS...
#
# This process makes itself a child subreaper (prctl(2)
# PR_SET_CHILD_SUBREAPER), so a daemonized descendant is reparented to it
# and stays in the tree.  Every 0.5 s it walks /proc for its descendants
# and sums their RSS (VmRSS, /proc/PID/status) and PSS (Pss,
# /proc/PID/smaps_rollup: shared pages divided among the processes that
# map them, so the sum does not count a shared library or a shared
# buffer twice); the peaks of both sums are kept.  Each line the command
# prints (stdout and stderr merged) goes to LOG prefixed with the seconds
# since the start ("12.345\tline"), so phases can be timed from it.
# When the command exits, descendants still running are waited for (up
# to 60 s, then killed) and counted.
#
# OUT.json: {"rc", "wall_s", "peak_rss_kib", "peak_pss_kib",
# "max_procs", "leftover_procs", "samples"}.  Not exact: a process that
# lives less than 0.5 s between two samples is not seen.
import ctypes, json, os, signal, subprocess, sys, threading, time

PR_SET_CHILD_SUBREAPER = 36
INTERVAL = 0.5


def descendants(root):
    """PIDs of every live descendant of root (by ppid)."""
    kids = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue
        # comm may hold spaces or ')': ppid is the 2nd field after the last ')'
        ppid = int(s[s.rindex(')') + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def kib(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    out_json, log, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit('measure-tree: prctl(PR_SET_CHILD_SUBREAPER) failed')
    me = os.getpid()
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    signal.signal(signal.SIGINT, lambda *a: child.send_signal(signal.SIGINT))
    signal.signal(signal.SIGTERM, lambda *a: child.send_signal(signal.SIGTERM))

    def copy():
        with open(log, 'w') as f:
            for raw in child.stdout:
                f.write('%.3f\t%s' % (time.monotonic() - t0,
                                      raw.decode('utf-8', 'replace')))
                f.flush()
    reader = threading.Thread(target=copy)
    reader.start()

    peak_rss = peak_pss = max_procs = samples = 0
    rc = None
    deadline = None
    while True:
        pids = descendants(me)
        rss = sum(kib('/proc/%d/status' % p, 'VmRSS:') for p in pids)
        pss = sum(kib('/proc/%d/smaps_rollup' % p, 'Pss:') for p in pids)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        max_procs = max(max_procs, len(pids))
        samples += 1
        if rc is None:
            rc = child.poll()
            if rc is not None:
                wall = time.monotonic() - t0
                deadline = time.monotonic() + 60
                leftover = None
        if rc is not None:
            # reap reparented orphans (only now: waitpid(-1) must not
            # take the command's own status from Popen)
            try:
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
            left = descendants(me)
            if leftover is None:
                leftover = len(left)
            if not left:
                break
            if time.monotonic() > deadline:
                for p in left:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                break
        time.sleep(INTERVAL)
    reader.join()
    with open(out_json, 'w') as f:
        json.dump({'rc': rc, 'wall_s': round(wall, 2),
                   'peak_rss_kib': peak_rss, 'peak_pss_kib': peak_pss,
                   'max_procs': max_procs, 'leftover_procs': leftover,
                   'samples': samples}, f)
        f.write('\n')
    sys.exit(rc if rc >= 0 else 128 - rc)


main()
