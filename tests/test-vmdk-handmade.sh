#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hand-built VMDK descriptors and extents: ZERO extents, CRLF, trailing
# blanks, file names with spaces, RDONLY, a short flat extent, RDM and
# NOACCESS (unsupported: exit 4), vmfsSparse (COWD) deltas over a vmfs
# base (qemu-img is the oracle), a bare COWD file.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" python3 openssl truncate
cd "$TMP"

# data.raw: 2 MiB of generated data.
gen data 2097152 > "my data.raw"

# ZERO extent between two FLAT extents of one file, CRLF line endings,
# trailing blanks, a file name with a space, an RDONLY extent.
printf '# Disk DescriptorFile\r\nversion=1 \r\nCID=12345678  \r\nparentCID=ffffffff\r\ncreateType="custom" \r\n\r\n# Extent description\r\nRW 2048 FLAT "my data.raw" 0\r\nRW 4096 ZERO \r\nRDONLY 2048 FLAT "my data.raw" 2048   \r\n' > zero.vmdk
{ head -c 1048576 "my data.raw"; head -c 2097152 /dev/zero; tail -c 1048576 "my data.raw"; } > zero.expect
[ "$("$BLKTOOL" sha256 zero.vmdk)" = "$(sha256sum < zero.expect | cut -d' ' -f1)  4194304" ] ||
  fail "ZERO extent descriptor decodes wrongly"
expect_type zero.vmdk 2097152 zero
expect_type zero.vmdk 0 data
"$V2KVM" disk info zero.vmdk | grep -qx 'subformat: custom' || fail "subformat custom"

# A windows-1252 descriptor naming "\xdcber-flat.vmdk": the file on a
# Linux file system is "Über-flat.vmdk" (UTF-8).
cp "my data.raw" "$(printf '\xc3\x9cber-flat.vmdk')"
printf 'version=1\nencoding="windows-1252"\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 4096 FLAT "\xdcber-flat.vmdk" 0\n' > enc.vmdk
[ "$("$BLKTOOL" sha256 enc.vmdk)" = "$(sha256sum < "my data.raw" | cut -d' ' -f1)  2097152" ] ||
  fail "windows-1252 file name not recoded"

# A descriptor-only sparse file (KDMV, capacity 0, embedded descriptor
# naming other extents), and a stream whose embedded descriptor has a
# stale extent name and RDONLY access (VMware OVAs): the data is the
# file itself.
python3 - <<'PY'
import struct
desc = b'# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType="custom"\nRW 4096 FLAT "my data.raw" 0\nRW 2048 ZERO\n'
hdr = struct.pack('<4sIIQQQQIQQQ', b'KDMV', 1, 3, 0, 128, 1, 20, 512, 0, 0, 0)
open('desconly.vmdk', 'wb').write(hdr.ljust(512, b'\0') + desc.ljust(20 * 512, b'\0'))
PY
[ "$("$BLKTOOL" sha256 desconly.vmdk)" = "$({ cat "my data.raw"; head -c 1048576 /dev/zero; } | sha256sum | cut -d' ' -f1)  3145728" ] ||
  fail "descriptor-only sparse file decodes wrongly"
"$V2KVM" disk info desconly.vmdk | grep -q "extent ./my data.raw" || fail "desconly extents"
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=streamOptimized "my data.raw" st.vmdk
python3 - <<'PY'
d = bytearray(open('st.vmdk', 'rb').read())
i = d.index(b'RW 4096 SPARSE "st.vmdk"')
new = b'RDONLY 4096 SPARSE "generated-stream.vmdk"'
end = d.index(b'\0', i)
text = d[i:end].replace(b'RW 4096 SPARSE "st.vmdk"', new)
d[i:i + len(text)] = text
open('stale.vmdk', 'wb').write(d)
PY
[ "$("$BLKTOOL" sha256 stale.vmdk)" = "$(sha256sum < "my data.raw" | cut -d' ' -f1)  2097152" ] ||
  fail "stream with a stale RDONLY embedded extent decodes wrongly"

# A FLAT extent shorter than its line: warning, zeros.
printf 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 8192 FLAT "my data.raw" 0\n' > short.vmdk
"$BLKTOOL" sha256 short.vmdk > short.out 2> short.err || fail "short.vmdk: $(cat short.err)"
grep -q "shorter than the descriptor says" short.err || fail "no short-extent warning"
[ "$(cat short.out)" = "$({ cat "my data.raw"; head -c 2097152 /dev/zero; } | sha256sum | cut -d' ' -f1)  4194304" ] ||
  fail "short extent decodes wrongly"

# Raw device mappings and NOACCESS extents: unsupported, never skipped.
printf 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="vmfsPassthroughRawDeviceMap"\nRW 2048 VMFSRDM "x-rdmp.vmdk"\n' > rdm.vmdk
fails rdm 4 ".*raw device"
printf 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="vmfs"\nRW 2048 VMFSRAW "x-rdm.vmdk"\n' > raw-extent.vmdk
fails raw-extent 4 ".*raw device mapping"
printf 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nNOACCESS 2048 FLAT "my data.raw" 0\n' > noaccess.vmdk
fails noaccess 4 ".*NOACCESS"
printf 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="fullDevice"\nRW 2048 FLAT "/dev/sdb" 0\n' > dev.vmdk
fails dev 4 "createType 'fullDevice' is a raw device"

# vmfsSparse (COWD) deltas over an ESXi "vmfs" base, grain 1 sector (ESX
# redo logs) and 8 sectors; qemu-img reads both.
truncate -s 16M base-flat.vmdk
put base-flat.vmdk 0 base 4194304
printf '# Disk DescriptorFile\nversion=1\nCID=aaaaaaaa\nparentCID=ffffffff\ncreateType="vmfs"\n\n# Extent description\nRW 32768 VMFS "base-flat.vmdk"\n\n#DDB\nddb.adapterType = "lsilogic"\n' > base.vmdk
for grain in 1 8; do
  python3 "$srcdir/vmdk-cowd-gen.py" "d$grain-delta.vmdk" 32768 $grain $grain ||
    fail "cowd generator"
  printf '# Disk DescriptorFile\nversion=1\nCID=bbbbbbbb\nparentCID=aaaaaaaa\ncreateType="vmfsSparse"\nparentFileNameHint="base.vmdk"\n\n# Extent description\nRW 32768 VMFSSPARSE "d%s-delta.vmdk"\n' $grain > d$grain.vmdk
  same_as_qemu "$TMP/d$grain.vmdk"
  [ "$("$BLKTOOL" sha256 d$grain.vmdk)" != "$("$BLKTOOL" sha256 base.vmdk)" ] ||
    fail "d$grain.vmdk reads like its base: the delta was not applied"
  expect_type d$grain.vmdk $((12 << 20)) hole
  expect_type d$grain.vmdk 0 data
  "$V2KVM" disk info d$grain.vmdk > info
  grep -qx 'subformat: vmfsSparse' info && grep -q "extent ./d$grain-delta.vmdk" info &&
    grep -qx '  vmdk ./base.vmdk vmfs' info || fail "disk info d$grain: $(cat info)"
done
# ESXi flat createTypes (thinness is a VMFS property: same VMFS extent).
for t in vmfsThin vmfsPreallocated vmfsEagerZeroedThick; do
  sed "s/createType=\"vmfs\"/createType=\"$t\"/" base.vmdk > $t.vmdk
  [ "$("$BLKTOOL" sha256 $t.vmdk)" = "$("$BLKTOOL" sha256 base.vmdk)" ] || fail "$t"
  "$V2KVM" disk info $t.vmdk | grep -qx "subformat: $t" || fail "$t subformat"
done

# An SEsparse delta (dissect's sample: 16 MiB of "a", the rest not in the
# delta) over a vmfs base with data past 16 MiB: the base shows through
# where the delta has nothing.  qemu-img reads SEsparse too.
if [ -r "$CORPUS/dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz" ]; then
  zcat "$CORPUS/dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz" > se-sesparse.vmdk
  truncate -s 512M sebase-flat.vmdk
  put sebase-flat.vmdk 0 sebase 20971520
  put sebase-flat.vmdk 300000000 sebase2 1000000
  printf 'version=1\nCID=cccccccc\nparentCID=ffffffff\ncreateType="vmfs"\nRW 1048576 VMFS "sebase-flat.vmdk"\n' > sebase.vmdk
  printf 'version=1\nCID=dddddddd\nparentCID=cccccccc\ncreateType="seSparse"\nparentFileNameHint="sebase.vmdk"\nRW 1048576 SESPARSE "se-sesparse.vmdk"\n' > se.vmdk
  same_as_qemu "$TMP/se.vmdk"
  [ "$("$BLKTOOL" read se.vmdk 16777216 4194304 | cmp - <(head -c 20971520 sebase-flat.vmdk | tail -c 4194304) && echo same)" = same ] ||
    fail "SEsparse delta: the base does not show through after 16 MiB"
  expect_type se.vmdk 0 data
  expect_type se.vmdk $((400 << 20)) hole
  rm -f se-sesparse.vmdk sebase-flat.vmdk
fi

# The bare redo log reads as a standalone disk (holes where the base
# would show through).
"$BLKTOOL" sha256 d1-delta.vmdk > /dev/null || fail "bare COWD"
"$V2KVM" disk info d1-delta.vmdk | grep -qx 'subformat: vmfsSparse' || fail "bare COWD subformat"
expect_type d1-delta.vmdk $((12 << 20)) hole
echo ok
