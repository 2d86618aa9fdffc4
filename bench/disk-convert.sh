#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `v2kvm disk convert -O qcow2` against `qemu-img convert -O
# qcow2` (and -c against -c) on the same guest-like image in several
# input formats, in the same run.  Prints a markdown table: median wall
# time of RUNS runs, the ratio qemu-img/v2kvm (> 1: v2kvm is faster) and
# the peak RSS (/usr/bin/time -v).  qemu-img convert does not flush its
# output (cache=unsafe) while v2kvm fsyncs it, so qemu-img is also timed
# with a `sync FILE` after it (same durability), and both ratios shown.  Each output is checked once with
# qemu-img compare.  Not a test: no thresholds.
#
#   bench/disk-convert.sh [DIR]      (default /var/tmp/v2kvm-bench)
#   SIZE_GIB=4 RUNS=3 FORMATS="stream sparse vhd raw" MODES="plain c" ...
#
# The image: SIZE_GIB virtual, in 64 MiB segments cycling through 8 kinds
# (two of binaries from /usr/lib as tar streams them, one of text from
# /usr/share, one of pseudo-random bytes, one half zero-filled (allocated
# zeros) and three holes): about 56% allocated, a realistic mix of
# compressible and incompressible data.
set -euo pipefail
cd "$(dirname "$0")/.."
V2KVM=${V2KVM:-$PWD/v2kvm}
DIR=${1:-/var/tmp/v2kvm-bench}
SIZE_GIB=${SIZE_GIB:-4}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-"stream sparse vhd raw"}
MODES=${MODES:-"plain c"}
SEG=$((64 * 1048576))

[ -x /usr/bin/time ] || scripts/install-deps.sh
[ -x "$V2KVM" ] || { echo "build v2kvm first" >&2; exit 1; }
mkdir -p "$DIR"

make_image () {
  local img=$DIR/guest.raw nseg=$((SIZE_GIB * 1024 / 64)) b=0 t=0 r=0
  [ -f "$img" ] && [ "$(stat -c %s "$img")" = $((SIZE_GIB << 30)) ] && return
  echo "building $img ($SIZE_GIB GiB)..." >&2
  tar -cf - /usr/lib 2>/dev/null | head -c $((nseg / 4 * SEG + SEG)) >"$DIR/bin.pool" || :
  tar -cf - /usr/share 2>/dev/null | head -c $((nseg / 8 * SEG + SEG)) >"$DIR/text.pool" || :
  openssl enc -aes-128-ctr -nosalt -pass pass:bench -pbkdf2 </dev/zero 2>/dev/null |
    head -c $((nseg / 8 * SEG + SEG)) >"$DIR/rand.pool" || :
  rm -f "$img"
  truncate -s $((SIZE_GIB << 30)) "$img"
  for ((i = 0; i < nseg; i++)); do
    case $((i % 8)) in
      0|1) dd if="$DIR/bin.pool" of="$img" bs=1M count=64 skip=$((b * 64)) seek=$((i * 64)) conv=notrunc status=none; b=$((b + 1)) ;;
      2) dd if="$DIR/text.pool" of="$img" bs=1M count=64 skip=$((t * 64)) seek=$((i * 64)) conv=notrunc status=none; t=$((t + 1)) ;;
      3) dd if="$DIR/rand.pool" of="$img" bs=1M count=64 skip=$((r * 64)) seek=$((i * 64)) conv=notrunc status=none; r=$((r + 1)) ;;
      4) dd if=/dev/zero of="$img" bs=1M count=32 seek=$((i * 64)) conv=notrunc status=none ;;
    esac
  done
  rm -f "$DIR"/*.pool
}

# input FORMAT -> path (made once from guest.raw with qemu-img)
input () {
  case $1 in
    raw) echo "$DIR/guest.raw" ;;
    stream) echo "$DIR/guest-stream.vmdk" ;;
    sparse) echo "$DIR/guest-sparse.vmdk" ;;
    vhd) echo "$DIR/guest.vhd" ;;
  esac
}
make_input () {
  local f=$1 p
  p=$(input "$f")
  [ -f "$p" ] && return
  echo "building $p..." >&2
  case $f in
    stream) qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$DIR/guest.raw" "$p" ;;
    sparse) qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$DIR/guest.raw" "$p" ;;
    vhd) qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$DIR/guest.raw" "$p" ;;
  esac
}
qfmt () { case $1 in raw) echo raw ;; stream|sparse) echo vmdk ;; vhd) echo vpc ;; esac; }
vfmt () { case $1 in raw) echo raw ;; stream|sparse) echo vmdk ;; vhd) echo vhd ;; esac; }

# timed OUTFILE CMD...: run, print "seconds maxrss_kib"
timed () {
  local out=$1; shift
  rm -f "$out"
  sync
  /usr/bin/time -v -o "$DIR/time.txt" "$@" >/dev/null 2>"$DIR/err.txt" ||
    { cat "$DIR/err.txt" >&2; echo "FAILED: $*" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
                for (i = 1; i <= n; i++) s = s * 60 + a[i]; t = s }
              /Maximum resident set size/ { m = $2 }
              END { printf "%.2f %d\n", t, m }' "$DIR/time.txt"
}
median () { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

make_image
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM; $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| input | mode | qemu-img s | qemu-img + sync s | v2kvm s | (qemu-img + sync) / v2kvm | qemu-img / v2kvm | qemu-img RSS MiB | v2kvm RSS MiB | qemu-img out MiB | v2kvm out MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for f in $FORMATS; do
  make_input "$f"
  in=$(input "$f")
  if ! "$V2KVM" -q disk info -f "$(vfmt "$f")" "$in" >/dev/null 2>&1; then
    echo "| $f | (no v2kvm reader for this format yet) | | | | | | | | | |"
    continue
  fi
  for m in $MODES; do
    c=; [ "$m" = c ] && c=-c
    qt=() qst=() vt=() qr=0 vr=0
    for ((k = 0; k < RUNS; k++)); do
      read -r t rss < <(timed "$DIR/q.qcow2" qemu-img convert -f "$(qfmt "$f")" -O qcow2 $c "$in" "$DIR/q.qcow2")
      qt+=("$t"); [ "$rss" -gt "$qr" ] && qr=$rss
      # qemu-img convert writes its target with cache=unsafe (no flush);
      # v2kvm fsyncs before renaming.  Same durability: add a sync.
      s0=$(date +%s.%N); sync "$DIR/q.qcow2"; s1=$(date +%s.%N)
      qst+=("$(echo "$t + $s1 - $s0" | bc -l)")
      read -r t rss < <(timed "$DIR/v.qcow2" "$V2KVM" -q disk convert -f "$(vfmt "$f")" $c "$in" "$DIR/v.qcow2")
      vt+=("$t"); [ "$rss" -gt "$vr" ] && vr=$rss
    done
    qemu-img compare -q -f qcow2 -F qcow2 "$DIR/q.qcow2" "$DIR/v.qcow2" ||
      { echo "outputs differ for $f $m" >&2; exit 1; }
    qm=$(median "${qt[@]}") qsm=$(median "${qst[@]}") vm=$(median "${vt[@]}")
    printf '| %s | %s | %s | %.2f | %s | %.2f | %.2f | %d | %d | %d | %d |\n' "$f" \
      "${c:--}" "$qm" "$qsm" "$vm" "$(echo "$qsm / $vm" | bc -l)" \
      "$(echo "$qm / $vm" | bc -l)" $((qr / 1024)) $((vr / 1024)) \
      $(( $(stat -c %s "$DIR/q.qcow2") >> 20 )) $(( $(stat -c %s "$DIR/v.qcow2") >> 20 ))
  done
done
rm -f "$DIR/q.qcow2" "$DIR/v.qcow2" "$DIR/time.txt" "$DIR/err.txt"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
