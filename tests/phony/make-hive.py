#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write an empty Windows registry hive (regf): a root key and its
security descriptor, nothing else.  hivexregedit --merge then grows it
into the SYSTEM and SOFTWARE hives of the phony Windows images
(tests/phony/make-windows.sh).

usage: make-hive.py OUTPUT [ROOT-KEY-NAME]

Layout (docs/windows.md names the hive tools; the byte layout is the
one hivex's lib/hivex-internal.h and the regf notes it cites describe):

  0x0000 base block, 4096 bytes: "regf", sequence numbers 1/1, a
         FILETIME, version 1.3, type 0 (primary), format 1, the root
         key's cell offset (relative to the first hbin), the size of the
         hbin data, clustering 1, a file name in UTF-16LE, and at 0x1fc
         the XOR of the 127 little-endian 32-bit words before it.
  0x1000 one hbin of 4096 bytes: "hbin", its offset (0) and size, then
         cells.  A cell starts with its size as a signed 32-bit number,
         negative when in use, a multiple of 8 including the 4 bytes.
         Cells here: the root "nk" (flags 0x2c: hive entry, no delete,
         ASCII name; no subkeys, values or class: offsets 0xffffffff),
         one "sk" holding a self-relative security descriptor, linked to
         itself and used once, and one free cell for the rest.

hivex adds keys by copying the parent's "sk" offset and raising its use
count, so the root must have a valid one; its descriptor grants full
control to SYSTEM and Administrators and read to Users, inherited by
subkeys, as a Windows hive's root does.
"""
import struct
import sys

HBIN = 0x1000
FILETIME = 132000000000000000   # 2019-04-15, any fixed time will do


def sid(*parts):
    """A binary SID: S-1-5-sub... (identifier authority 5, NT)."""
    return struct.pack("<BB", 1, len(parts)) + b"\0\0\0\0\0\x05" + \
        b"".join(struct.pack("<I", p) for p in parts)


def ace(mask, s):
    """ACCESS_ALLOWED_ACE, inherited by subkeys (CONTAINER_INHERIT)."""
    body = struct.pack("<I", mask) + s
    return struct.pack("<BBH", 0, 0x02, 4 + len(body)) + body


def security_descriptor():
    system, admins, users = sid(18), sid(32, 544), sid(32, 545)
    aces = [ace(0x000f003f, system), ace(0x000f003f, admins),
            ace(0x00020019, users)]
    acl_body = b"".join(aces)
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(acl_body), len(aces), 0) + \
        acl_body
    # SE_SELF_RELATIVE | SE_DACL_PRESENT; owner, group, (no SACL), DACL.
    off_owner = 20
    off_group = off_owner + len(admins)
    off_dacl = off_group + len(system)
    head = struct.pack("<BBHIIII", 1, 0, 0x8004, off_owner, off_group, 0,
                       off_dacl)
    return head + admins + system + acl


def cell(payload):
    size = (4 + len(payload) + 7) & ~7
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def main():
    out = sys.argv[1]
    name = (sys.argv[2] if len(sys.argv) > 2 else "ROOT").encode("ascii")
    nk_off = 0x20                       # first cell after the hbin header
    nk_size = (4 + 76 + len(name) + 7) & ~7
    sk_off = nk_off + nk_size
    nk = b"nk" + struct.pack(
        "<HQIIIIIIIIIIIIIIIHH",
        0x2c, FILETIME, 0,
        0xffffffff,                     # parent: none
        0, 0,                           # subkeys, volatile subkeys
        0xffffffff, 0xffffffff,         # their lists
        0, 0xffffffff,                  # values, value list
        sk_off,                         # security
        0xffffffff,                     # class name
        0, 0, 0, 0,                     # max name/class/value lengths
        0,                              # work var
        len(name), 0) + name
    sd = security_descriptor()
    sk = b"sk" + struct.pack("<HIIII", 0, sk_off, sk_off, 1, len(sd)) + sd
    cells = cell(nk)
    assert len(cells) == nk_size
    cells += cell(sk)
    free = 0x1000 - 0x20 - len(cells)
    cells += struct.pack("<i", free) + b"\0" * (free - 4)
    hbin = b"hbin" + struct.pack("<III", 0, 0x1000, 0) + \
        struct.pack("<IQI", 0, FILETIME, 0) + cells
    assert len(hbin) == 0x1000

    base = bytearray(HBIN)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, FILETIME,
                     1, 3, 0, 1, nk_off, len(hbin), 1)
    fname = "\\SystemRoot\\System32\\Config\\HIVE".encode("utf-16-le")
    base[0x30:0x30 + len(fname)] = fname
    csum = 0
    for (w,) in struct.iter_unpack("<I", bytes(base[:0x1fc])):
        csum ^= w
    struct.pack_into("<I", base, 0x1fc, csum)
    with open(out, "wb") as f:
        f.write(bytes(base) + hbin)


if __name__ == "__main__":
    main()
