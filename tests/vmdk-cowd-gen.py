#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Write an ESX vmfsSparse redo log ("COWD", docs/formats.md §1.6) for
# tests: vmdk-cowd-gen.py OUT CAPACITY_SECTORS GRAIN_SECTORS SEED
# Grains at pseudo-random places in the first half of the disk, allocated
# in shuffled order (so the file order differs from the disk order).
import random, struct, sys

out, cap, grain, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
GTE = 4096
cover = grain * GTE
ngd = (cap + cover - 1) // cover
ngrains = cap // grain
grains = {0, 1, 2, 5, ngrains // 2 - 1}
grains |= {rnd.randrange(ngrains // 2) for _ in range(60)}
order = sorted(grains)
rnd.shuffle(order)

gd_sector = 4
gt_start = gd_sector + (ngd * 4 + 511) // 512
tables = sorted({g * grain // cover for g in grains})
gt_sector = {gdi: gt_start + i * (GTE * 4 // 512) for i, gdi in enumerate(tables)}
free = gt_start + len(tables) * (GTE * 4 // 512)
gts = {gdi: [0] * GTE for gdi in tables}
payload = []
for g in order:
    gdi, gti = divmod(g * grain, cover)
    gts[gdi][gti // grain] = free
    payload.append(rnd.randbytes(grain * 512))
    free += grain

header = struct.pack('<4sIIIIIIII', b'COWD', 1, 3, cap, grain, gd_sector, ngd,
                     free, 0).ljust(2048, b'\0')
gd = [gt_sector.get(i, 0) for i in range(ngd)]
with open(out, 'wb') as f:
    f.write(header)
    f.write(struct.pack('<%dI' % ngd, *gd).ljust((gt_start - gd_sector) * 512, b'\0'))
    for gdi in tables:
        f.write(struct.pack('<%dI' % GTE, *gts[gdi]))
    for p in payload:
        f.write(p)
