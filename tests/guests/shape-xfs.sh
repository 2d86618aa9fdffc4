#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/shape-xfs.sh: build (once) test-guest shape S2, a Debian 12
# Xen HVM guest described by an xl.cfg with TWO disks, and print the path
# of that xl.cfg.
#
# The shape (derived from the cached base tree, build-base.sh):
#   disk 1 (xvda, 1536 MiB, MBR)  p1 XFS root (/dev/xvda1), p2 swap
#   disk 2 (xvdb,  512 MiB, MBR)  p1 XFS /var (/dev/xvdb1)
#   fstab, resume, grub root= on /dev/xvd* names (GRUB_DISABLE_LINUX_UUID)
#   dracut (Debian's package; initramfs-tools and ifupdown purged), with
#     an exclusive driver list in /etc/dracut.conf.d/10-v2kvm-xen.conf
#     (dracut.conf(5) drivers=): xen-blkfront, xen-netfront, xfs: no
#     virtio driver in the image (dracut's qemu, virtfs, virtiofs, nvdimm
#     modules omitted, as a hostonly build on Xen leaves them out), which
#     lsinitrd checks here, so the guest
#     only boots on virtio if the conversion puts them in;
#   systemd-networkd: enX0 (Xen netfront's name, not pinned) static
#     192.0.2.12/24 from /etc/systemd/network/20-v2kvm-enX0.network,
#     vif MAC 00:16:3e:aa:bb:12;
#   console=hvc0 with serial-getty@hvc0, console=ttyS0 last (as the xen
#     flavor, make-flavor.sh);
#   the boot marker (files/v2kvm-marker, FLAVOR=xfs) and, before it, a
#     drop-in running /usr/local/sbin/v2kvm-mounts, which prints one
#     "V2KVM-MOUNT TARGET SOURCE FSTYPE" line per real file system
#     (findmnt(8)) on the consoles, so a boot shows /var on disk 2.
#
# The XFS file systems are made with the host's mkfs.xfs (xfsprogs 6.1 as
# in bookworm: no feature the guest's 6.1 kernel or GRUB 2.06 lacks) and
# filled through loop mounts in a private mount namespace (unshare -m:
# the mounts, and with them the auto-clearing loop devices, go away with
# the namespace whatever happens).  GRUB's core.img gets the xfs module
# (guests_install_grub with grub-mkimage wrapped for the call).
#
# Output: $GUEST_CACHE/shape-xfs-KEY/{v2kvm-xfs.cfg,xvda.img,xvdb.img},
# KEY hashing the base key and this script.  Exit 0 = built or cached
# (xl.cfg path on stdout), 1 = failed, 77 = cannot build here (reason on
# stdout).  Usage: shape-xfs.sh [--print-key]
set -euo pipefail
. "$(dirname "$0")/common.sh"

XFS_MAC=00:16:3e:aa:bb:12
XFS_ADDR=192.0.2.12/24
XFS_DISK1_MIB=1536
XFS_DISK2_MIB=512

key=$({ guests_base_key; guests_hash "$GUESTS_DIR/shape-xfs.sh"; } \
  | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
out=$GUEST_CACHE/shape-xfs-$key
cfg=$out/v2kvm-xfs.cfg
if [ -f "$cfg" ]; then echo "$cfg"; exit 0; fi

unable () { echo "cannot build the xfs shape: $*"; exit 77; }
[ "$(id -u)" = 0 ] || unable "not root (chroot and loop mounts need it)"
for c in mkfs.xfs xfs_repair losetup sfdisk unshare zstd flock; do
  command -v "$c" >/dev/null 2>&1 || unable "'$c' is not installed"
done

rc=0
base=$("$GUESTS_DIR/build-base.sh") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$base"; exit "$rc"; fi
tarball=${base%.img}.tar.zst

# A lock of this shape's own: its build does not wait for other guests'.
mkdir -p "$GUEST_CACHE"
exec 9>"$GUEST_CACHE/.build-shape-xfs.lock"
flock 9
if [ -f "$cfg" ]; then echo "$cfg"; exit 0; fi

guests_begin shape-xfs "$key" 12
VAR_UUID=7e571200-0000-4000-8000-000000012103

guests_timer_start
zstd -q -dc "$tarball" \
  | tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf -

echo v2kvm-xfs >"$tree/etc/hostname"
sed -i "s/v2kvm-base/v2kvm-xfs/" "$tree/etc/hosts"
cat >"$tree/etc/fstab" <<'EOF'
# /etc/fstab: static file system information.
/dev/xvda1	/	xfs	defaults	0	0
/dev/xvdb1	/var	xfs	defaults	0	0
/dev/xvda2	none	swap	sw	0	0
EOF
rm -f "$tree/etc/systemd/network/10-v2kvm-lan0.link"
cat >"$tree/etc/systemd/network/20-v2kvm-enX0.network" <<EOF
[Match]
Name=enX0

[Network]
Address=$XFS_ADDR
Gateway=192.0.2.1
EOF
cat >"$tree/etc/v2kvm-marker.conf" <<EOF
FLAVOR=xfs
IFACE=enX0
ADDR=$XFS_ADDR
EOF
cat >"$tree/usr/local/sbin/v2kvm-mounts" <<'EOF'
#!/bin/sh
# v2kvm xfs shape: print the mounted block-device file systems on the
# consoles (before the boot marker) as "V2KVM-MOUNT TARGET SOURCE FSTYPE".
findmnt -rn -o TARGET,SOURCE,FSTYPE | while read -r t s f; do
  case $s in /dev/*) ;; *) continue ;; esac
  for c in /dev/ttyS0 /dev/hvc0; do
    [ -c "$c" ] || continue
    timeout 5 sh -c 'printf "%s\r\n" "$1" >"$2"' sh "V2KVM-MOUNT $t $s $f" "$c" \
      2>/dev/null || :
  done
  echo "V2KVM-MOUNT $t $s $f"
done
exit 0
EOF
chmod 755 "$tree/usr/local/sbin/v2kvm-mounts"
mkdir -p "$tree/etc/systemd/system/v2kvm-marker.service.d"
cat >"$tree/etc/systemd/system/v2kvm-marker.service.d/mounts.conf" <<'EOF'
[Unit]
After=systemd-networkd-wait-online.service

[Service]
ExecStartPre=/usr/local/sbin/v2kvm-mounts
EOF

sed -i -e 's|^GRUB_CMDLINE_LINUX=.*|GRUB_CMDLINE_LINUX="console=tty0 console=hvc0 console=ttyS0,115200n8"|' \
  "$tree/etc/default/grub"
echo "GRUB_DISABLE_LINUX_UUID=true" >>"$tree/etc/default/grub"

mkdir -p "$tree/etc/dracut.conf.d"
cat >"$tree/etc/dracut.conf.d/10-v2kvm-xen.conf" <<'EOF'
# v2kvm xfs shape (Xen HVM guest): generic image, but only these drivers,
# and none of the modules a hostonly build on Xen would leave out.
hostonly="no"
drivers=" xen-blkfront xen-netfront xfs crc32c_generic "
omit_dracutmodules+=" qemu qemu-net virtfs virtiofs nvdimm "
EOF

guests_chroot "$tree" /bin/sh -ec '
  apt-get -q update
  apt-get -q -y install --no-install-recommends dracut xfsprogs
  apt-get -q -y purge initramfs-tools initramfs-tools-core ifupdown
  apt-get -q -y autoremove --purge
  apt-get clean
  rm -f /etc/network/interfaces
  rm -rf /etc/initramfs-tools
  systemctl enable systemd-networkd.service serial-getty@hvc0.service
  echo "grub-pc grub-pc/install_devices multiselect /dev/xvda" | debconf-set-selections
  for k in /lib/modules/*; do
    v=${k##*/}
    dracut -q --force /boot/initrd.img-$v $v
  done
' >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the xfs tree failed"
}
guests_update_grub "$tree" /dev/xvda1 /dev/xvda "$ROOT_UUID" \
  >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "update-grub failed"
}
# The stand-in grub-probe answers "ext2": the root is XFS.
sed -i 's/insmod ext2$/insmod xfs/' "$tree/boot/grub/grub.cfg"
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/var/log/apt/* "$tree"/var/log/*.log

# Check what we claim, with the guest's own tools.
grep -q "root=/dev/xvda1 " "$tree/boot/grub/grub.cfg" \
  || guests_die "grub.cfg does not boot root=/dev/xvda1"
grep -q "insmod xfs" "$tree/boot/grub/grub.cfg" \
  || guests_die "grub.cfg does not load xfs"
[ ! -e "$tree/usr/sbin/update-initramfs" ] \
  || guests_die "initramfs-tools is still installed"
listing=$(guests_chroot "$tree" /bin/sh -c \
  'for i in /boot/initrd.img-*; do lsinitrd "$i"; done' | tr _ -)
for m in xen-blkfront xen-netfront xfs; do
  grep -q "/$m\.ko" <<<"$listing" || guests_die "xfs shape initramfs lacks $m"
done
if grep -E '/virtio[^/]*\.ko' <<<"$listing"; then
  guests_die "xfs shape initramfs contains virtio modules (above)"
fi
guests_timer_end "configuring the xfs tree"

guests_timer_start
d1=$work/xvda.img d2=$work/xvdb.img
truncate -s "${XFS_DISK1_MIB}M" "$d1"
truncate -s "${XFS_DISK2_MIB}M" "$d2"
sfdisk -q "$d1" <<EOF
label: dos
label-id: 0x${ROOT_UUID:0:8}
start=${GUESTS_ROOT_START_MIB}MiB, size=${GUESTS_ROOT_MIB}MiB, type=83, bootable
start=${GUESTS_SWAP_START_MIB}MiB, size=${GUESTS_SWAP_MIB}MiB, type=82
EOF
sfdisk -q "$d2" <<EOF
label: dos
label-id: 0x${VAR_UUID:0:6}02
start=1MiB, type=83
EOF
# core.img with the xfs module instead of ext2's (ext2 stays, harmless).
mkimage=$tree/usr/bin/grub-mkimage
mv "$mkimage" "$mkimage.v2kvm-real"
printf '#!/bin/sh\nexec /usr/bin/grub-mkimage.v2kvm-real "$@" xfs\n' >"$mkimage"
chmod 755 "$mkimage"
guests_install_grub "$tree" "$d1" "$ROOT_UUID" >>"$logf" 2>&1 \
  || guests_die "installing GRUB failed, see $logf"
mv -f "$mkimage.v2kvm-real" "$mkimage"

# File systems: separate images, filled through loop mounts, then copied
# into the partitions.
truncate -s "${GUESTS_ROOT_MIB}M" "$work/root.img"
truncate -s $(( XFS_DISK2_MIB - 1 ))M "$work/var.img"
mkfs.xfs -q -f -L root -m uuid="$ROOT_UUID" "$work/root.img" >>"$logf" 2>&1
mkfs.xfs -q -f -L var -m uuid="$VAR_UUID" "$work/var.img" >>"$logf" 2>&1
truncate -s "${GUESTS_SWAP_MIB}M" "$work/swap.img"
mkswap -q -L swap -U "$SWAP_UUID" "$work/swap.img" >/dev/null
unshare --mount --propagation private -- /bin/sh -ec '
  work=$1 tree=$2
  mkdir -p "$work/mnt"
  mount -o loop "$work/root.img" "$work/mnt"
  mkdir -p "$work/mnt/var"
  mount -o loop "$work/var.img" "$work/mnt/var"
  tar -C "$tree" --numeric-owner --xattrs --xattrs-include="*" -cf - . \
    | tar -C "$work/mnt" --numeric-owner --xattrs --xattrs-include="*" -xf -
  umount "$work/mnt/var"
  umount "$work/mnt"
' sh "$work" "$tree" >>"$logf" 2>&1 || guests_die "filling the XFS file systems failed, see $logf"
xfs_repair -n "$work/root.img" >>"$logf" 2>&1 || guests_die "root XFS is not clean"
xfs_repair -n "$work/var.img" >>"$logf" 2>&1 || guests_die "/var XFS is not clean"
dd if="$work/root.img" of="$d1" bs=1M seek="$GUESTS_ROOT_START_MIB" \
  conv=notrunc,sparse status=none
dd if="$work/swap.img" of="$d1" bs=1M seek="$GUESTS_SWAP_START_MIB" \
  conv=notrunc,sparse status=none
dd if="$work/var.img" of="$d2" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$work/root.img" "$work/var.img" "$work/swap.img"

mkdir -p "$work/out"
mv "$d1" "$d2" "$work/out/"
cat >"$work/out/v2kvm-xfs.cfg" <<EOF
# v2kvm test shape S2 (tests/guests/shape-xfs.sh): Debian 12 HVM guest,
# XFS root on xvda, XFS /var on xvdb, dracut, systemd-networkd enX0.
name = "v2kvm-xfs"
type = "hvm"
memory = 1024
vcpus = 1
boot = "c"
disk = [ 'format=raw, vdev=xvda, access=rw, target=$out/xvda.img',
         'format=raw, vdev=xvdb, access=rw, target=$out/xvdb.img' ]
vif = [ 'mac=$XFS_MAC,bridge=xenbr0' ]
serial = "pty"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
EOF
rm -rf "$out"
mv "$work/out" "$out"
guests_timer_end "making the xfs shape disks"
guests_log "built $out ($(du -sh "$out" | cut -f1) allocated)"
echo "$cfg"
