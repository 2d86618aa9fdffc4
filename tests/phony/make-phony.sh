#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/phony/make-phony.sh: build tiny "phony" guest disks for the fixup
# tests, the way virt-v2v's test-data/phony-guests does: just enough for
# libguestfs inspection (/etc, /bin, /etc/fstab, release files) plus the
# files the fixups edit (grub, fstab, network config, modprobe...).  The
# kernels are empty files with a modules.dep/modules.builtin naming the
# virtio drivers; the initramfs and package tools (dracut, mkinitrd,
# update-initramfs, dpkg, rpm) are shell scripts that append their
# arguments to /var/log/v2kvm-fake.log, run by the host's dash copied in
# as /bin/sh.  No guest here boots.
#
# Guests (raw, 48 MiB, MBR, one ext4 partition):
#   rhel5     RHEL 5.11 PV: kernel-xen (grub default) + kernel, grub.conf,
#             console=xvc0, modprobe.conf xenblk/xennet, inittab xvc0,
#             ifcfg-eth0 HWADDR, no systemd, fake mkinitrd, SELinux enforcing
#   rhel7     RHEL 7.9 on VMware: grub2, /dev/sda, resume=, ifcfg-ens192
#             HWADDR, X11 vmware driver, fake dracut, SELinux disabled
#   rhel9     RHEL 9.2 on Xen: BLS entries, grubenv, console=hvc0,
#             serial-getty@hvc0, NetworkManager keyfile eth0 without MAC,
#             virtio_blk built in, fake dracut, SELinux permissive
#   sles15    SLES 15.4 on Xen: grub2, /etc/sysconfig/bootloader,
#             grub_installdevice, 70-persistent-net eth0, fake dracut
#   ubuntu    Ubuntu 22.04 on VMware: netplan ens160 with MAC, UUID root,
#             MODULES=dep, two kernels, open-vm-tools in dpkg status,
#             fake update-initramfs and dpkg
#   xenonly   RHEL 5.11 with only the kernel-xen
#   rhel7fail RHEL 7.9 whose dracut fails (exit 1)
#
# Usage: make-phony.sh        prints the directory holding NAME.img
# Exit 0 = built or cached, 1 = failed, 77 = cannot build here (reason).
set -euo pipefail

command -v guestfish >/dev/null || { echo "guestfish is not installed"; exit 77; }
[ -x /bin/dash ] || { echo "/bin/dash is not installed"; exit 77; }

self=$(readlink -f "$0")
key=$(cat "$self" /bin/dash | sha256sum | cut -c1-16)
cache=${PHONY_CACHE:-/var/tmp/v2kvm-phony}/$key
names="rhel5 rhel7 rhel9 sles15 ubuntu xenonly rhel7fail"

mkdir -p "$(dirname "$cache")"
exec 9>"$(dirname "$cache")/.lock"
flock 9
if [ -f "$cache/done" ]; then echo "$cache"; exit 0; fi
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
work=$cache.tmp

# f PATH CONTENT: write a file of the current tree ($t).
f () { mkdir -p "$t$(dirname "$1")"; printf '%s' "$2" >"$t$1"; }
# tool PATH [EXIT]: a fake tool logging its arguments.
tool () {
  f "$1" "#!/bin/sh
echo \"\$0 \$*\" >>/var/log/v2kvm-fake.log
${2:+echo \"\$0: failed to install the drivers (fake failure)\" >&2; exit $2}
"
  chmod 0755 "$t$1"
}

base () {
  t=$work/$1
  mkdir -p "$t"/{bin,etc,var/log,root,tmp,proc,sys,dev,lib64,lib/x86_64-linux-gnu}
  cp /bin/dash "$t/bin/sh"
  cp -L /lib64/ld-linux-x86-64.so.2 "$t/lib64/"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 "$t/lib/x86_64-linux-gnu/"
  f /etc/hosts "127.0.0.1 localhost
"
}

kernel () {                     # kernel VERSION [builtin]
  f "/boot/vmlinuz-$1" "phony kernel $1"
  local l="kernel/drivers/block/virtio_blk.ko.xz:
kernel/drivers/net/virtio_net.ko.xz:
kernel/drivers/scsi/virtio_scsi.ko.xz:
kernel/drivers/virtio/virtio_pci.ko.xz:
kernel/drivers/char/virtio_console.ko.xz:
kernel/drivers/char/hw_random/virtio-rng.ko.xz:
kernel/drivers/virtio/virtio_balloon.ko.xz:
"
  if [ "${2:-}" = builtin ]; then
    f "/lib/modules/$1/modules.builtin" "kernel/drivers/block/virtio_blk.ko
"
    l=$(echo "$l" | grep -v virtio_blk)
  fi
  f "/lib/modules/$1/modules.dep" "$l"
}

xenkernel () {
  f "/boot/vmlinuz-$1" "phony xen kernel $1"
  f "/lib/modules/$1/modules.dep" "kernel/drivers/xen/blkfront/xenblk.ko:
kernel/drivers/xen/netfront/xennet.ko:
"
}

rhel5 () {                      # rhel5 NAME WITH_NORMAL_KERNEL
  base "$1"
  f /etc/redhat-release "Red Hat Enterprise Linux Server release 5.11 (Tikanga)
"
  f /etc/fstab "/dev/xvda1 / ext4 defaults 1 1
/dev/xvda2 swap swap defaults 0 0
"
  xenkernel 2.6.18-398.el5xen
  f /boot/initrd-2.6.18-398.el5xen.img x
  local grub="default=0
timeout=5
title Red Hat Enterprise Linux Server (2.6.18-398.el5xen)
	root (hd0,0)
	kernel /boot/vmlinuz-2.6.18-398.el5xen ro root=/dev/xvda1 console=xvc0
	initrd /boot/initrd-2.6.18-398.el5xen.img
"
  if [ "$2" = yes ]; then
    kernel 2.6.18-398.el5
    f /boot/initrd-2.6.18-398.el5.img x
    grub="${grub}title Red Hat Enterprise Linux Server (2.6.18-398.el5)
	root (hd0,0)
	kernel /boot/vmlinuz-2.6.18-398.el5 ro root=/dev/xvda1 console=xvc0
	initrd /boot/initrd-2.6.18-398.el5.img
"
  fi
  f /boot/grub/grub.conf "$grub"
  ln -s ../boot/grub/grub.conf "$t/etc/grub.conf"
  f /etc/modprobe.conf "alias eth0 xennet
alias scsi_hostadapter xenblk
"
  f /etc/inittab "id:3:initdefault:
1:2345:respawn:/sbin/mingetty tty1
co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav
"
  f /etc/securetty "console
tty1
xvc0
"
  f /etc/sysconfig/network-scripts/ifcfg-eth0 "DEVICE=eth0
BOOTPROTO=static
HWADDR=00:16:3E:12:34:56
IPADDR=192.0.2.50
NETMASK=255.255.255.0
ONBOOT=yes
"
  f /etc/selinux/config "SELINUX=enforcing
SELINUXTYPE=targeted
"
  tool /sbin/mkinitrd
}

rhel7 () {                      # rhel7 NAME [DRACUT_EXIT]
  base "$1"
  f /etc/redhat-release "Red Hat Enterprise Linux Server release 7.9 (Maipo)
"
  f /etc/os-release 'NAME="Red Hat Enterprise Linux Server"
VERSION="7.9 (Maipo)"
ID="rhel"
VERSION_ID="7.9"
PRETTY_NAME="Red Hat Enterprise Linux Server 7.9 (Maipo)"
'
  f /etc/fstab "/dev/sda1 / ext4 defaults 1 1
/dev/sda2 swap swap defaults 0 0
"
  kernel 3.10.0-1160.el7.x86_64
  f /boot/initramfs-3.10.0-1160.el7.x86_64.img x
  f /boot/grub2/grub.cfg "menuentry 'Red Hat Enterprise Linux Server (3.10.0-1160.el7.x86_64) 7.9 (Maipo)' {
	set root='hd0,msdos1'
	linux16 /boot/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/sda1 ro crashkernel=auto resume=/dev/sda2 rhgb quiet
	initrd16 /boot/initramfs-3.10.0-1160.el7.x86_64.img
}
"
  f /etc/default/grub 'GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX="crashkernel=auto resume=/dev/sda2 rhgb quiet"
'
  f /usr/lib/systemd/systemd "phony systemd"
  f /etc/sysconfig/network-scripts/ifcfg-ens192 "TYPE=Ethernet
BOOTPROTO=none
DEVICE=ens192
HWADDR=00:50:56:AA:BB:07
IPADDR=192.0.2.70
PREFIX=24
ONBOOT=yes
"
  f /etc/X11/xorg.conf 'Section "Device"
	Identifier "card0"
	Driver "vmware"
EndSection
'
  f /etc/selinux/config "SELINUX=disabled
"
  tool /usr/bin/dracut "${2:-}"
}

rhel9 () {
  base rhel9
  local v=5.14.0-284.11.1.el9_2.x86_64
  f /etc/redhat-release "Red Hat Enterprise Linux release 9.2 (Plow)
"
  f /etc/os-release 'NAME="Red Hat Enterprise Linux"
VERSION="9.2 (Plow)"
ID="rhel"
VERSION_ID="9.2"
PRETTY_NAME="Red Hat Enterprise Linux 9.2 (Plow)"
'
  f /etc/fstab "/dev/xvda1 / ext4 defaults 1 1
"
  kernel "$v" builtin
  f "/boot/initramfs-$v.img" x
  f "/boot/loader/entries/0123456789abcdef-$v.conf" "title Red Hat Enterprise Linux (5.14.0) 9.2 (Plow)
version $v
linux /boot/vmlinuz-$v
initrd /boot/initramfs-$v.img
options root=/dev/xvda1 ro console=hvc0
"
  f /boot/grub2/grub.cfg "insmod blscfg
blscfg
"
  printf '%s' "# GRUB Environment Block
kernelopts=root=/dev/xvda1 ro console=hvc0
" >"$t/boot/grub2/grubenv"
  head -c $((1024 - $(stat -c %s "$t/boot/grub2/grubenv"))) /dev/zero | tr '\0' '#' >>"$t/boot/grub2/grubenv"
  f /usr/lib/systemd/systemd "phony systemd"
  f /usr/lib/systemd/system/serial-getty@.service "[Unit]
"
  mkdir -p "$t/etc/systemd/system/getty.target.wants"
  ln -s /usr/lib/systemd/system/serial-getty@.service \
    "$t/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service"
  f /etc/NetworkManager/system-connections/eth0.nmconnection "[connection]
id=eth0
type=ethernet
interface-name=eth0

[ipv4]
method=manual
address1=192.0.2.90/24
"
  f /etc/selinux/config "SELINUX=permissive
"
  tool /usr/bin/dracut
}

sles15 () {
  base sles15
  local v=5.14.21-150400.22-default
  f /etc/os-release 'NAME="SLES"
VERSION="15-SP4"
VERSION_ID="15.4"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP4"
ID="sles"
'
  f /etc/fstab "/dev/xvda1 / ext4 defaults 1 1
/dev/xvda2 swap swap defaults 0 0
"
  kernel "$v"
  f "/boot/initrd-$v" x
  f /boot/grub2/grub.cfg "menuentry 'SLES 15-SP4' {
	linux /boot/vmlinuz-$v root=/dev/xvda1 resume=/dev/xvda2 console=xvc0 splash=silent
	initrd /boot/initrd-$v
}
"
  f /etc/default/grub 'GRUB_CMDLINE_LINUX_DEFAULT="resume=/dev/xvda2 console=xvc0 splash=silent"
'
  f /etc/default/grub_installdevice "/dev/xvda
"
  f /etc/sysconfig/bootloader 'LOADER_TYPE="grub2"
DEFAULT_APPEND="resume=/dev/xvda2 console=xvc0 splash=silent"
'
  f /usr/lib/systemd/systemd "phony systemd"
  f /etc/udev/rules.d/70-persistent-net.rules '# net device ()
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="00:16:3e:aa:00:15", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
'
  f /etc/sysconfig/network/ifcfg-eth0 "BOOTPROTO='static'
IPADDR='192.0.2.15/24'
STARTMODE='auto'
"
  tool /usr/bin/dracut
}

ubuntu () {
  base ubuntu
  f /etc/os-release 'NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 22.04.3 LTS"
'
  f /etc/lsb-release "DISTRIB_ID=Ubuntu
DISTRIB_RELEASE=22.04
DISTRIB_CODENAME=jammy
DISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"
"
  f /etc/debian_version "bookworm/sid
"
  f /etc/fstab "UUID=0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f / ext4 errors=remount-ro 0 1
/dev/sda2 none swap sw 0 0
"
  kernel 5.15.0-91-generic
  kernel 5.15.0-88-generic
  f /boot/initrd.img-5.15.0-91-generic x
  f /boot/grub/grub.cfg "menuentry 'Ubuntu' {
	linux /boot/vmlinuz-5.15.0-91-generic root=UUID=0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f ro quiet
	initrd /boot/initrd.img-5.15.0-91-generic
}
submenu 'Advanced options for Ubuntu' {
	menuentry 'Ubuntu, with Linux 5.15.0-88-generic' {
		linux /boot/vmlinuz-5.15.0-88-generic root=UUID=0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f ro quiet
	}
}
"
  f /etc/initramfs-tools/initramfs.conf "MODULES=dep
"
  f /etc/initramfs-tools/modules "# List of modules that you want to include in your initramfs.
"
  f /etc/netplan/00-installer-config.yaml "network:
  version: 2
  ethernets:
    ens160:
      match:
        macaddress: 00:50:56:AA:BB:22
      addresses: [192.0.2.22/24]
"
  f /lib/systemd/systemd "phony systemd"
  f /var/lib/dpkg/status "Package: open-vm-tools
Status: install ok installed
Priority: extra
Architecture: amd64
Version: 2:12.1.5-3~ubuntu0.22.04.4
Description: Open VMware Tools for virtual machines hosted on VMware (CLI)

"
  mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
  ln -s /lib/systemd/system/open-vm-tools.service \
    "$t/etc/systemd/system/multi-user.target.wants/open-vm-tools.service"
  tool /usr/sbin/update-initramfs
  tool /usr/bin/dpkg
}

rhel5 rhel5 yes
rhel5 xenonly no
rhel7 rhel7
rhel7 rhel7fail 1
rhel9
sles15
ubuntu

args=() script=(run)
i=0
for n in $names; do
  tar -C "$work/$n" -cf "$work/$n.tar" .
  truncate -s 48M "$work/$n.img"
  args+=(-a "$work/$n.img")
  d=/dev/sd$(printf "\\$(printf %03o $((97 + i)))")
  uuid=
  [ "$n" = ubuntu ] && uuid="set-e2uuid ${d}1 0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f"
  script+=("part-disk $d mbr" "mkfs ext4 ${d}1" ${uuid:+"$uuid"} "mount ${d}1 /"
           "tar-in $work/$n.tar /" "is-file /etc/fstab" "umount /")
  i=$((i + 1))
done
out=$(printf '%s\n' "${script[@]}" | \
  LIBGUESTFS_BACKEND=direct \
  LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} \
  guestfish --format=raw "${args[@]}") || exit 1
[ "$(echo "$out" | grep -c '^true$')" = "$i" ] || {
  echo "make-phony.sh: guestfish did not populate every image: $out" >&2
  exit 1
}
for n in $names; do rm -rf "${work:?}/$n" "$work/$n.tar"; done
touch "$work/done"
mv "$work" "$cache"
echo "$cache"
