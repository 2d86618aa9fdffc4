#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/make-flavor.sh: derive (once) a test guest that looks like
# it ran on VMware or on Xen from the base tree (build-base.sh), and print
# the path of its raw disk image ($GUEST_CACHE/FLAVOR-KEY.img).
#
# Both flavors are what a converter has to repair before the guest boots
# on KVM (virtio-blk + virtio-net); unconverted they must NOT boot there:
#
#   vmware  fstab, resume and grub root= on /dev/sda* names (no UUIDs,
#           GRUB_DISABLE_LINUX_UUID=true); initramfs MODULES=list with
#           only VMware/PC storage drivers (mptspi, mptsas, vmw_pvscsi,
#           ata_piix, ahci, sd_mod), no virtio; open-vm-tools; NIC ens192
#           pinned by a systemd .link file to MAC 00:50:56:aa:bb:01, static
#           192.0.2.10/24 in /etc/network/interfaces.  See vmware.vmx.in.
#   xen     the same on /dev/xvda* names; console=hvc0 (the Xen PV
#           console) with serial-getty@hvc0 enabled, and console=ttyS0 last
#           so that /dev/console, hence the initramfs's messages, is the
#           serial port on any machine (Xen HVM has one too);
#           initramfs with only xen-blkfront/xen-netfront; NIC enX0 (the
#           name systemd 252 gives a Xen netfront NIC, NOT pinned: a
#           converted guest's NIC gets another name unless the converter
#           keeps it), MAC 00:16:3e:aa:bb:02, static 192.0.2.11/24.
#           See xen.cfg.in.
#
# Each flavor's boot marker (files/v2kvm-marker) prints
#   V2KVM-MARKER FLAVOR IFACE=ADDR UP
# once IFACE holds ADDR.  The build checks with lsinitramfs that the
# listed drivers are in the initramfs and no virtio module is, and that
# grub.cfg boots root=/dev/<disk>1.
#
# Usage: make-flavor.sh vmware|xen [--print-key]
# Exit 0 = built or cached (path on stdout), 1 = failed, 77 = cannot
# build here (reason on stdout).
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=${1:-}
case $flavor in
  vmware)
    disk=/dev/sda iface=ens192 mac=00:50:56:aa:bb:01 addr=192.0.2.10/24
    uuid_n=02
    modules="mptspi mptsas vmw_pvscsi ata_piix ahci sd_mod sr_mod"
    cmdline="console=tty0 console=ttyS0,115200n8"
    extra_pkgs=open-vm-tools
    ;;
  xen)
    disk=/dev/xvda iface=enX0 mac=00:16:3e:aa:bb:02 addr=192.0.2.11/24
    uuid_n=03
    modules="xen-blkfront xen-netfront"
    cmdline="console=tty0 console=hvc0 console=ttyS0,115200n8"
    extra_pkgs=
    ;;
  *) echo "usage: make-flavor.sh vmware|xen [--print-key]" >&2; exit 1 ;;
esac
modules="$modules ext4 crc32c_generic"

key=$(guests_flavor_key "$flavor")
if [ "${2:-}" = --print-key ]; then echo "$key"; exit 0; fi
img=$GUEST_CACHE/$flavor-$key.img
if [ -f "$img" ]; then echo "$img"; exit 0; fi

rc=0
base=$("$GUESTS_DIR/build-base.sh") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$base"; exit "$rc"; fi
tarball=${base%.img}.tar.zst

guests_lock
if [ -f "$img" ]; then echo "$img"; exit 0; fi

guests_begin "$flavor" "$key" "$uuid_n"

guests_timer_start
zstd -q -dc "$tarball" \
  | tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf -

echo "v2kvm-$flavor" >"$tree/etc/hostname"
sed -i "s/v2kvm-base/v2kvm-$flavor/" "$tree/etc/hosts"
cat >"$tree/etc/fstab" <<EOF
# /etc/fstab: static file system information.
${disk}1	/	ext4	errors=remount-ro	0	1
${disk}2	none	swap	sw	0	0
EOF
echo "RESUME=${disk}2" >"$tree/etc/initramfs-tools/conf.d/resume"

cat >"$tree/etc/network/interfaces" <<EOF
# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
auto $iface
iface $iface inet static
	address $addr
	gateway 192.0.2.1
EOF
rm -f "$tree/etc/systemd/network/10-v2kvm-lan0.link"
if [ "$flavor" = vmware ]; then
  cat >"$tree/etc/systemd/network/10-v2kvm-$iface.link" <<EOF
[Match]
MACAddress=$mac

[Link]
Name=$iface
EOF
fi
cat >"$tree/etc/v2kvm-marker.conf" <<EOF
FLAVOR=$flavor
IFACE=$iface
ADDR=$addr
EOF

sed -i -e "s|^GRUB_CMDLINE_LINUX=.*|GRUB_CMDLINE_LINUX=\"$cmdline\"|" \
  "$tree/etc/default/grub"
echo "GRUB_DISABLE_LINUX_UUID=true" >>"$tree/etc/default/grub"

sed -i 's/^MODULES=.*/MODULES=list/' "$tree/etc/initramfs-tools/initramfs.conf"
{
  echo "# v2kvm $flavor test guest: the only drivers in the initramfs"
  for m in $modules; do echo "$m"; done
} >>"$tree/etc/initramfs-tools/modules"

guests_chroot "$tree" /bin/sh -ec '
  flavor=$1 disk=$2 pkgs=$3
  if [ -n "$pkgs" ]; then
    apt-get -q update
    apt-get -q -y install --no-install-recommends $pkgs
    apt-get clean
  fi
  [ "$flavor" = xen ] && systemctl enable serial-getty@hvc0.service
  echo "grub-pc grub-pc/install_devices multiselect $disk" | debconf-set-selections
  update-initramfs -u -k all
' sh "$flavor" "$disk" "$extra_pkgs" >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the $flavor tree failed"
}
guests_update_grub "$tree" "${disk}1" "$disk" "$ROOT_UUID" \
  >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "update-grub failed"
}
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/var/log/apt/* "$tree"/var/log/*.log

# Check what we claim, with the guest's own tools.
grep -q "root=${disk}1 " "$tree/boot/grub/grub.cfg" \
  || guests_die "grub.cfg does not boot root=${disk}1"
! grep -q "root=UUID=" "$tree/boot/grub/grub.cfg" \
  || guests_die "grub.cfg still has root=UUID="
listing=$(guests_chroot "$tree" /bin/sh -c \
  'for i in /boot/initrd.img-*; do lsinitramfs "$i"; done')
listing=$(tr _ - <<<"$listing")
for m in $modules; do
  m=$(tr _ - <<<"$m")
  grep -q "/$m\.ko" <<<"$listing" || guests_die "$flavor initramfs lacks $m"
done
if grep -E '/virtio[^/]*\.ko' <<<"$listing"; then
  guests_die "$flavor initramfs contains virtio modules (above)"
fi
guests_timer_end "configuring the $flavor tree"

guests_timer_start
guests_make_disk "$tree" "$work/$flavor.img" "$ROOT_UUID" "$SWAP_UUID" \
  || guests_die "making the disk image failed"
mv "$work/$flavor.img" "$img"
guests_timer_end "making the $flavor disk"
guests_log "built $img ($(du -h "$img" | cut -f1) allocated)"
echo "$img"
