# SPDX-License-Identifier: BSD-3-Clause
# tests/output-functions.sh: helpers for the output tests (sourced after
# functions.sh).
#   $OUTTOOL                     tests/outtool (drives an output like convert)
#   make_disk FILE FMT SIZE SEED a disk image made by qemu-img with three
#                                qemu-io pattern writes derived from SEED
#                                (1 MiB at 0, 64 KiB at 5 MiB, 4 KiB at the
#                                end), the rest unallocated
#   same_disk A B                qemu-img compare says A and B hold the same
#                                guest-visible bytes (formats probed)
#   vsize FILE                   virtual size, from qemu-img info
#   img_format FILE              format, from qemu-img info
: "${OUTTOOL:=${top_builddir:-$srcdir/..}/tests/outtool}"
requires "$QEMU_IMG" "$QEMU_IO" jq

make_disk () {
  local f=$1 fmt=$2 size=$3 seed=$4
  "$QEMU_IMG" create -q -f "$fmt" "$f" "$size" || fail "qemu-img create $f"
  "$QEMU_IO" -f "$fmt" \
    -c "write -P $((seed % 256)) 0 1M" \
    -c "write -P $(((seed + 1) % 256)) 5M 64k" \
    -c "write -P $(((seed + 2) % 256)) $(($(numfmt --from=iec "$size") - 4096)) 4k" \
    "$f" >/dev/null || fail "qemu-io $f"
}

same_disk () {
  "$QEMU_IMG" compare -q "$1" "$2" || fail "'$1' and '$2' differ (qemu-img compare)"
}

vsize () {
  "$QEMU_IMG" info --output=json "$1" | jq -r '.["virtual-size"]'
}

img_format () {
  "$QEMU_IMG" info --output=json "$1" | jq -r .format
}
