#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: remote inputs.  SSH case: `v2kvm convert -i vmx -it ssh`
# against `virt-v2v -i vmx -it ssh` on the same guest in the same run:
# the VMware test guest (tests/guests make-inputs.sh vmware vmx) laid out
# as on an ESXi datastore (createType="vmfs" descriptor + thin
# -flat.vmdk, tests/ssh-functions.sh ssh_esx_layout), served by a
# throwaway OpenSSH server on 127.0.0.1 (ssh_start: host and user keys,
# user key in an ssh-agent).  virt-v2v reads the .vmx with scp and the
# disk with nbdkit's ssh plugin (libssh), which take the host key from
# the system known_hosts: the key is added to /etc/ssh/ssh_known_hosts
# for the run and removed after.
#
# Per tool: wall time; bytes the server sent (sum of sshd's
# "Transferred: sent N" lines for the run's sessions: SSH framing and
# all, the same measure for both tools); for v2kvm also its own
# fetched_bytes (payload); the output's allocated size; with BOOT=1,
# whether the output boots to the guest's marker (tests/guests/boot.sh).
# Not a test: no thresholds.  Prints a markdown table.
#
#   bench/remote-ssh.sh [DIR] (default /var/tmp/v2kvm-bench-remote)
# (bench/remote.sh is the vSphere side of the same comparison.)
#   TOOLS="v2kvm virt-v2v" BOOT=0 V2KVM_ARGS="--accel tcg"
#   LOCK=0   do not hold tests/guests' boot slots during each conversion
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
export srcdir=$SRC/tests
V2KVM=${V2KVM:-$SRC/v2kvm}
BDIR=${1:-/var/tmp/v2kvm-bench-remote}
TOOLS=${TOOLS:-v2kvm virt-v2v}
BOOT=${BOOT:-0}
LOCK=${LOCK:-1}
V2KVM_ARGS=${V2KVM_ARGS:---accel tcg}
GUEST_CACHE=${V2KVM_GUEST_CACHE:-/var/tmp/v2kvm-guests}
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
KNOWN=/etc/ssh/ssh_known_hosts

for t in virt-v2v nbdcopy nbdkit qemu-img jq; do
  command -v "$t" >/dev/null || { echo "bench: '$t' is missing" >&2; exit 1; }
done
[ -f /usr/lib/x86_64-linux-gnu/nbdkit/plugins/nbdkit-ssh-plugin.so ] ||
  echo "bench: nbdkit's ssh plugin not found: virt-v2v -it ssh will fail" >&2
set +u
. "$srcdir/functions.sh"
. "$srcdir/ssh-functions.sh"
. "$srcdir/guests/functions-guests.sh"
set -u
mkdir -p "$BDIR"
rm -rf "${BDIR:?}/out" "$BDIR/res"
mkdir -p "$BDIR/out" "$BDIR/res"

require_convert_input vmware vmx
ssh_start
ssh_esx_layout "$INPUT_SOURCE" "$BDIR/vmfs/volumes/datastore1/v2kvm-vmware"
URL=$SSH_URL$ESX_VMX
# virt-v2v's scp and nbdkit-ssh look up the system known_hosts.
line=$(cat "$SSH_HOME/.ssh/known_hosts")
echo "$line" >> "$KNOWN"
cleanup_fn "grep -vxF '$line' $KNOWN > $KNOWN.tmp; cat $KNOWN.tmp > $KNOWN; rm -f $KNOWN.tmp"
echo "bench: $(virt-v2v --version), $(nproc) cores, load" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ);" \
  "guest data in the thin -flat.vmdk: $ESX_USED bytes" | tee "$BDIR/res/env.txt" >&2

# Bytes sshd sent for the sessions logged since line $1 of its log.
sent_since () {
  tail -n +"$1" "$SSH_DIR/sshd.log" |
    sed -n 's/.*Transferred: sent \([0-9]*\), received.*/\1/p' |
    awk '{ s += $1 } END { print s + 0 }'
}

run () {        # run TOOL
  local tool=$1 out=$BDIR/out/$1 t0 t1 rc=0 from
  mkdir -p "$out"
  from=$(($(wc -l < "$SSH_DIR/sshd.log") + 1))
  t0=$(date +%s.%N)
  case $tool in
    v2kvm)
      # shellcheck disable=SC2086
      "$V2KVM" convert -i vmx -it ssh "$URL" -o local -os "$out" -of qcow2 \
        -on bench-remote $V2KVM_ARGS --machine-readable \
        > "$BDIR/res/v2kvm.json" 2> "$BDIR/res/v2kvm.err" || rc=$? ;;
    virt-v2v)
      virt-v2v -i vmx -it ssh "$URL" -o local -os "$out" -of qcow2 \
        -on bench-remote > "$BDIR/res/virt-v2v.log" 2>&1 || rc=$? ;;
  esac
  t1=$(date +%s.%N)
  sleep 2                       # sshd logs a session when it closes
  local secs sent fetched=n/a alloc boot=n/a
  secs=$(echo "$t1 - $t0" | bc)
  sent=$(sent_since "$from")
  [ $tool = v2kvm ] && [ $rc = 0 ] &&
    fetched=$(jq -s '.[-1].fetched_bytes' "$BDIR/res/v2kvm.json")
  alloc=$(du -cB1 "$out"/bench-remote-sd* 2>/dev/null | tail -1 | cut -f1)
  if [ "$BOOT" = 1 ] && [ $rc = 0 ]; then
    if boot_guest "$(ls "$out"/bench-remote-sda*)" vmware --disk-bus virtio \
         --nic virtio --mac 00:50:56:aa:bb:01 > "$BDIR/res/$tool-boot.log" 2>&1
    then boot=yes; else boot=no; fi
  fi
  cp "$SSH_DIR/sshd.log" "$BDIR/res/sshd.log"
  printf '%s %s %s %s %s %s %s\n' "$tool" "$rc" "$secs" "$sent" "$fetched" \
    "${alloc:-0}" "$boot" >> "$BDIR/res/results.txt"
  echo "bench: $tool exit $rc, $secs s, server sent $sent bytes" >&2
}

. tests/guests/boot-slots.sh
for tool in $TOOLS; do
  [ "$LOCK" = 0 ] || boot_slots_hold_all   # no guest boot beside a conversion
  run "$tool"
  boot_slots_release_all
done

echo
echo "| tool | exit | wall s | server sent (bytes) | payload fetched | output allocated | boots |"
echo "|---|---|---|---|---|---|---|"
while read -r tool rc secs sent fetched alloc boot; do
  echo "| $tool | $rc | $secs | $sent | $fetched | $alloc | $boot |"
done < "$BDIR/res/results.txt"
if grep -q '^v2kvm 0' "$BDIR/res/results.txt" &&
   grep -q '^virt-v2v 0' "$BDIR/res/results.txt"; then
  read -r _ _ a sa _ < <(grep '^virt-v2v' "$BDIR/res/results.txt")
  read -r _ _ b sb _ < <(grep '^v2kvm' "$BDIR/res/results.txt")
  echo
  echo "virt-v2v / v2kvm: wall $(echo "scale=2; $a / $b" | bc)x," \
    "bytes sent $(echo "scale=2; $sa / $sb" | bc)x;" \
    "v2kvm sent / guest data $(echo "scale=3; $sb / $ESX_USED" | bc)"
fi
