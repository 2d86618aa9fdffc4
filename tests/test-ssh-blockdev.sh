#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -it ssh with a Xen dom0's xl.cfg whose disk is a block device
# (phy:/dev/loopN: a read-only loop device over a raw image, made by
# losetup -r and detached at the end).  stat says 0 for a block device:
# the size comes from blockdev --getsize64 over an exec channel.  The SFTP
# server runs as 'nobody' (ssh-functions.sh SSH_SFTP_USER), so the device
# with its usual mode (0660 root:disk) is permission denied: exit 3, one
# line naming it, nothing in -os.  Made readable, it converts
# (--no-fixup) to exactly the image's bytes (qemu-img compare).
. "$srcdir/functions.sh"
. "$srcdir/ssh-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" losetup jq
[ "$(id -u)" = 0 ] || skip "losetup needs root"
SSH_SFTP_USER=nobody ssh_start
chmod 755 "$TMP"                     # the SFTP server (nobody) reads here
cd "$TMP"
truncate -s 48M xen.img
"$QEMU_IO" -f raw -c 'write -P 0x61 0 2M' -c 'write -P 0x62 20M 1M' \
  -c 'write -P 0x63 47M 1M' xen.img >/dev/null || fail qemu-io
LOOP=$(losetup -r -f --show xen.img) || skip "no loop device available"
cleanup_fn losetup -d "$LOOP"
mode=$(stat -c %a "$LOOP")
cleanup_fn chmod "$mode" "$LOOP"
[ "$(blockdev --getsize64 "$LOOP")" = $((48 << 20)) ] || fail "loop size"
cat > xen.cfg <<EOC
name = "sshxen"
type = "hvm"
memory = 512
vcpus = 1
disk = [ 'phy:$LOOP,xvda,r' ]
vif = [ 'mac=00:16:3e:aa:bb:02,bridge=xenbr0' ]
EOC
chmod 644 xen.cfg
URL=$SSH_URL$TMP/xen.cfg
"$V2KVM" source show -i xl -it ssh "$URL" --json > show.json ||
  fail "source show: $(cat show.json)"
jq -e --arg p "$LOOP" '.disks[0].path == $p' show.json >/dev/null ||
  fail "source show: $(cat show.json)"

mkdir out
chmod 0660 "$LOOP"
expect_exit 3 "$V2KVM" convert -i xl -it ssh "$URL" --no-fixup -os out
expect_error_match "$LOOP: permission denied"
[ -z "$(ls -A out)" ] || fail "left in -os: $(ls out)"

chmod 0664 "$LOOP"
"$V2KVM" convert -i xl -it ssh "$URL" --no-fixup -os out \
  --machine-readable > out.json 2> out.err || fail "convert: $(cat out.err)"
"$QEMU_IMG" compare -q -f raw -F qcow2 xen.img out/sshxen-sda.qcow2 ||
  fail "the block device over SSH differs from its image"
jq -e -s '.[-1].disks[0].virtual_size == 50331648' out.json >/dev/null ||
  fail "virtual size: $(tail -1 out.json)"
exit 0
