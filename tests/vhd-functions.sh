# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by the tests/test-vhd-*.sh scripts (sourced after
# functions.sh and vmdk-functions.sh, whose gen/put/same_as_qemu/
# expect_type they use).

# vhdpatch FILE WHAT OFFSET FMT VALUE [keep]: overwrite a big-endian field
# (struct.pack('>FMT', VALUE); FMT "4s" takes a string) of the footer
# (WHAT=footer: both copies, at the end and at offset 0 when there is
# one), of the dynamic header (WHAT=dyn) or at an absolute offset
# (WHAT=abs), then recompute the checksums of what was changed unless
# the 6th argument is "keep".
vhdpatch () {
  python3 - "$@" <<'PY'
import struct, sys
path, what, off, fmt, value = sys.argv[1:6]
keep = len(sys.argv) > 6 and sys.argv[6] == "keep"
off = int(off, 0)
value = value.encode() if fmt.endswith("s") else int(value, 0)
f = open(path, "r+b"); data = bytearray(f.read())
def csum(b, at):
    b[at:at+4] = b"\0\0\0\0"
    b[at:at+4] = struct.pack(">I", ~sum(b) & 0xffffffff)
def patch_struct(start, length, at):
    b = data[start:start+length]
    struct.pack_into(">" + fmt, b, off, value)
    if not keep: csum(b, at)
    data[start:start+length] = b
if what == "footer":
    patch_struct(len(data) - 512, 512, 64)
    if data[0:8] == b"conectix": patch_struct(0, 512, 64)
elif what == "dyn":
    dyn = struct.unpack(">Q", data[len(data)-512+16:len(data)-512+24])[0]
    patch_struct(dyn, 1024, 36)
else:
    struct.pack_into(">" + fmt, data, off, value)
f.seek(0); f.write(data); f.truncate()
PY
}

# vhdget FILE WHAT OFFSET FMT: read a big-endian field (WHAT as above).
vhdget () {
  python3 - "$@" <<'PY'
import struct, sys
path, what, off, fmt = sys.argv[1:5]
data = open(path, "rb").read(); off = int(off, 0)
base = {"footer": len(data) - 512, "abs": 0}.get(what)
if base is None:
    base = struct.unpack(">Q", data[len(data)-512+16:len(data)-512+24])[0]
print(struct.unpack_from(">" + fmt, data, base + off)[0])
PY
}

# vhdfails FILE CODE REGEX: `v2kvm disk info FILE` exits CODE with one
# error line naming FILE and matching REGEX after the name.
vhdfails () {
  expect_exit "$2" "$V2KVM" disk info "$1"
  expect_error_match "'$1'?: .*$3"
  echo "ok $1: $ERR"
}

# same_as_qemu_f FMT IMAGE: our decoding equals `qemu-img convert -f FMT`
# (a fixed VHD has no magic at offset 0: qemu-img would probe it as raw).
same_as_qemu_f () {
  local ours theirs
  ours=$("$BLKTOOL" sha256 "$2") || fail "blktool sha256 $2 failed"
  rm -f "$TMP/oracle.raw"
  "$QEMU_IMG" convert -f "$1" -O raw "$2" "$TMP/oracle.raw" || fail "qemu-img convert $2"
  theirs="$(sha256sum < "$TMP/oracle.raw" | cut -d' ' -f1)  $(stat -c %s "$TMP/oracle.raw")"
  rm -f "$TMP/oracle.raw"
  [ "$ours" = "$theirs" ] || fail "$2: blktool says '$ours', qemu-img says '$theirs'"
  echo "ok $(basename "$2"): $ours"
}

# expect_read_error IMAGE REGEX: blktool sha256 fails (exit 1) with one
# line that names the image and matches REGEX (damage only a read meets).
expect_read_error () {
  local got=0
  timeout 120 env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" \
    "$BLKTOOL" sha256 "$1" > /dev/null 2> read.err || got=$?
  [ "$got" = 1 ] || fail "blktool sha256 $1 exited $got: $(cat read.err)"
  [ "$(grep -vc 'warning:' read.err)" = 1 ] || fail "$1: not one error line: $(cat read.err)"
  grep -q "'$1'" read.err || fail "$1: error does not name the file: $(cat read.err)"
  grep -Eq -- "$2" read.err || fail "$1: error '$(cat read.err)' does not match /$2/"
  echo "ok $1: $(cat read.err)"
}

# damage_loop N IMAGE...: N copies of each image with ~1% of the bytes
# flipped (seeds 1..N); blktool sha256 must exit 0 or 1 on each, never
# crash (a sanitizer report exits 86/87) or hang.  Crashing copies are
# kept as crash-IMAGE-SEED.
damage_loop () {
  local n=$1 img i rc crashes=0 runs=0
  shift
  for img in "$@"; do
    for i in $(seq 1 "$n"); do
      cp "$img" dmg.img
      python3 -c 'import random, sys
random.seed(int(sys.argv[2]))
f = open(sys.argv[1], "r+b"); d = bytearray(f.read())
for _ in range(max(1, len(d) // 100)):
    d[random.randrange(len(d))] ^= 1 << random.randrange(8)
f.seek(0); f.write(d)' dmg.img "$i"
      rc=0
      timeout 120 env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" \
        "$BLKTOOL" -f "${img##*.}" sha256 dmg.img > /dev/null 2> dmg.err || rc=$?
      runs=$((runs + 1))
      case $rc in
        0|1) ;;
        *) crashes=$((crashes + 1)); cp dmg.img "crash-$img-$i"
           echo "damaged $img seed $i: exit $rc: $(tail -3 dmg.err)" ;;
      esac
    done
  done
  [ $crashes = 0 ] || fail "$crashes of $runs damaged images crashed blktool"
  echo "ok: $runs damaged images, no crash"
}
