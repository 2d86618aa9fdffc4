#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm fixup on phony RHEL 5/7/9, SLES 15 and Ubuntu 22.04 guests
# (tests/phony/make-phony.sh): the expected file edits are present and
# the initramfs/package tools were called with the expected arguments
# (the fake tools log them to /var/log/v2kvm-fake.log).  No guest boots.
# The expectations are the behaviour asked for in the fixup design
# (device names by disk order, hvc0/xvc0 -> ttyS0, NIC names pinned to
# their MAC, virtio drivers in the initramfs).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
requires jq
require_phony

names="rhel5 rhel7 rhel9 sles15 ubuntu"
phony_copy $names
for n in rhel5 rhel7 sles15; do
  "$V2KVM" fixup "$TMP/$n.img" >"$TMP/$n.out" 2>"$TMP/$n.err" ||
    fail "fixup $n: $(cat "$TMP/$n.err")"
done
"$V2KVM" fixup --mac eth0=52:54:00:00:00:09 "$TMP/rhel9.img" \
  >"$TMP/rhel9.out" 2>"$TMP/rhel9.err" || fail "fixup rhel9: $(cat "$TMP/rhel9.err")"
"$V2KVM" fixup --machine-readable --smp 1 "$TMP/ubuntu.img" \
  >"$TMP/ubuntu.json" 2>"$TMP/ubuntu.err" || fail "fixup ubuntu: $(cat "$TMP/ubuntu.err")"

imgs=
for n in $names; do imgs="$imgs $TMP/$n.img"; done
gdump "$imgs" /etc/fstab /boot/grub/grub.conf /boot/grub2/grub.cfg \
  /boot/grub/grub.cfg /etc/default/grub /etc/modprobe.conf /etc/inittab \
  /etc/securetty /var/log/v2kvm-fake.log F:/.autorelabel \
  /etc/udev/rules.d/70-v2kvm-eth0.rules \
  /etc/systemd/network/10-v2kvm-ens192.link \
  /etc/systemd/network/10-v2kvm-eth0.link \
  /etc/systemd/network/10-v2kvm-ens160.link /etc/X11/xorg.conf \
  /boot/loader/entries/0123456789abcdef-5.14.0-284.11.1.el9_2.x86_64.conf \
  /boot/grub2/grubenv /etc/sysconfig/bootloader \
  /etc/default/grub_installdevice /etc/initramfs-tools/modules \
  L:/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service \
  L:/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service \
  L:/etc/systemd/system/multi-user.target.wants/open-vm-tools.service \
  >"$TMP/dump"
D=$TMP/dump

# RHEL 5 Xen PV: the non-Xen kernel is chosen and made the grub default.
i=$TMP/rhel5.img
expect_line "$TMP/rhel5.out" '^fixup: /etc/fstab: xvda1 -> vda1$'
expect_line "$TMP/rhel5.out" 'machine=pc .*kernel=2\.6\.18-398\.el5 '
expect_in "$D" "$i" /etc/fstab '^/dev/vda1 / ext4'
expect_in "$D" "$i" /etc/fstab '^/dev/vda2 swap'
expect_not_in "$D" "$i" /etc/fstab xvd
expect_in "$D" "$i" /boot/grub/grub.conf '^default=1$'
expect_in "$D" "$i" /boot/grub/grub.conf 'vmlinuz-2\.6\.18-398\.el5 ro root=/dev/vda1 console=ttyS0$'
expect_not_in "$D" "$i" /boot/grub/grub.conf 'xvc0|xvda'
expect_in "$D" "$i" /etc/modprobe.conf '^alias eth0 virtio_net$'
expect_in "$D" "$i" /etc/modprobe.conf '^alias scsi_hostadapter virtio_blk$'
expect_in "$D" "$i" /etc/inittab '^co:2345:respawn:/sbin/agetty ttyS0 9600'
expect_in "$D" "$i" /etc/securetty '^ttyS0$'
expect_in "$D" "$i" /etc/udev/rules.d/70-v2kvm-eth0.rules \
  'ATTR\{address\}=="00:16:3e:12:34:56", NAME="eth0"'
expect_in "$D" "$i" /var/log/v2kvm-fake.log \
  '^/sbin/mkinitrd -f --with=virtio_pci --with=virtio_blk --with=virtio_scsi --with=virtio_net --with=virtio_console /boot/initrd-2\.6\.18-398\.el5\.img 2\.6\.18-398\.el5$'
expect_in "$D" "$i" F:/.autorelabel '^true$'
guest_has () { grep -Fq "$1" "$TMP/$2.out" || fail "$2: no '$1' change reported"; }
guest_has 'fixup: /.autorelabel: SELinux relabel' rhel5

# RHEL 7 on VMware: grub2 + /etc/default/grub, ifcfg HWADDR, X11 driver.
i=$TMP/rhel7.img
expect_in "$D" "$i" /etc/fstab '^/dev/vda1 / ext4'
expect_in "$D" "$i" /boot/grub2/grub.cfg 'root=/dev/vda1 ro crashkernel=auto resume=/dev/vda2 '
expect_in "$D" "$i" /etc/default/grub 'resume=/dev/vda2'
expect_in "$D" "$i" /etc/systemd/network/10-v2kvm-ens192.link '^MACAddress=00:50:56:aa:bb:07$'
expect_in "$D" "$i" /etc/systemd/network/10-v2kvm-ens192.link '^Name=ens192$'
expect_in "$D" "$i" /etc/X11/xorg.conf 'Driver "modesetting"'
expect_in "$D" "$i" /var/log/v2kvm-fake.log \
  '^/usr/bin/dracut -f --add-drivers virtio_pci virtio_blk virtio_scsi virtio_net virtio_console /boot/initramfs-3\.10\.0-1160\.el7\.x86_64\.img 3\.10\.0-1160\.el7\.x86_64$'
expect_in "$D" "$i" F:/.autorelabel '^false$'   # SELinux disabled
expect_line "$TMP/rhel7.out" 'block=virtio-blk net=virtio machine=q35 firmware=bios'

# RHEL 9 on Xen: BLS entry, grubenv kept at 1024 bytes, getty, --mac.
i=$TMP/rhel9.img
expect_in "$D" "$i" /boot/loader/entries/0123456789abcdef-5.14.0-284.11.1.el9_2.x86_64.conf \
  '^options root=/dev/vda1 ro console=ttyS0$'
expect_in "$D" "$i" /boot/grub2/grubenv '^kernelopts=root=/dev/vda1 ro console=ttyS0$'
[ "$(section "$D" "$i" /boot/grub2/grubenv | wc -c)" = 1025 ] ||
  fail "rhel9: grubenv is not 1024 bytes: $(section "$D" "$i" /boot/grub2/grubenv | wc -c)"
expect_in "$D" "$i" /etc/systemd/network/10-v2kvm-eth0.link '^MACAddress=52:54:00:00:00:09$'
expect_in "$D" "$i" L:/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service 'serial-getty@\.service$'
[ -z "$(section "$D" "$i" L:/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service)" ] ||
  fail "rhel9: serial-getty@hvc0 still enabled"
expect_in "$D" "$i" /var/log/v2kvm-fake.log \
  '^/usr/bin/dracut -f --add-drivers .*virtio_blk.* /boot/initramfs-5\.14\.0-284\.11\.1\.el9_2\.x86_64\.img 5\.14\.0-284\.11\.1\.el9_2\.x86_64$'
expect_in "$D" "$i" F:/.autorelabel '^true$'    # permissive
expect_line "$TMP/rhel9.out" 'block=virtio-blk'

# SLES 15 on Xen: perl-Bootloader sysconfig, grub_installdevice, udev MAC.
i=$TMP/sles15.img
expect_in "$D" "$i" /boot/grub2/grub.cfg 'root=/dev/vda1 resume=/dev/vda2 console=ttyS0 splash=silent'
expect_in "$D" "$i" /etc/sysconfig/bootloader '^DEFAULT_APPEND="resume=/dev/vda2 console=ttyS0 splash=silent"$'
expect_in "$D" "$i" /etc/default/grub '"resume=/dev/vda2 console=ttyS0 splash=silent"'
expect_in "$D" "$i" /etc/default/grub_installdevice '^/dev/vda$'
expect_in "$D" "$i" /etc/systemd/network/10-v2kvm-eth0.link '^MACAddress=00:16:3e:aa:00:15$'
expect_in "$D" "$i" /var/log/v2kvm-fake.log \
  '^/usr/bin/dracut -f --add-drivers .* /boot/initrd-5\.14\.21-150400\.22-default 5\.14\.21-150400\.22-default$'

# Ubuntu 22.04 on VMware (JSON): netplan MAC, UUID root untouched,
# MODULES=dep gets the virtio modules listed, open-vm-tools purged.
i=$TMP/ubuntu.img
J=$TMP/ubuntu.json
R=$(grep '"type":"result"' "$J")
[ "$(echo "$R" | jq -r .caps.block_bus)" = virtio-blk ] || fail "json caps: $(cat "$J")"
[ "$(echo "$R" | jq -r .kernel)" = 5.15.0-91-generic ] || fail "json kernel: $(cat "$J")"
[ "$(echo "$R" | jq -r .distro)" = ubuntu ] || fail "json distro: $R"
[ "$(echo "$R" | jq -r .smp)" = 1 ] || fail "--smp 1 not applied: $R"
[ "$(head -1 "$J" | jq -r .type)" = start ] || fail "json: no start line"
jq -s -e 'any(.[]; .type == "change" and .file == "/etc/fstab" and .change == "sda2 -> vda2")' "$J" >/dev/null ||
  fail "json lacks the fstab change: $(cat "$J")"
expect_in "$D" "$i" /etc/fstab '^UUID=0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f / ext4'
expect_in "$D" "$i" /etc/fstab '^/dev/vda2 none swap'
expect_in "$D" "$i" /etc/systemd/network/10-v2kvm-ens160.link '^MACAddress=00:50:56:aa:bb:22$'
expect_in "$D" "$i" /etc/initramfs-tools/modules '^virtio_blk$'
expect_in "$D" "$i" /var/log/v2kvm-fake.log '^/usr/sbin/update-initramfs -u -k 5\.15\.0-91-generic$'
expect_in "$D" "$i" /var/log/v2kvm-fake.log 'dpkg --purge open-vm-tools$'
[ -z "$(section "$D" "$i" L:/etc/systemd/system/multi-user.target.wants/open-vm-tools.service)" ] ||
  fail "ubuntu: open-vm-tools unit still enabled"
exit 0
