#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: 8 guests through `v2kvm batch PLAN -P auto` against the same
# 8 `v2kvm convert` runs one after another, in the same run.
#
# The guests are the real test guests' conversion inputs
# (tests/guests/make-inputs.sh, cached): vmware vmx, vmware ova, xen disk,
# xen xl, xen libvirtxml, xen vhd, xen xva, and vmware vmx a second time
# under another name; all `-o local -of qcow2 -on NAME --accel tcg`.
# Each side is run under bench/measure-tree.py (wall time, peak RSS and
# PSS of the whole process tree, sampled every 0.5 s).  Prints a markdown
# table and the batch/sequential ratio (goal: at most 0.6 on 2 cores).
# Not a test: no thresholds.
#
# Bounded: each side gets at most LIMIT seconds (timeout(1) sends SIGINT
# to its process group: both v2kvm convert and batch stop cleanly, exit
# 130, and the table says "stopped at LIMIT s" with the guests each side
# finished by then, so a loaded machine still yields a result).  What
# the two sides share is set up before either is timed: the inputs are
# built (cached), the libguestfs appliance is built once by a throwaway
# launch (libguestfs keeps it in its cache for every later launch), and
# the KVM probe's answer is cached per host (convert/accel.h); with the
# default --accel tcg no probe runs at all.  The load average and free
# memory before and after each side are recorded: the machine may be
# shared.
#
#   bench/batch.sh [DIR]        (default /var/tmp/v2kvm-bench-batch)
#   P=auto                      batch's -P
#   V2KVM_ARGS="--accel tcg"    extra convert options (in the plan too)
#   LIMIT=2400                  seconds each side may take
set -euo pipefail
cd "$(dirname "$0")/.."
V2KVM=${V2KVM:-$PWD/v2kvm}
DIR=${1:-/var/tmp/v2kvm-bench-batch}
P=${P:-auto}
V2KVM_ARGS=${V2KVM_ARGS:---accel tcg}
LIMIT=${LIMIT:-2400}
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
for t in python3 jq qemu-img guestfish timeout; do
  command -v "$t" >/dev/null || { echo "bench: '$t' is missing" >&2; exit 1; }
done
[ -x "$V2KVM" ] || { echo "bench: build v2kvm first" >&2; exit 1; }

rm -rf "$DIR"
mkdir -p "$DIR/seq" "$DIR/batch" "$DIR/res"
plan=$DIR/plan
echo "defaults -o local -os $DIR/batch -of qcow2 $V2KVM_ARGS" >"$plan"
: >"$DIR/seq.sh"
n=0
for c in "vmware vmx" "vmware ova" "xen disk" "xen xl" "xen libvirtxml" \
         "xen vhd" "xen xva" "vmware vmx"; do
  n=$((n + 1))
  set -- $c
  type=$(tests/guests/make-inputs.sh "$1" "$2" --print-type)
  src=$(tests/guests/make-inputs.sh "$1" "$2")
  echo "-i $type '$src' -on g$n-$1-$2" >>"$plan"
  echo "'$V2KVM' -q convert -i $type '$src' -o local -os '$DIR/seq' -of qcow2 -on g$n-$1-$2 $V2KVM_ARGS || exit \$?" >>"$DIR/seq.sh"
done
env_line () {
  echo "$(awk '/MemAvailable/ {printf "%.1f GiB available", $2/1048576}' /proc/meminfo)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
}
echo "bench: $(nproc) cores, $(env_line)" | tee "$DIR/res/env.txt" >&2

# shared set-up, not timed: the appliance built once (libguestfs' cache)
guestfish -a /dev/null run >/dev/null 2>&1 ||
  echo "bench: a throwaway appliance launch failed; continuing" >&2

side () {                       # NAME CMD...: one side, at most LIMIT s
  local name=$1; shift
  echo "bench: $name: before: $(env_line)" | tee -a "$DIR/res/env.txt" >&2
  python3 bench/measure-tree.py "$DIR/res/$name.json" "$DIR/res/$name.log" \
    timeout -s INT -k 120 "$LIMIT" "$@" || :
  echo "bench: $name: after: $(env_line)" | tee -a "$DIR/res/env.txt" >&2
}
echo "bench: 8 sequential converts" >&2
side seq bash "$DIR/seq.sh"
echo "bench: batch -P $P" >&2
side batch "$V2KVM" batch "$plan" -P "$P" --state "$DIR/state"
grep -a 'at once' "$DIR/res/batch.log" | tee -a "$DIR/res/env.txt" >&2 || :

outputs () { ls "$DIR/$1" 2>/dev/null | grep -c '\.qcow2$' || :; }
row () {
  jq -r --arg n "$1" --arg lim "$LIMIT" --arg done "$3" '"| \($n) | \(if .rc == 124 or .rc == 130 then "stopped at \($lim) s" else .rc end) | \($done)/8 | \(.wall_s) | \(.peak_rss_kib / 1024 | floor) | \(.peak_pss_kib / 1024 | floor) |"' "$2"
}
{
  echo "| run | exit | guests converted | wall s | peak RSS MiB | peak PSS MiB |"
  echo "|---|---|---|---|---|---|"
  row "8 x convert, one after another" "$DIR/res/seq.json" "$(outputs seq)"
  row "batch -P $P" "$DIR/res/batch.json" "$(outputs batch)"
  echo
  if [ "$(jq .rc "$DIR/res/seq.json")" = 0 ] && [ "$(jq .rc "$DIR/res/batch.json")" = 0 ]; then
    echo "batch / sequential wall time: $(jq -n --slurpfile s "$DIR/res/seq.json" \
      --slurpfile b "$DIR/res/batch.json" '$b[0].wall_s / $s[0].wall_s * 100 | floor / 100')"
  else
    echo "batch / sequential wall time: not comparable (a side was stopped at $LIMIT s)"
  fi
  cat "$DIR/res/env.txt"
} | tee "$DIR/res/table.txt"
