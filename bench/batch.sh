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
#   bench/batch.sh [DIR]        (default /var/tmp/v2kvm-bench-batch)
#   P=auto                      batch's -P
#   V2KVM_ARGS="--accel tcg"    extra convert options (in the plan too)
set -euo pipefail
cd "$(dirname "$0")/.."
V2KVM=${V2KVM:-$PWD/v2kvm}
DIR=${1:-/var/tmp/v2kvm-bench-batch}
P=${P:-auto}
V2KVM_ARGS=${V2KVM_ARGS:---accel tcg}
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
for t in python3 jq qemu-img; do
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
echo "bench: $(nproc) cores, $(awk '/MemAvailable/ {printf "%.1f GiB available", $2/1048576}' /proc/meminfo)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" | tee "$DIR/res/env.txt" >&2

echo "bench: 8 sequential converts" >&2
python3 bench/measure-tree.py "$DIR/res/seq.json" "$DIR/res/seq.log" bash "$DIR/seq.sh" || :
echo "bench: batch -P $P" >&2
python3 bench/measure-tree.py "$DIR/res/batch.json" "$DIR/res/batch.log" \
  "$V2KVM" batch "$plan" -P "$P" --state "$DIR/state" || :
grep -a 'at once' "$DIR/res/batch.log" >&2 || :

row () {
  jq -r --arg n "$1" '"| \($n) | \(.rc) | \(.wall_s) | \(.peak_rss_kib / 1024 | floor) | \(.peak_pss_kib / 1024 | floor) |"' "$2"
}
{
  echo "| run | exit | wall s | peak RSS MiB | peak PSS MiB |"
  echo "|---|---|---|---|---|"
  row "8 x convert, one after another" "$DIR/res/seq.json"
  row "batch -P $P" "$DIR/res/batch.json"
  echo
  echo "batch / sequential wall time: $(jq -n --slurpfile s "$DIR/res/seq.json" \
    --slurpfile b "$DIR/res/batch.json" '$b[0].wall_s / $s[0].wall_s * 100 | floor / 100')"
  echo "outputs: sequential $(ls "$DIR/seq"/*.qcow2 | wc -l), batch $(ls "$DIR/batch"/*.qcow2 | wc -l) disks"
} | tee "$DIR/res/table.txt"
