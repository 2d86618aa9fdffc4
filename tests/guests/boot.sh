#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/boot.sh: boot a test guest under qemu (TCG) and wait for its
# boot marker on the serial console.
#
# Usage: boot.sh IMAGE FLAVOR [--disk-bus virtio|sata|ide|scsi|pvscsi]
#                [--nic virtio|e1000|e1000e|vmxnet3|rtl8139|none]
#                [--mac MAC] [--firmware bios|uefi] [--timeout SECS]
#                [--log FILE] [--disk2 IMAGE2] [--answers FILE]
#
# IMAGE (raw or qcow2) is never written: the guest runs on a qcow2
# overlay in a scratch directory.  The NIC gets the flavor's MAC (base
# 52:54:00:aa:bb:00, vmware 00:50:56:aa:bb:01, xen 00:16:3e:aa:bb:02)
# unless --mac is given, on qemu user networking (the guest's static
# address needs only to be configured, not reachable).
#
# Disk buses: virtio = virtio-blk-pci; sata = q35's ICH9 AHCI; ide = PIIX
# IDE, which needs the i440fx machine ("pc"), so ide switches to it;
# scsi = virtio-scsi-pci; pvscsi = VMware PVSCSI (what a VMware guest has).
# Firmware uefi uses OVMF (the image must then have an EFI loader) with
# a fresh copy of its empty variable store: no boot entry, so OVMF boots
# the removable-media path EFI/BOOT/BOOTX64.EFI, as a guest moved from
# another hypervisor without its NVRAM.  --disk2 adds IMAGE2 (also on an
# overlay, never written) as the second disk on the same bus (virtio,
# scsi, pvscsi or sata).
#
# --answers FILE lets a test answer console prompts (a LUKS passphrase):
# each line of FILE is "REGEX<TAB>TEXT"; when REGEX (grep -E) shows up in
# the console log, TEXT and a carriage return are typed on the serial
# port, once per line, in order.  The answers travel through a file and
# a FIFO, never an argv.
#
# Success is the line "V2KVM-MARKER FLAVOR IFACE=ADDR UP" in the console
# log.  The wait stops early on "V2KVM-MARKER-FAIL", the initramfs giving
# up on its root device ("Gave up waiting for root", "ALERT!"), a kernel
# panic, or qemu exiting.  Exit 0 = marker seen, 1 = not seen (the last
# 30 console lines are printed on stderr), 2 = usage error.
#
# At most V2KVM_BOOT_SLOTS guests boot at once (boot-slots.sh: default the
# number of cores, at most 2); a boot waits for a free slot, and its
# timeout starts once it holds one.  Set V2KVM_BOOT_NOLOCK=1 to skip it.
set -uo pipefail
. "$(dirname "$0")/common.sh"

usage () {
  sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 2 ] || usage
image=$1 flavor=$2
shift 2
bus=virtio nic=virtio firmware=bios timeout=240 log= mac= image2= answers=
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --disk-bus) bus=$2 ;;
    --nic) nic=$2 ;;
    --mac) mac=$2 ;;
    --firmware) firmware=$2 ;;
    --timeout) timeout=$2 ;;
    --log) log=$2 ;;
    --disk2) image2=$2 ;;
    --answers) answers=$2 ;;
    *) usage ;;
  esac
  shift 2
done
[ -r "$image" ] || { echo "boot.sh: cannot read '$image'" >&2; exit 2; }
[ -z "$image2" ] || [ -r "$image2" ] ||
  { echo "boot.sh: cannot read '$image2'" >&2; exit 2; }
case $timeout in ''|*[!0-9]*) usage ;; esac
if [ -z "$mac" ]; then
  case $flavor in
    vmware) mac=00:50:56:aa:bb:01 ;;
    xen) mac=00:16:3e:aa:bb:02 ;;
    *) mac=52:54:00:aa:bb:00 ;;
  esac
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/v2kvm-boot.XXXXXX")
qpid=
cleanup () {
  if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; fi
  if [ -n "${catpid:-}" ]; then kill "$catpid" 2>/dev/null; wait "$catpid" 2>/dev/null; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
: "${log:=$scratch/console.log}"
: >"$log"

fmt=$(qemu-img info --output=json "$image" | sed -n 's/.*"format": "\([^"]*\)".*/\1/p' | head -1)
qemu-img create -q -f qcow2 -b "$(realpath "$image")" -F "$fmt" \
  "$scratch/overlay.qcow2" || exit 1

machine=q35
disk_args=()
drive=file=$scratch/overlay.qcow2,format=qcow2,if=none,id=disk0,cache=unsafe
case $bus in
  virtio) disk_args=(-drive "$drive" -device virtio-blk-pci,drive=disk0,bootindex=1) ;;
  sata) disk_args=(-drive "$drive" -device ide-hd,drive=disk0,bus=ide.0,bootindex=1) ;;
  ide) machine=pc
       disk_args=(-drive "$drive" -device ide-hd,drive=disk0,bus=ide.0,bootindex=1) ;;
  scsi) disk_args=(-device virtio-scsi-pci,id=scsi0 -drive "$drive"
                   -device scsi-hd,drive=disk0,bus=scsi0.0,bootindex=1) ;;
  pvscsi) disk_args=(-device pvscsi,id=scsi0 -drive "$drive"
                     -device scsi-hd,drive=disk0,bus=scsi0.0,bootindex=1) ;;
  *) usage ;;
esac
if [ -n "$image2" ]; then
  fmt2=$(qemu-img info --output=json "$image2" | sed -n 's/.*"format": "\([^"]*\)".*/\1/p' | head -1)
  qemu-img create -q -f qcow2 -b "$(realpath "$image2")" -F "$fmt2" \
    "$scratch/overlay2.qcow2" || exit 1
  drive2=file=$scratch/overlay2.qcow2,format=qcow2,if=none,id=disk1,cache=unsafe
  case $bus in
    virtio) disk_args+=(-drive "$drive2" -device virtio-blk-pci,drive=disk1) ;;
    scsi|pvscsi) disk_args+=(-drive "$drive2" -device scsi-hd,drive=disk1,bus=scsi0.0) ;;
    sata) disk_args+=(-drive "$drive2" -device ide-hd,drive=disk1,bus=ide.1) ;;
    *) echo "boot.sh: --disk2 needs the virtio, scsi, pvscsi or sata bus" >&2; exit 2 ;;
  esac
fi
case $nic in
  virtio) nic_args=(-netdev user,id=net0 -device "virtio-net-pci,netdev=net0,mac=$mac") ;;
  e1000|e1000e|vmxnet3|rtl8139)
    nic_args=(-netdev user,id=net0 -device "$nic,netdev=net0,mac=$mac") ;;
  none) nic_args=() ;;
  *) usage ;;
esac
fw_args=()
case $firmware in
  bios) ;;
  uefi)
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$scratch/vars.fd" || exit 1
    fw_args=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
             -drive "if=pflash,format=raw,file=$scratch/vars.fd") ;;
  *) usage ;;
esac

if [ -z "${V2KVM_BOOT_NOLOCK:-}" ]; then
  . "$(dirname "$0")/boot-slots.sh"
  boot_slot_take slotfd
fi

serial_args=(-serial "file:$log")
catpid=
if [ -n "$answers" ]; then
  [ -r "$answers" ] || { echo "boot.sh: cannot read '$answers'" >&2; exit 2; }
  # qemu's pipe chardev: it writes serial.out and reads serial.in (both
  # FIFOs it opens read-write); cat copies the output into the log, and
  # this script holds serial.in open to type into it.
  mkfifo "$scratch/serial.in" "$scratch/serial.out" || exit 1
  exec {serial_in}<>"$scratch/serial.in"
  cat "$scratch/serial.out" >>"$log" &
  catpid=$!
  serial_args=(-chardev "pipe,id=ser0,path=$scratch/serial" -serial chardev:ser0)
  mapfile -t answer_lines <"$answers"
fi
answered=0

qemu-system-x86_64 -machine "$machine,accel=tcg" -m 1024 -smp 1 \
  -nographic -monitor none "${serial_args[@]}" -no-reboot \
  "${fw_args[@]}" "${disk_args[@]}" "${nic_args[@]}" \
  </dev/null >"$scratch/qemu.out" 2>&1 &
qpid=$!

ok_re="V2KVM-MARKER $flavor [^ ]*=[^ ]* UP"
bad_re='V2KVM-MARKER-FAIL|Gave up waiting for root|ALERT!|Kernel panic'
start=$(date +%s)
result=timeout
while :; do
  if [ -n "$answers" ] && [ "$answered" -lt "${#answer_lines[@]}" ]; then
    line=${answer_lines[answered]}
    if grep -aEq -- "${line%%$'\t'*}" "$log"; then
      printf '%s\r' "${line#*$'\t'}" >&"$serial_in"
      answered=$((answered + 1))
      echo "boot.sh: answered prompt $answered ('${line%%$'\t'*}')" >&2
    fi
  fi
  if grep -aEq "$ok_re" "$log"; then result=ok; break; fi
  if grep -aEq "$bad_re" "$log"; then result=failed; sleep 2; break; fi
  if ! kill -0 "$qpid" 2>/dev/null; then result="qemu exited"; break; fi
  if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then break; fi
  sleep 2
done
elapsed=$(( $(date +%s) - start ))
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=

if [ "$result" = ok ]; then
  echo "boot.sh: $(grep -aEo "$ok_re" "$log" | head -1) after ${elapsed} s ($bus disk, $nic nic, $firmware)"
  exit 0
fi
{
  echo "boot.sh: no marker for '$flavor' ($result after ${elapsed} s; $bus disk, $nic nic, $firmware)"
  cat "$scratch/qemu.out"
  echo "--- last 30 console lines ---"
  tr -d '\r' <"$log" | tail -30
} >&2
exit 1
