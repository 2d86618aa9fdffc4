#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VMDK conformance: every VMDK shape found in the field decodes to its
# expected size + sha256, or fails with the documented error.  Prints a
# table: file, expected, got.
# Generated layer (always): qemu-img's monolithicSparse, monolithicFlat,
# twoGbMaxExtentSparse, twoGbMaxExtentFlat and streamOptimized of one
# 10 MiB source, a VMFS-extent descriptor over its raw copy (expected:
# the source's sha256), a grain compressed by Python's zlib in a minimal
# stream file (expected: the grain), and the failures: a flat extent or
# a descriptor's extent missing, a sparse file whose embedded descriptor
# has no extent line, a stream with its grain directory at the end read
# through its footer, and refused when cut in half.
# Corpus layer (when $CORPUS has it): the EXPECT values of
# $CORPUS/MANIFEST.md, SEsparse among them (qemu-img cannot write it).
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" zcat python3 openssl sha256sum
cd "$TMP"

bad=0
printf '%-45s %-22s %s\n' FILE EXPECTED GOT
# case FILE WANT [LABEL]: WANT is "SHA256  SIZE" or "error: REGEX".
case_ () {
  local got ok
  got=$("$BLKTOOL" sha256 "$1" 2>&1) || got="error: $got"
  case $2 in
    error:*) printf '%s\n' "$got" | grep -Eq -- "${2#error: }" && ok=ok || ok=MISMATCH ;;
    *) [ "$got" = "$2" ] && ok=ok || ok=MISMATCH ;;
  esac
  [ "$ok" = ok ] || bad=$((bad + 1))
  printf '%-45s %-22s %s [%s]\n' "${3:-$1}" "${2:0:22}" "$got" "$ok"
}
digest () { echo "$(sha256sum < "$1" | cut -d' ' -f1)  $(stat -c %s "$1")"; }

# grain_stream GRAIN OUT: wrap one compressed grain (marker: LBA, size,
# zlib stream) in a minimal streamOptimized file; prints the expected
# "SHA256  65536" (Python's zlib decodes the grain).
grain_stream () {
  python3 - "$1" "$2" <<'PY'
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
}

# --- Generated layer ---
mkdir gen && cd gen
truncate -s 10M src.raw
put src.raw 0 vm1 1048576
put src.raw $((3 << 20)) vm2 70000
put src.raw $(((10 << 20) - 4096)) vm3 4096
want=$(digest src.raw)
for sub in monolithicSparse monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat streamOptimized; do
  "$QEMU_IMG" convert -f raw -O vmdk -o subformat=$sub src.raw $sub.vmdk
  case_ $sub.vmdk "$want" gen/$sub.vmdk
done
# A VMFS (ESXi "thick") descriptor: one VMFS extent, the flat data.
cp src.raw vmfs-flat.vmdk
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="vmfs"\n\n# Extent description\nRW 20480 VMFS "vmfs-flat.vmdk"\n\nddb.adapterType = "lsilogic"\n' > vmfs.vmdk
case_ vmfs.vmdk "$want" gen/vmfs.vmdk
# One grain compressed here (level 6, like VMware), in a stream file.
python3 -c 'import struct, sys, zlib
d = open("src.raw", "rb").read(65536)
z = zlib.compress(d, 6)
sys.stdout.buffer.write(struct.pack("<QI", 0, len(z)) + z)' > grain.bin
case_ grain.vmdk "$(grain_stream grain.bin grain.vmdk)" "gen/grain.bin (in a stream)"
# Failures: the flat extent gone, a descriptor alone, no extent line in
# the embedded descriptor, a stream cut before its footer.
cp monolithicFlat.vmdk noflat.vmdk
sed -i 's/monolithicFlat-flat.vmdk/noflat-flat.vmdk/' noflat.vmdk
case_ noflat.vmdk "error: noflat-flat.vmdk.*No such file" gen/noflat.vmdk
sed 's/vmfs-flat.vmdk/absent-flat.vmdk/' vmfs.vmdk > descriptor-only.vmdk
case_ descriptor-only.vmdk "error: cannot open .*No such file" gen/descriptor-only.vmdk
python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); h = f.read(512)
off, size = struct.unpack_from("<QQ", h, 28)
f.seek(off * 512); d = f.read(size * 512)
d = d.replace(b"\nRW ", b"\n#  ")
f.seek(off * 512); f.write(d)' monolithicSparse.vmdk
case_ monolithicSparse.vmdk "error: invalid descriptor" "gen/monolithicSparse.vmdk (no extent line)"
# A stream whose header says the grain directory is at the end (gdOffset
# GD_AT_END, as VMware writes them) is read through its footer; cut in
# half (no footer, no end-of-stream marker: not every grain can be
# found), it is refused.
cp streamOptimized.vmdk gdatend.vmdk
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of=gdatend.vmdk bs=1 seek=56 conv=notrunc status=none
case_ gdatend.vmdk "$want" "gen/gdatend.vmdk (footer)"
head -c $(($(stat -c %s gdatend.vmdk) / 2)) gdatend.vmdk > cut.vmdk
case_ cut.vmdk "error: cut.vmdk.*truncated" gen/cut.vmdk
cd ..

# --- Corpus layer ---
if have_corpus vmdk-rs/monolithicSparse.vmdk vmdk-rs/CompressedGrain.bin dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz libyal-libvmdk/descriptor_file.1; then
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

  for c in "${cases[@]}"; do
    f=${c%%|*}
    case_ "$CORPUS/$f" "${c#*|}" "$f"
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
  want=$(grain_stream "$CORPUS/vmdk-rs/CompressedGrain.bin" "$TMP/grain.vmdk")
  case_ "$TMP/grain.vmdk" "$want" "vmdk-rs/CompressedGrain.bin (in a stream)"

  # The descriptor-only libyal sample parses (its extent file is absent).
  case_ "$CORPUS/libyal-libvmdk/descriptor_file.1" "error: cannot open .*No such file" \
    libyal-libvmdk/descriptor_file.1
fi
[ "$bad" = 0 ] || fail "$bad VMDK files do not match"
echo ok
