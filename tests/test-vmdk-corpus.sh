#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VMDK corpus conformance: every VMDK sample in $CORPUS with an EXPECT
# value in $CORPUS/MANIFEST.md (decoded size + sha256, or the documented
# error).
# Prints a table: file, expected, got.
. "$srcdir/functions.sh"
requires_corpus
requires zcat python3

# file | expected "SHA256  SIZE" or "error: REGEX"
# (values: $CORPUS/MANIFEST.md)
a3b=a3bcf05f07a1c06a3380eeca8571f0efb2b85afafa1e21662b8cad436d1f7727
zero64k=de2f256064a0af797747c2b97505dc0b9f3df0de4f489eac731c23ae9ca9cc31
cases=(
  "dfvfs/ext2.vmdk|a6c2f0e39afe6c6ab432ca5465349fcefe8dc944398e97b2d957d3f89dbb5d80  4194304"
  "dfvfs/image.vmdk|854c3db1c4a07a241e2ed9fbd8892adf2adc662c7862a75deed26f3483f414c9  102400"
  "go-vmdk-parser/vmdk-monolith.img|$zero64k  65536"
  "go-vmdk-parser/vmdk-streamoptimized.img|$zero64k  65536"
  "go-vmdk-parser/vmdk-invalid.img|error: invalid descriptor"
  "vmdk-rs/monolithicSparse.vmdk|$a3b  10485760"
  "vmdk-rs/streamOptimized.vmdk|$a3b  10485760"
  "vmdk-rs/twoGbMaxExtentSparse.vmdk|$a3b  10485760"
  "vmdk-rs/twoGbMaxExtentSparse-s001.vmdk|$a3b  10485760"
  "vmdk-rs/streamOptimizedWithMarkers.vmdk|92c0f8b4280377437056f57c51ef51a5f8aeb1462ac630ef0633febcbfc3db4e  1048576"
  "vmdk-rs/vmfs_thick.vmdk|8d43c795d24bce01b49f92744f934c1072210dcac170bb1c83a5aa56df46ab7d  2097152"
  "vmdk-rs/monolithicFlat.vmdk|error: monolithicFlat-flat.vmdk.*No such file"
  "vmdk-rs/twoGbMaxExtentFlat.vmdk|error: twoGbMaxExtentFlat-f001.vmdk.*No such file"
  "vmdk-rs/vmfs_thick-000001.vmdk|error: vmfs_thick-000001-delta.vmdk.*No such file"
  "govmomi/ova/ttylinux-pc_i486-16.1-disk1.vmdk|error: ttylinux.*truncated"
)

bad=0
printf '%-45s %-22s %s\n' FILE EXPECTED GOT
for c in "${cases[@]}"; do
  f=${c%%|*} want=${c#*|}
  got=$("$BLKTOOL" sha256 "$CORPUS/$f" 2>&1) || got="error: $got"
  case $want in
    error:*) printf '%s\n' "$got" | grep -Eq -- "${want#error: }" && ok=ok || ok=MISMATCH ;;
    *) [ "$got" = "$want" ] && ok=ok || ok=MISMATCH ;;
  esac
  [ "$ok" = ok ] || bad=$((bad + 1))
  printf '%-45s %-22s %s [%s]\n' "$f" "${want:0:22}" "$got" "$ok"
done

# The flat data files absent from the corpus are the monolithicSparse
# data: put the descriptors beside a decoded copy (as
# $CORPUS/MANIFEST.md says).
cp "$CORPUS/vmdk-rs/monolithicFlat.vmdk" "$CORPUS/vmdk-rs/twoGbMaxExtentFlat.vmdk" "$TMP/"
"$BLKTOOL" cat "$CORPUS/vmdk-rs/monolithicSparse.vmdk" "$TMP/monolithicFlat-flat.vmdk"
cp "$TMP/monolithicFlat-flat.vmdk" "$TMP/twoGbMaxExtentFlat-f001.vmdk"
for f in monolithicFlat twoGbMaxExtentFlat; do
  got=$("$BLKTOOL" sha256 "$TMP/$f.vmdk" 2>&1)
  [ "$got" = "$a3b  10485760" ] && ok=ok || { ok=MISMATCH; bad=$((bad + 1)); }
  printf '%-45s %-22s %s [%s]\n' "vmdk-rs/$f.vmdk (+data)" "${a3b:0:22}" "$got" "$ok"
done

# SEsparse (dissect): first 0x1000000 bytes all "a"; GD[0] allocated.
zcat "$CORPUS/dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz" > "$TMP/se-sesparse.vmdk"
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="seSparse"\n\n# Extent description\nRW 1048576 SESPARSE "se-sesparse.vmdk"\n' > "$TMP/se.vmdk"
n=$("$BLKTOOL" read "$TMP/se.vmdk" 0 16777216 | tr -d a | wc -c)
"$BLKTOOL" read "$TMP/se.vmdk" 0 16777216 | wc -c | grep -qx 16777216 && [ "$n" = 0 ] &&
  ok=ok || { ok=MISMATCH; bad=$((bad + 1)); }
printf '%-45s %-22s %s [%s]\n' "dissect-hypervisor/.../sesparse.vmdk.gz" '16 MiB of "a"' \
  "non-a bytes: $n" "$ok"

# vmdk-rs CompressedGrain.bin (one VMware grain: marker + zlib stream)
# wrapped in a minimal stream file; python's zlib is the oracle.
want=$(python3 - "$CORPUS/vmdk-rs/CompressedGrain.bin" "$TMP/grain.vmdk" <<'PY'
import hashlib, struct, sys, zlib
g = open(sys.argv[1], 'rb').read()
lba, size = struct.unpack('<QI', g[:12])
data = zlib.decompress(g[12:12 + size])
assert lba == 0 and len(data) <= 65536
hdr = struct.pack('<4sIIQQQQIQQQB4sH', b'KDMV', 3, 0x30001, 128, 128, 0, 0, 512,
                  0, 1, 6, 0, b'\n \r\n', 1).ljust(512, b'\0')
gd = struct.pack('<I', 2).ljust(512, b'\0')
gt = struct.pack('<I', 6).ljust(2048, b'\0')
grain = g[:12 + size].ljust((12 + size + 511) // 512 * 512, b'\0')
open(sys.argv[2], 'wb').write(hdr + gd + gt + grain + bytes(512))
print(hashlib.sha256(data.ljust(65536, b'\0')).hexdigest() + '  65536')
PY
)
got=$("$BLKTOOL" sha256 "$TMP/grain.vmdk" 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ] && ok=ok || { ok=MISMATCH; bad=$((bad + 1)); }
printf '%-45s %-22s %s [%s]\n' "vmdk-rs/CompressedGrain.bin (in a stream)" "${want:0:22}" "$got" "$ok"

# The descriptor-only libyal sample parses (its extent file is absent).
got=$("$BLKTOOL" sha256 "$CORPUS/libyal-libvmdk/descriptor_file.1" 2>&1)
printf '%s\n' "$got" | grep -q "cannot open .*No such file" && ok=ok ||
  { ok=MISMATCH; bad=$((bad + 1)); }
printf '%-45s %-22s %s [%s]\n' "libyal-libvmdk/descriptor_file.1" "missing extent error" "$got" "$ok"

[ "$bad" = 0 ] || fail "$bad corpus files do not match"
echo ok
