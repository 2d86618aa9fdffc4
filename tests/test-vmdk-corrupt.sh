#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Corrupt and hostile VMDKs: every damaged header field, offset and size
# gives a one-line error naming the file (v2kvm exit 3, or 4 for an
# unsupported feature; blktool exit 1 for damage only a read meets), and
# random damage never crashes.  Run it under ASan+UBSan too.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" python3 timeout
cd "$TMP"
# A sanitizer report must not pass for an ordinary exit 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87"
# blktool exits without closing the image after a read error: no leak
# checks for it (v2kvm's open failures are leak-checked).
noleak="ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"

# patch FILE OFFSET FMT VALUE: overwrite with struct.pack('<FMT', VALUE).
patch () {
  python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2], 0))
f.write(struct.pack("<" + sys.argv[3], int(sys.argv[4], 0)))' "$@"
}

# le FILE OFFSET FMT: read a little-endian field.
le () {
  python3 -c 'import struct, sys
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2], 0))
fmt = "<" + sys.argv[3]; print(struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0])' "$@"
}

# expect_read_error IMAGE REGEX: blktool fails (exit 1) with one line
# that names the image and matches REGEX.
expect_read_error () {
  local got=0
  timeout 120 env "$noleak" "$BLKTOOL" sha256 "$1" > /dev/null 2> read.err || got=$?
  [ "$got" = 1 ] || fail "blktool sha256 $1 exited $got: $(cat read.err)"
  [ "$(grep -vc 'warning:' read.err)" = 1 ] || fail "$1: not one error line: $(cat read.err)"
  grep -q "'$1'" read.err || fail "$1: error does not name the file: $(cat read.err)"
  grep -Eq -- "$2" read.err || fail "$1: error '$(cat read.err)' does not match /$2/"
}

# bad NAME FIELD-OFFSET FMT VALUE CODE REGEX: a copy of $base (default
# sparse.vmdk) with one field changed; disk info must fail with CODE.
bad () {
  cp "${base:-sparse.vmdk}" "$1.vmdk"
  patch "$1.vmdk" "$2" "$3" "$4"
  fails "$1" "$5" ".*$6"
  echo "ok $1: $ERR"
}

"$QEMU_IMG" create -q -f vmdk sparse.vmdk 16M
"$QEMU_IO" -f vmdk -c 'write -P 0x21 0 1M' -c 'write -P 0x22 9M 128k' sparse.vmdk >/dev/null
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized sparse.vmdk stream.vmdk
gd=$(le sparse.vmdk 56 Q)
gt=$(le sparse.vmdk $((gd * 512)) I)
size=$(stat -c %s sparse.vmdk)


# A damaged grain directory: the redundant copy is used, with a warning;
# without one (rgdOffset 0), an error.
for f in 56:Q:0xffffff $((gd * 512)):I:0x7fffffff; do
  cp sparse.vmdk rgd.vmdk
  patch rgd.vmdk ${f//:/ }
  "$BLKTOOL" sha256 rgd.vmdk > rgd.out 2> rgd.err || fail "rgd fallback: $(cat rgd.err)"
  [ "$(cat rgd.out)" = "$("$BLKTOOL" sha256 sparse.vmdk)" ] || fail "rgd fallback decodes wrongly"
  grep -q "'rgd.vmdk': .*; using the redundant grain directory" rgd.err ||
    fail "no warning about the redundant grain directory: $(cat rgd.err)"
done
cp sparse.vmdk norgd.vmdk
patch norgd.vmdk 48 Q 0
base=norgd.vmdk bad gd-past-eof 56 Q 0xffffff 3 "grain directory offset .* past the end"
base=norgd.vmdk bad gd-huge 56 Q 0x7fffffffffffffff 3 "grain directory offset"
bad grain-zero 20 Q 0 3 "grain size 0 sectors is not a power of two"
bad grain-odd 20 Q 100 3 "grain size 100 sectors is not a power of two"
bad grain-huge 20 Q 0x40000000 3 "grain size .* too large"
bad gtes-zero 44 I 0 3 "grain table entries per grain table is out of range"
bad gtes-huge 44 I 100000 3 "grain table entries per grain table is out of range"
bad capacity 12 Q 0xffffffffffffffff 3 "capacity .* too large"
bad capacity-gd 12 Q 0x10000000000 3 "grain directory would have 16777216 entries"
bad version 4 I 7 4 "version 7 is not supported"
bad desc-size 36 Q 0xffffffffff 3 "embedded descriptor"
base=norgd.vmdk bad gd-entry $((gd * 512)) I 0x7fffffff 3 "grain directory entry 0 points past the end"
cp sparse.vmdk both.vmdk
patch both.vmdk 56 Q 0xffffff
base=both.vmdk bad both-gds 48 Q 0xfffffe 3 "grain directory offset 16777215 .*the redundant copy is unusable too"
bad gt-entry $((gt * 512)) I 0x7ffffff0 3 "grain table 0 entry 0 points past the end"

# Truncations: in the header, in the metadata, in the data.
for n in 100 1536 $((size / 2)) $((size - 512)); do
  head -c $n sparse.vmdk > trunc-$n.vmdk
  if "$V2KVM" disk info trunc-$n.vmdk > /dev/null 2>&1; then
    expect_read_error trunc-$n.vmdk "truncated|past the end"
  else
    fails trunc-$n 3 ".*(truncated|past the end)"
  fi
  echo "ok truncated at $n"
done

# Stream damage, met when the grain is read.
first=$(( $(le stream.vmdk 64 Q) * 512 ))              # overHead: grain 1
cp stream.vmdk zsize.vmdk; patch zsize.vmdk $((first + 8)) I 0x7fffffff
expect_read_error zsize.vmdk "impossible size"
cp stream.vmdk zlba.vmdk; patch zlba.vmdk $first Q 12345
expect_read_error zlba.vmdk "has sector 12345 in its marker"
cp stream.vmdk zdata.vmdk; patch zdata.vmdk $((first + 20)) Q 0x0123456789abcdef
expect_read_error zdata.vmdk "is corrupt"
# The last grain's length runs past the end of the file.
last=$(python3 - stream.vmdk <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = struct.unpack('<Q', d[64:72])[0] * 512; last = None
while pos + 16 <= len(d):
    val, size, typ = struct.unpack('<QII', d[pos:pos + 16])
    if size == 0:
        break
    last = pos; pos += (12 + size + 511) // 512 * 512
print(last)
PY
)
cp stream.vmdk zeof.vmdk; patch zeof.vmdk $((last + 8)) I 65536
truncate -s $((last + 4096)) zeof.vmdk
expect_read_error zeof.vmdk "goes past the end of the file"
echo "ok stream damage"

# Descriptor damage.
printf 'version=1\ncreateType="monolithicFlat"\n%s\nRW 2048 FLAT "x.raw" 0\n' \
  "ddb.comment = \"$(head -c 10000 /dev/zero | tr '\0' x)\"" > longline.vmdk
fails longline 3 "invalid descriptor: line 3 is longer"
printf 'version=1\ncreateType="monolithicFlat"\nRW 99999999999999999999999 FLAT "x.raw" 0\n' > count.vmdk
fails count 3 "invalid descriptor: line 3: bad sector count"
truncate -s 1M x.raw
printf 'version=1\ncreateType="monolithicFlat"\nRW 1152921504606846976 FLAT "x.raw" 0\n' > vast.vmdk
fails vast 3 "extent on line 3 is too large"
printf 'version=1\ncreateType="monolithicFlat"\nRW 2048 FLAT "x.raw" 1152921504606846976\n' > vastoff.vmdk
fails vastoff 3 "extent on line 3: offset"
printf 'version=1\ncreateType="monolithicFlat"\n' > noextent.vmdk
fails noextent 3 "invalid descriptor: no extent lines"
printf 'version=1\nRW 2048 FLAT "x.raw" 0\n# createType\n' > notype.vmdk
fails notype 3 "invalid descriptor: no createType"
# the descriptor ends at the first NUL (qemu and VMware read it as a C
# string): what follows is ignored, so the extent after it is not seen
{ printf 'version=1\ncreateType="monolithicFlat"\n\0\0RW 2048 FLAT "x.raw" 0\n'; } > nul.vmdk
expect_exit 3 "$V2KVM" disk info --format vmdk nul.vmdk
expect_error_match "nul.vmdk'?: invalid descriptor: no extent lines"
{ printf 'version=1\ncreateType="monolithicFlat"\n\001\002junk\n'; } > bin.vmdk
expect_exit 3 "$V2KVM" disk info --format vmdk bin.vmdk
expect_error_match "bin.vmdk'?: not a VMDK descriptor \\(contains binary data\\)"
"$V2KVM" disk info bin.vmdk 2>&1 | grep -q 'format: raw' || fail "binary junk probed as vmdk"
printf 'version=1\ncreateType="monolithicFlat"\nRW 2048 SPARSE "x.raw"\n' > notsparse.vmdk
fails notsparse 3 "extent .*x.raw' .* is not a sparse extent file"
echo "ok descriptor damage"

# COWD and SEsparse header damage.
python3 "$srcdir/vmdk-cowd-gen.py" c.vmdk 32768 1 7
cp c.vmdk cgrain.vmdk; patch cgrain.vmdk 16 I 3
fails cgrain 3 "grain size 3 sectors is not a power of two"
cp c.vmdk cgd.vmdk; patch cgd.vmdk 20 I 0x7fffffff
fails cgd 3 "grain directory .* past the end"
cp c.vmdk cgte.vmdk; patch cgte.vmdk 2560 I 2
fails cgte 3 "grain table 0 entry 0 points into the header"
if [ -r "$CORPUS/dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz" ]; then
  zcat "$CORPUS/dissect-hypervisor/disk/vmdk/sesparse.vmdk.gz" > se.vmdk
  cp se.vmdk sedirty.vmdk; patch sedirty.vmdk $((512 + 24)) Q 1
  fails sedirty 4 "SEsparse journal needs replaying"
  cp se.vmdk sever.vmdk; patch sever.vmdk 8 Q 0x300000001
  fails sever 4 "SEsparse version 0x300000001 .* is not supported"
  cp se.vmdk segd.vmdk; patch segd.vmdk $((0x1000 * 512)) Q 0x2000000000000005
  fails segd 3 "grain directory entry 0 .* is invalid"
  cp se.vmdk segt.vmdk; patch segt.vmdk $((0x1800 * 512)) Q 0x7000000000000000
  fails segt 3 "grain table 0 entry 0 .* is invalid"
  rm -f se*.vmdk
  echo "ok SEsparse damage"
fi

# Random damage: flip about 1% of the bytes, 50 times per image.  Only
# exit 0 or 1 is allowed (no signal, no sanitizer report, no hang).
"$QEMU_IMG" create -q -f vmdk small.vmdk 4M
"$QEMU_IO" -f vmdk -c 'write -P 0x31 0 256k' -c 'write -P 0x32 3M 64k' small.vmdk >/dev/null
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized small.vmdk smallstream.vmdk
for img in small.vmdk smallstream.vmdk; do
  for i in $(seq 1 50); do
    python3 - "$img" fuzz.vmdk "$i" <<'PY'
import random, sys
d = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(int(sys.argv[3]))
for _ in range(max(1, len(d) // 100)):
    d[r.randrange(len(d))] ^= 1 << r.randrange(8)
open(sys.argv[2], 'wb').write(d)
PY
    for cmd in sha256 map; do
      rc=0
      timeout 120 env "$noleak" "$BLKTOOL" $cmd fuzz.vmdk > /dev/null 2> fuzz.err || rc=$?
      case $rc in
        0|1) ;;
        *) cp fuzz.vmdk "$TMPDIR/vmdk-fuzz-crash.vmdk" 2>/dev/null || :
           fail "$img damage $i: blktool $cmd exited $rc: $(head -c 2000 fuzz.err)" ;;
      esac
      ! grep -q 'Sanitizer\|runtime error' fuzz.err ||
        fail "$img damage $i: $(head -c 2000 fuzz.err)"
    done
  done
  echo "ok random damage of $img"
done

# Random damage of a text descriptor with every kind of line (parent,
# FLAT, ZERO, SPARSE, RDONLY): characters replaced by quotes, blanks,
# newlines, digits, NULs.  Damaged sizes can be huge, so read only the
# map and the first 64 KiB.
truncate -s 1M x.raw
cid=$(grep -a -o 'CID=[0-9a-f]*' small.vmdk | head -1 | cut -d= -f2)
printf '# Disk DescriptorFile\nversion=1\nencoding="UTF-8"\nCID=1234abcd\nparentCID=%s\ncreateType="custom"\nparentFileNameHint="small.vmdk"\n\n# Extent description\nRW 2048 FLAT "x.raw" 0\nRW 1024 ZERO\nRW 8192 SPARSE "small.vmdk"\nRDONLY 512 FLAT "x.raw" 100\n\n# The Disk Data Base\n#DDB\nddb.adapterType = "lsilogic"\n' \
  "$cid" > multi.vmdk
"$BLKTOOL" map multi.vmdk > /dev/null || fail "multi.vmdk does not open"
for i in $(seq 1 100); do
  python3 - multi.vmdk fuzz-desc.vmdk "$i" <<'PY'
import random, sys
d = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(int(sys.argv[3]))
for _ in range(max(1, len(d) // 100)):
    d[r.randrange(len(d))] = r.choice(b'"= \n\r\t#0123456789abcdefRWZ\0xyz-./')
open(sys.argv[2], 'wb').write(d)
PY
  for args in "map fuzz-desc.vmdk" "read fuzz-desc.vmdk 0 65536"; do
    rc=0
    timeout 120 env "$noleak" "$BLKTOOL" -f vmdk $args > /dev/null 2> fuzz.err || rc=$?
    case $rc in 0|1) ;; *) fail "descriptor damage $i: blktool $args exited $rc: $(head -c 2000 fuzz.err)" ;; esac
    ! grep -q 'Sanitizer\|runtime error' fuzz.err || fail "descriptor damage $i: $(head -c 2000 fuzz.err)"
  done
done
echo "ok random damage of a descriptor"
echo ok
