#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# bench/convert-report.py RESDIR CASE...: the markdown report of
# bench/convert.sh from RESDIR/CASE-TOOL.{json,out,log,load}.
#
# Phases: virt-v2v prints "[  12.3] Opening the source" lines (seconds
# since its start); v2kvm --machine-readable prints JSON lines with
# "type":"phase".  A phase lasts until the next one starts (the last
# until the end of the run) unless its line carries a duration
# ("seconds", "duration_s", "elapsed_s" or "duration"); v2kvm's
# {"event":"end","seconds":N} lines are used as they are when present.
import json, os, re, sys

res, cases = sys.argv[1], sys.argv[2:]
TOOLS = ('virt-v2v', 'v2kvm')


def load(c, t):
    p = os.path.join(res, '%s-%s' % (c, t))
    if not os.path.exists(p + '.json'):
        return None
    r = json.load(open(p + '.json'))
    r['out'] = {}
    r['disks'] = []
    for line in open(p + '.out') if os.path.exists(p + '.out') else []:
        k, _, v = line.rstrip('\n').partition('=')
        if k == 'disk':
            r['disks'].append(v)
        elif k == 'boot_rc':
            for kv in line.split():
                a, _, b = kv.partition('=')
                r['out'][a] = b
        else:
            r['out'][k] = v
    # boot.sh's own time to the marker (the wall time around it also
    # counts waiting for the boot lock)
    if os.path.exists(p + '.boot.err'):
        m = re.search(r' after ([0-9]+) s', open(p + '.boot.err', errors='replace').read())
        if m:
            r['out']['boot_s'] = m.group(1)
    r['load'] = open(p + '.load').read().split() if os.path.exists(p + '.load') else []
    r['phases'] = phases(p + '.log', t, r['wall_s'])
    return r


def phases(log, tool, wall):
    starts = []               # (start_s, name, duration or None)
    ends = []                 # (name, seconds) from end events
    for line in open(log, errors='replace') if os.path.exists(log) else []:
        t, _, text = line.rstrip('\n').partition('\t')
        if tool == 'virt-v2v':
            m = re.match(r'\[\s*([0-9.]+)\] (.*)', text)
            if m:
                starts.append((float(m.group(1)), m.group(2), None))
            continue
        if '"phase"' not in text:
            continue
        try:
            o = json.loads(text[text.index('{'):])
        except ValueError:
            continue
        if o.get('type') != 'phase':
            continue
        name = o.get('name') or o.get('phase') or '?'
        dur = next((o[k] for k in ('seconds', 'duration_s', 'elapsed_s', 'duration')
                    if isinstance(o.get(k), (int, float))), None)
        if o.get('event') == 'end':
            ends.append((str(name), float(dur if dur is not None else 0)))
        elif o.get('event') in (None, 'start'):
            starts.append((float(t), str(name), dur))
    if ends:                  # v2kvm: {"event":"end","seconds":N} per phase
        return ends
    out = []
    for i, (s, n, d) in enumerate(starts):
        if d is None:
            d = (starts[i + 1][0] if i + 1 < len(starts) else wall) - s
        out.append((n, d))
    return out


def cell(r, f):
    return '-' if r is None else f(r)


def ratio(a, b):
    return '%.2f' % (a / b) if a and b else '-'


def boot(r):
    if r is None:
        return '-'
    o = r['out']
    if r['rc'] != 0:
        return 'conversion failed (rc %s)' % r['rc']
    if 'boot_rc' not in o:
        return 'not booted'
    if o['boot_rc'] == '0':
        return 'marker, %s s' % o['boot_s']
    line = o.get('boot_line', 'no marker')
    return 'NO: %s' % line.strip()[:60]


mib = lambda k: k / 1024.0
print('| case | virt-v2v s | v2kvm s | time ratio | virt-v2v peak PSS MiB (RSS) '
      '| v2kvm peak PSS MiB (RSS) | memory ratio | virt-v2v out MiB | v2kvm out MiB '
      '| size ratio | virt-v2v boots | v2kvm boots |')
print('|' + '---|' * 12)
details = []
for c in cases:
    a, b = (load(c, t) for t in TOOLS)
    ok = lambda r: r is not None and r['rc'] == 0
    du = lambda r: int(r['out'].get('du_kib', 0)) if ok(r) else 0
    print('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
        c,
        cell(a, lambda r: '%.1f' % r['wall_s'] if ok(r) else 'failed'),
        cell(b, lambda r: '%.1f' % r['wall_s'] if ok(r) else 'failed'),
        ratio(a['wall_s'], b['wall_s']) if ok(a) and ok(b) else '-',
        cell(a, lambda r: '%.0f (%.0f)' % (mib(r['peak_pss_kib']), mib(r['peak_rss_kib']))),
        cell(b, lambda r: '%.0f (%.0f)' % (mib(r['peak_pss_kib']), mib(r['peak_rss_kib']))),
        ratio(a['peak_pss_kib'], b['peak_pss_kib']) if a and b else '-',
        '%.0f' % mib(du(a)) if ok(a) else '-',
        '%.0f' % mib(du(b)) if ok(b) else '-',
        ratio(du(a), du(b)) if ok(a) and ok(b) else '-',
        boot(a), boot(b)))
    for t, r in zip(TOOLS, (a, b)):
        if r is None:
            continue
        ph = ', '.join('%s %.1f' % (n.split(':')[0][:40], d)
                       for n, d in r['phases']) or 'none printed'
        details.append('- %s %s (load %s): %s; sync after exit %s s; disks: %s' % (
            c, t, ' -> '.join(r['load']), ph, r['out'].get('sync_s', '-'),
            '; '.join(r['disks']) or 'none'))
print()
print('Phases (seconds) and outputs:')
print()
print('\n'.join(details))
