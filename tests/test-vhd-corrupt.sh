#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Corrupt and hostile VHDs: each damaged field gives one error line
# naming the file (v2kvm exit 3, or 4 for an unsupported disk type), and
# random damage never crashes or hangs blktool.  Run it under ASan+UBSan.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" python3 timeout
cd "$TMP"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87"

"$QEMU_IMG" create -q -f vpc -o subformat=dynamic dyn.vhd 8M
"$QEMU_IO" -f vpc -c 'write -P 0x21 0 1M' -c 'write -P 0x22 5M 64k' dyn.vhd > /dev/null
"$QEMU_IMG" convert -f vpc -O vpc -o subformat=fixed dyn.vhd fixed.vhd
bat=$(vhdget dyn.vhd dyn 16 Q)
"$BLKTOOL" sha256 dyn.vhd > /dev/null || fail "dyn.vhd unreadable"

# bad NAME BASE WHAT OFFSET FMT VALUE CODE REGEX [keep]
bad () {
  cp "$2" "$1.vhd"
  vhdpatch "$1.vhd" "$3" "$4" "$5" "$6" ${9:-}
  vhdfails "$1.vhd" "$7" "$8"
}
bad bat-offset dyn.vhd dyn 16 Q 0x7fffffffffffffff 3 "block allocation table .* past the end"
bad bat-entries dyn.vhd dyn 28 I 0xffffffff 3 "block allocation table has 4294967295 entries"
bad bat-small dyn.vhd dyn 28 I 1 3 "block allocation table has 1 entries of 2097152 bytes"
bad bat-entry dyn.vhd abs $bat I 0x7fffff00 3 "block allocation table entry 0 .* past the end"
bad block-odd dyn.vhd dyn 32 I 3000000 3 "block size 3000000 is not a power of two"
bad block-zero dyn.vhd dyn 32 I 0 3 "block size 0 is not a power of two"
bad block-huge dyn.vhd dyn 32 I 0x80000000 3 "block size 2147483648 is not a power of two between"
bad dyn-cookie dyn.vhd dyn 0 8s notsparse 3 "no dynamic header"
bad dyn-offset dyn.vhd footer 16 Q 0xfffffffffffff000 3 "dynamic header offset .* past the end"
# Hyper-V's creator: the size is current_size, not the geometry.
cp dyn.vhd win.vhd; vhdpatch win.vhd footer 28 4s "win "
bad size-huge win.vhd footer 48 Q 0xffffffffffffff00 3 "virtual size .* larger than"
bad size-bat win.vhd footer 48 Q $((1 << 40)) 3 "block allocation table has 5 entries"
bad type-5 dyn.vhd footer 60 I 5 4 "VHD disk type 5 is not supported"
cp fixed.vhd fixedwin.vhd; vhdpatch fixedwin.vhd footer 28 4s "win "
bad fixed-size fixedwin.vhd footer 48 Q 0x10000000 3 "holds only"
bad fixed-csum fixed.vhd footer 64 I 0x12345678 3 "footer checksum is wrong .* no identical copy" keep
# Only the copy at the end damaged: the copies differ, so an error.
bad tail-csum dyn.vhd abs $(($(stat -c %s dyn.vhd) - 512 + 40)) Q 1 3 "footer checksum is wrong"

# Truncations: inside the data (the copy at offset 0 is used, then the
# BAT points past the end), to the headers, and a fixed disk without
# its footer (read with --format vhd, else it would be raw).
for n in $(( $(stat -c %s dyn.vhd) - 4096 )) 1800 700; do
  head -c $n dyn.vhd > trunc-$n.vhd
  vhdfails trunc-$n.vhd 3 "past the end|too small|no VHD footer"
done
head -c 100 dyn.vhd > tiny.vhd
expect_exit 3 "$V2KVM" disk info --format vhd tiny.vhd
expect_error_match "'tiny.vhd': file is too small"
head -c $(( $(stat -c %s fixed.vhd) - 512 )) fixed.vhd > nofooter.vhd
expect_exit 3 "$V2KVM" disk info --format vhd nofooter.vhd
expect_error_match "'nofooter.vhd': no VHD footer"

# A differencing disk whose locator points past the end of the file.
truncate -s 1M c.raw; put c.raw 0 c 1M
python3 "$srcdir/vhd-gen.py" diff.vhd --size 8388608 --raw c.raw --ranges 0:4096 \
  --block 4096 --parent dyn.vhd --locator 'W2ru:.\dyn.vhd'
"$BLKTOOL" sha256 diff.vhd > /dev/null || fail "diff.vhd unreadable"
bad locator diff.vhd dyn 592 Q 0x7fffffffff 3 "parent locator 0 .* past the end"
bad locator-len diff.vhd dyn 584 I 0x7fffffff 3 "parent locator 0 .* too long"

# Random damage: flip ~1% of the bytes; blktool must exit 0 or 1.
python3 "$srcdir/vhd-gen.py" small.vhd --size 262144 --raw c.raw --ranges 0:8192,100352:20480 --block 4096
"$QEMU_IMG" create -q -f vpc -o subformat=fixed smallfixed.vhd 64k
damage_loop 34 small.vhd diff.vhd smallfixed.vhd
