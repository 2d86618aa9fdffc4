#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `v2kvm convert` against virt-v2v 2.x on the real test guests
# (tests/guests: make-inputs.sh builds and caches the inputs), in the same
# run, one conversion at a time:
#
#   case      input (make-inputs.sh)   virt-v2v           v2kvm
#   vmx       vmware vmx               -i vmx X.vmx       -i vmx X.vmx
#   ova       vmware ova               -i ova X.ova       -i ova X.ova
#   xen-disk  xen disk (the raw image) -i disk X.img      -i disk X.img
#   xen-xl    xen xl (xl.cfg)          (no -i xl)         -i xl X.cfg
#   xen-libvirtxml  xen libvirtxml     -i libvirtxml X.xml  -i libvirtxml X.xml
#   xen-vhd   xen vhd (xl.cfg + VHD)   (no -i xl)         -i xl X.cfg
#   xen-xva   xen xva                  (no XVA input)     -i xva X.xva
#
# both with `-o local -os OUT -of qcow2 -on NAME`.  Per conversion:
#   - wall time, and per phase: virt-v2v's "[  12.3] Phase" lines,
#     v2kvm's --machine-readable {"type":"phase",...} lines (if it prints
#     them; times taken from the line if it carries one, else from when
#     the line arrived);
#   - peak memory of the whole process tree (qemu, nbdkit, qemu-img are
#     children): bench/measure-tree.py samples every 0.5 s the sum of RSS
#     and the sum of PSS (shared pages counted once) of all descendants;
#     the machine has cgroup v1 only and its memory cgroup belongs to the
#     session machinery, so no cgroup is created;
#   - output size: allocated KiB (du) and virtual size of the qcow2 files,
#     and the time a `sync` of them takes right after the tool exits (the
#     part of the writing the tool left to the page cache);
#   - whether the output boots to the guest's marker under TCG
#     (tests/guests/boot.sh OUT FLAVOR --disk-bus virtio --nic virtio,
#     with the MAC of the tool's domain XML when it has one),
#     with the time to the marker (or the failure line).
# Prints a markdown table with ratios virt-v2v / v2kvm (> 1: v2kvm is
# faster / smaller), then the phases.  Not a test: no thresholds.
#
#   bench/convert.sh [DIR]      (default /var/tmp/v2kvm-bench-convert)
#   CASES="vmx ova xen-disk xen-xl xen-libvirtxml xen-vhd xen-xva" TOOLS="virt-v2v v2kvm" BOOT=1
#   V2KVM_ARGS="--accel tcg"    extra `v2kvm convert` options
#
# Each conversion holds every tests/guests boot slot (boot-slots.sh)
# so that no test-guest boot runs beside it (fewer noisy neighbours);
# libguestfs runs with LIBGUESTFS_BACKEND=direct and
# LIBGUESTFS_BACKEND_SETTINGS=force_tcg (nested KVM is broken here).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
V2KVM=${V2KVM:-$SRC/v2kvm}
DIR=${1:-/var/tmp/v2kvm-bench-convert}
CASES=${CASES:-vmx ova xen-disk xen-xl xen-libvirtxml xen-vhd xen-xva}
TOOLS=${TOOLS:-virt-v2v v2kvm}
BOOT=${BOOT:-1}
V2KVM_ARGS=${V2KVM_ARGS:---accel tcg}
GUEST_CACHE=${V2KVM_GUEST_CACHE:-/var/tmp/v2kvm-guests}
. tests/guests/boot-slots.sh
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# virt-v2v 2.x needs nbdcopy/nbdinfo (libnbd-bin) besides itself.
if ! command -v virt-v2v >/dev/null || ! command -v nbdcopy >/dev/null; then
  apt-get install -y virt-v2v libnbd-bin
fi
for t in virt-v2v nbdcopy qemu-img qemu-system-x86_64 python3 jq flock; do
  command -v "$t" >/dev/null || { echo "bench: '$t' is missing" >&2; exit 1; }
done
[ -x "$V2KVM" ] || { echo "bench: build v2kvm first" >&2; exit 1; }
have_convert=0
"$V2KVM" --help 2>&1 | grep -q 'v2kvm convert' && have_convert=1
[ $have_convert = 1 ] || echo "bench: this v2kvm has no 'convert': v2kvm cells are n/a" >&2

mkdir -p "$DIR/out" "$DIR/res"
echo "bench: $(virt-v2v --version), $(qemu-system-x86_64 --version | head -1)," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" \
  | tee "$DIR/res/env.txt" >&2

input () {      # input CASE: sets flavor, src, v2v_i, ours_i
  case $1 in
    vmx) flavor=vmware kind=vmx v2v_i=vmx ours_i=vmx ;;
    ova) flavor=vmware kind=ova v2v_i=ova ours_i=ova ;;
    xen-disk) flavor=xen kind=disk v2v_i=disk ours_i=disk ;;
    xen-xl) flavor=xen kind=xl v2v_i= ours_i=xl ;;
    xen-libvirtxml) flavor=xen kind=libvirtxml v2v_i=libvirtxml ours_i=libvirtxml ;;
    xen-vhd) flavor=xen kind=vhd v2v_i= ours_i=xl ;;
    xen-xva) flavor=xen kind=xva v2v_i= ours_i=xva ;;
    *) echo "bench: unknown case '$1'" >&2; exit 1 ;;
  esac
  src=$(tests/guests/make-inputs.sh "$flavor" "$kind")
}

# run CASE TOOL: one conversion, measured; results in $DIR/res/CASE-TOOL.*
run () {
  local c=$1 tool=$2 name=bench-$1-$2 out=$DIR/out/$1-$2 res=$DIR/res/$1-$2
  local cmd
  case $tool in
    virt-v2v)
      [ -n "$v2v_i" ] || return 0
      cmd=(virt-v2v -i "$v2v_i" "$src" -o local -os "$out" -of qcow2 -on "$name") ;;
    v2kvm)
      [ $have_convert = 1 ] || return 0
      # shellcheck disable=SC2206
      cmd=("$V2KVM" convert -i "$ours_i" "$src" -o local -os "$out" -of qcow2
           -on "$name" --machine-readable $V2KVM_ARGS) ;;
  esac
  rm -rf "$out" "$res".*
  mkdir -p "$out"
  echo "bench: $c $tool: ${cmd[*]}" >&2
  echo "${cmd[*]}" >"$res.cmd"
  cut -d' ' -f1 /proc/loadavg >"$res.load"
  boot_slots_hold_all
  python3 bench/measure-tree.py "$res.json" "$res.log" "${cmd[@]}" || :
  boot_slots_release_all
  cut -d' ' -f1 /proc/loadavg >>"$res.load"
  jq -c . "$res.json" >&2
  # output disks: everything but the domain XML
  local disks=() f
  for f in "$out"/*; do
    case $f in *.xml) ;; *) [ -f "$f" ] && disks+=("$f") ;; esac
  done
  # time to make the output durable (a tool that did not flush pays here)
  local s0 s1
  s0=$(date +%s.%N)
  [ ${#disks[@]} -gt 0 ] && sync "${disks[@]}"
  s1=$(date +%s.%N)
  {
    echo "disks=${#disks[@]}"
    echo "sync_s=$(python3 -c "print('%.2f' % ($s1 - $s0))")"
    [ ${#disks[@]} -gt 0 ] && echo "du_kib=$(du -kc "${disks[@]}" | tail -1 | cut -f1)"
    for f in "${disks[@]}"; do
      echo "disk=$(basename "$f") $(qemu-img info --output=json "$f" \
        | jq -r '"\(.format) \(."virtual-size")"')"
    done
  } >"$res.out"
  if [ "$BOOT" = 1 ] && [ ${#disks[@]} -gt 0 ] && [ "$(jq .rc "$res.json")" = 0 ]; then
    local t0 rc=0 mac macopt=()
    # boot with the MAC the tool's domain gives the NIC (a tool may have
    # bound the guest's interface name to it: -i disk has no MAC)
    mac=$(grep -Eo "mac address=['\"]..:..:..:..:..:.." "$out"/*.xml 2>/dev/null |
          head -1 | grep -o '..:..:..:..:..:..$' || :)
    [ -n "$mac" ] && macopt=(--mac "$mac")
    t0=$(date +%s)
    tests/guests/boot.sh "${disks[0]}" "$flavor" --disk-bus virtio --nic virtio \
      "${macopt[@]}" --timeout 300 --log "$res.boot.log" >"$res.boot.err" 2>&1 || rc=$?
    echo "boot_rc=$rc boot_s=$(( $(date +%s) - t0 ))" >>"$res.out"
    grep -a -E 'V2KVM-MARKER|ALERT!|Gave up waiting for root|Kernel panic' \
      "$res.boot.log" | tail -1 | tr -d '\r' | sed 's/^/boot_line=/' >>"$res.out" || :
  fi
  cat "$res.out" >&2
}

for c in $CASES; do
  input "$c"
  for tool in $TOOLS; do run "$c" "$tool"; done
done
echo "bench: done, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" \
  | tee -a "$DIR/res/env.txt" >&2

python3 bench/convert-report.py "$DIR/res" $CASES
