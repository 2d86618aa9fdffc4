#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: converting appliance archives with v2kvm (verify + convert
# in one run, nothing extracted) against the shell pipeline people use,
# in the same run on the same files:
#   OVA: tar x  +  sha256sum -c MANIFEST  +  qemu-img convert -O qcow2
#   XVA: tar x  +  sha1sum -c (block checksums)  +  dd the blocks into a
#        raw file  +  qemu-img convert -O qcow2
# Prints a markdown table: median wall time of RUNS runs, peak RSS (/usr/bin/time -v; for a
# pipeline the largest of its steps) and scratch space (bytes allocated
# on disk by extracted files / temporaries; v2kvm's TMPDIR is measured
# too).  Each output is checked with qemu-img compare.  Not a test: no
# thresholds.  The page cache is not dropped: both sides read warm files.
#
#   bench/archive.sh [DIR]       (default /var/tmp/v2kvm-bench-archive)
#   SIZE_GIB=4 RUNS=3 ...
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
V2KVM=${V2KVM:-$PWD/v2kvm}
DIR=${1:-/var/tmp/v2kvm-bench-archive}
SIZE_GIB=${SIZE_GIB:-4}
RUNS=${RUNS:-3}
SEG=$((64 * 1048576))
# The XVA metadata template: OVA_XML, else the corpus sample (CORPUS, see
# tests/README.tests).
OVA_XML=${OVA_XML:-${CORPUS:?set OVA_XML or CORPUS}/xva-tools/ova.xml}

[ -x /usr/bin/time ] || scripts/install-deps.sh
[ -x "$V2KVM" ] || { echo "build v2kvm first" >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"

# The guest disk: SIZE_GIB, 64 MiB segments cycling binaries (/usr/lib as
# tar streams it), pseudo-random bytes, text (/usr/share), holes.
make_disk () {
  local nseg=$((SIZE_GIB * 1024 / 64)) b=0 r=0 t=0
  [ -f disk.raw ] && [ "$(stat -c %s disk.raw)" = $((SIZE_GIB << 30)) ] && return
  echo "building disk.raw ($SIZE_GIB GiB)..." >&2
  tar -cf - /usr/lib 2>/dev/null | head -c $((nseg / 4 * SEG + SEG)) > bin.pool || :
  tar -cf - /usr/share 2>/dev/null | head -c $((nseg / 4 * SEG + SEG)) > text.pool || :
  openssl enc -aes-128-ctr -nosalt -pass pass:bench -pbkdf2 </dev/zero 2>/dev/null |
    head -c $((nseg / 4 * SEG + SEG)) > rand.pool || :
  truncate -s $((SIZE_GIB << 30)) disk.raw
  for ((i = 0; i < nseg; i++)); do
    case $((i % 4)) in
      0) dd if=bin.pool of=disk.raw bs=1M count=64 skip=$((b * 64)) seek=$((i * 64)) conv=notrunc status=none; b=$((b + 1)) ;;
      1) dd if=rand.pool of=disk.raw bs=1M count=64 skip=$((r * 64)) seek=$((i * 64)) conv=notrunc status=none; r=$((r + 1)) ;;
      2) dd if=text.pool of=disk.raw bs=1M count=64 skip=$((t * 64)) seek=$((i * 64)) conv=notrunc status=none; t=$((t + 1)) ;;
    esac
  done
  rm -f ./*.pool
}

make_ova () {
  [ -f vm.ova ] && return
  echo "building vm.ova..." >&2
  qemu-img convert -f raw -O vmdk -o subformat=streamOptimized disk.raw disk1.vmdk
  cat > vm.ovf <<OVF
<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="f1" ovf:href="disk1.vmdk"/></References>
  <DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="$SIZE_GIB" ovf:capacityAllocationUnits="byte * 2^30"/></DiskSection>
</Envelope>
OVF
  sha256sum --tag vm.ovf disk1.vmdk > vm.mf      # "SHA256 (f) = h"
  tar --format=ustar -cf vm.ova vm.ovf vm.mf disk1.vmdk
  rm -f disk1.vmdk vm.ovf vm.mf
}

make_xva () {
  [ -f vm.xva ] && return
  echo "building vm.xva..." >&2
  python3 "$SRC/tests/xva-gen.py" "$OVA_XML" vm.xva Ref:1736=disk.raw
}

# timed CMD...: run it, append "seconds rss_kib" to $DIR/steps
timed () {
  /usr/bin/time -f '%e %M' -o time.txt "$@" > /dev/null 2> err.txt ||
    { cat err.txt >&2; exit 1; }
  tail -1 time.txt >> steps
}
# sum of seconds, max of RSS over the steps
total () { awk '{ s += $1; if ($2 > m) m = $2 } END { printf "%.1f %d", s, m }' steps; }
mib () { echo $(( ($1 + 524288) / 1048576 )); }
allocated () { du -s -B1 "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

ova_ours () {
  rm -rf out.qcow2 tmp steps; mkdir tmp
  TMPDIR=$DIR/tmp timed "$V2KVM" disk convert vm.ova out.qcow2
  scratch=$(allocated tmp)
}
ova_shell () {
  rm -rf out.qcow2 x steps; mkdir x
  timed tar -xf vm.ova -C x
  scratch=$(allocated x)
  timed sh -c 'cd x && sha256sum -c --quiet vm.mf'
  timed qemu-img convert -O qcow2 x/disk1.vmdk out.qcow2
  rm -rf x
}
xva_ours () {
  rm -rf out.qcow2 tmp steps; mkdir tmp
  TMPDIR=$DIR/tmp timed "$V2KVM" disk convert vm.xva out.qcow2
  scratch=$(allocated tmp)
}
xva_shell () {
  rm -rf out.qcow2 x steps; mkdir x
  timed tar -xf vm.xva -C x
  timed sh -c 'cd x && for c in Ref:1736/*.checksum; do
      printf "%s  %s\n" "$(cat "$c")" "${c%.checksum}"; done > sums &&
    sha1sum -c --quiet sums'
  timed bash -c 'cd x && truncate -s '$((SIZE_GIB << 30))' disk.raw &&
    for b in Ref:1736/[0-9]*[0-9]; do
      dd if="$b" of=disk.raw bs=1M seek=$((10#${b#Ref:1736/})) conv=notrunc,sparse status=none
    done'
  scratch=$(allocated x)
  timed qemu-img convert -O qcow2 x/disk.raw out.qcow2
  rm -rf x
}

make_disk
make_ova
make_xva
declare -A rows
for ((run = 1; run <= RUNS; run++)); do
  for case in ova_ours ova_shell xva_ours xva_shell; do
    sync
    $case
    read -r secs rss <<< "$(total)"
    qemu-img compare -q -F raw out.qcow2 disk.raw || { echo "$case: output differs" >&2; exit 1; }
    rows[$case]+="$secs $((rss / 1024)) $(mib "$scratch")"$'\n'
    echo "run $run: $case ${secs}s" >&2
  done
done
# The median run (by wall time) of each case.
echo "| input | tool | wall s (median of $RUNS) | peak RSS MiB | scratch MiB |"
echo "|---|---|---|---|---|"
for case in ova_ours ova_shell xva_ours xva_shell; do
  read -r secs rss scr <<< "$(printf '%s' "${rows[$case]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")"
  echo "| ${case%_*} ($(mib "$(stat -c %s vm.${case%_*})") MiB) | $([ "${case#*_}" = ours ] && echo "v2kvm disk convert" || echo "tar x + sha*sum -c + qemu-img convert") | $secs | $rss | $scr |"
done
rm -f out.qcow2 time.txt err.txt steps
