#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Write a dynamic or differencing VHD by the layout of Microsoft's VHD
# specification v1.0 (docs/formats.md §2), for the cases qemu-img
# cannot make: differencing disks with per-sector bitmaps, block sizes
# other than 2 MiB, chosen parent locators and unique ids.
#
#   vhd-gen.py OUT --size BYTES --raw RAW --ranges OFF:LEN,...
#              [--block BYTES] [--parent PARENT.vhd] [--name NAME]
#              [--locator CODE:PATH ...] [--uuid HEX] [--parent-uuid HEX]
#
# The sectors of RAW inside the ranges (512-byte aligned) are stored and
# marked in the bitmaps; nothing else is allocated.  With --parent the
# disk is differencing (type 4): its parent unique id is the parent's
# (or --parent-uuid), the unicode name is --name (default: the parent's
# basename), and each --locator adds an entry: W2ru/W2ku as UTF-16LE,
# MacX as UTF-8.
import argparse, os, struct, uuid


def csum(b):
    return ~sum(b) & 0xffffffff


def footer(size, dtype, uid):
    f = bytearray(512)
    struct.pack_into(">8sIIQI4sI4sQQHBBII16s", f, 0, b"conectix", 2, 0x10000,
                     512, 0, b"test", 0x10000, b"Wi2k", size, size,
                     65535, 16, 255, dtype, 0, uid)
    struct.pack_into(">I", f, 64, csum(f))
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--ranges", default="")
    ap.add_argument("--block", type=int, default=2 << 20)
    ap.add_argument("--parent")
    ap.add_argument("--name")
    ap.add_argument("--locator", action="append", default=[])
    ap.add_argument("--uuid")
    ap.add_argument("--parent-uuid")
    a = ap.parse_args()

    raw = open(a.raw, "rb").read()
    sectors = set()
    for r in filter(None, a.ranges.split(",")):
        off, ln = (int(x, 0) for x in r.split(":"))
        sectors.update(range(off // 512, (off + ln + 511) // 512))
    bs = a.block
    nblocks = (a.size + bs - 1) // bs
    bm_bytes = ((bs // 512 // 8) + 511) & ~511
    uid = bytes.fromhex(a.uuid) if a.uuid else uuid.uuid4().bytes

    dyn = bytearray(1024)
    bat_off = 1536
    bat_bytes = (nblocks * 4 + 511) & ~511
    pos = bat_off + bat_bytes
    payloads = []
    dtype = 3
    if a.parent:
        dtype = 4
        if a.parent_uuid:
            puid = bytes.fromhex(a.parent_uuid)
        else:
            puid = open(a.parent, "rb").read()[-512 + 68:-512 + 84]
        dyn[40:56] = puid
        name = a.name if a.name is not None else os.path.basename(a.parent)
        n16 = name.encode("utf-16-be")[:512]
        dyn[64:64 + len(n16)] = n16
        for i, loc in enumerate(a.locator):
            code, path = loc.split(":", 1)
            data = path.encode("utf-8" if code.startswith("Mac") else "utf-16-le")
            space = (len(data) + 511) // 512
            struct.pack_into(">4sIIIQ", dyn, 576 + 24 * i, code.encode(),
                             space, len(data), 0, pos)
            payloads.append((pos, data))
            pos += space * 512
    struct.pack_into(">8sQQIII", dyn, 0, b"cxsparse", 0xffffffffffffffff,
                     bat_off, 0x10000, nblocks, bs)
    struct.pack_into(">I", dyn, 36, csum(dyn))

    bat = [0xffffffff] * nblocks
    blocks = []
    for b in range(nblocks):
        secs = [s for s in range(b * bs // 512, (b + 1) * bs // 512) if s in sectors]
        if not secs:
            continue
        bitmap = bytearray(bm_bytes)
        data = bytearray(bs)
        for s in secs:
            i = s - b * bs // 512
            bitmap[i // 8] |= 0x80 >> (i % 8)
            chunk = raw[s * 512:(s + 1) * 512]
            data[i * 512:i * 512 + len(chunk)] = chunk
        bat[b] = pos // 512
        blocks.append((pos, bitmap + data))
        pos += bm_bytes + bs

    foot = footer(a.size, dtype, uid)
    out = bytearray(pos + 512)
    out[0:512] = foot
    out[512:1536] = dyn
    out[bat_off:bat_off + nblocks * 4] = struct.pack(">%dI" % nblocks, *bat)
    for off, data in payloads + blocks:
        out[off:off + len(data)] = data
    out[pos:pos + 512] = foot
    open(a.out, "wb").write(out)


main()
