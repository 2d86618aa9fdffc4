#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Set the "volume is dirty" flag of an NTFS filesystem inside a disk
# image, as a Windows crash or Fast Startup leaves it: bit 0 of the flags
# of $VOLUME_INFORMATION (attribute type 0x70) in $Volume, MFT record 3.
# Layout from the NTFS documentation of the Linux-NTFS project (ntfs-3g
# include/ntfs-3g/layout.h: NTFS_BOOT_SECTOR, MFT_RECORD, ATTR_RECORD,
# VOLUME_INFORMATION); the record's update sequence array is honoured and
# $MFTMirr's copy of the record is changed too, as Windows does.
#
#   ntfs-set-dirty.py IMAGE PARTITION_OFFSET_BYTES
import struct
import sys

img, part = sys.argv[1], int(sys.argv[2])
with open(img, 'r+b') as f:
    f.seek(part)
    bs = f.read(512)
    if bs[3:11] != b'NTFS    ':
        sys.exit('%s: no NTFS boot sector at offset %d' % (img, part))
    bps, spc = struct.unpack_from('<HB', bs, 11)
    mft_lcn, mirr_lcn = struct.unpack_from('<qq', bs, 48)
    cpr = struct.unpack_from('<b', bs, 64)[0]
    rec = 1 << -cpr if cpr < 0 else cpr * spc * bps
    off = part + mft_lcn * spc * bps + 3 * rec
    f.seek(off)
    raw = bytearray(f.read(rec))
    if raw[:4] != b'FILE':
        sys.exit('%s: MFT record 3 has no FILE signature' % img)
    usa, usn = struct.unpack_from('<HH', raw, 4)
    fixed = bytearray(raw)
    for i in range(1, usn):
        fixed[i * 512 - 2:i * 512] = raw[usa + 2 * i:usa + 2 * i + 2]
    a = struct.unpack_from('<H', fixed, 20)[0]
    while a + 24 <= rec:
        atype, alen = struct.unpack_from('<II', fixed, a)
        if atype == 0xffffffff or alen < 24:
            break
        if atype == 0x70 and fixed[a + 8] == 0:
            v = a + struct.unpack_from('<H', fixed, a + 20)[0]
            pos = v + 10                    # VOLUME_INFORMATION.flags
            if pos % 512 >= 510:
                sys.exit('%s: flags fall on a fixup position' % img)
            raw[pos] |= 1
            for lcn in (mft_lcn, mirr_lcn):
                f.seek(part + lcn * spc * bps + 3 * rec)
                f.write(raw)
            sys.exit(0)
        a += alen
    sys.exit('%s: no $VOLUME_INFORMATION in MFT record 3' % img)
