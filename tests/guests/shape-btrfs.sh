#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/shape-btrfs.sh: build (once) shape S3 of issue 15, a VMware
# guest running Debian 13 (trixie) on a btrfs root with the subvolumes @
# (mounted on /) and @home (on /home), and print the path of its .vmx.
#
# Derived from the trixie base (build-base.sh with
# V2KVM_GUEST_RELEASE=trixie), made to look as the vmware flavor
# (make-flavor.sh) does, i.e. what a converter has to repair:
#   - fstab, resume and grub root= on /dev/sda* names, with the
#     subvolumes as "subvol=@" / "subvol=@home" mount options (the way
#     Debian's installer writes a btrfs root), GRUB_DISABLE_LINUX_UUID;
#   - initramfs MODULES=list with only VMware/PC storage drivers + btrfs,
#     no virtio; btrfs-progs (its initramfs hook) and open-vm-tools;
#   - NIC ens192 pinned by a .link file to 00:50:56:aa:bb:13, static
#     192.0.2.13/24 (ifupdown), marker "V2KVM-MARKER btrfs ens192=...";
#   - before the marker, a drop-in of the marker unit prints every mounted
#     block file system as "V2KVM-MOUNT TARGET SOURCE FSTYPE OPTIONS"
#     (findmnt), so a boot shows the subvolumes where they belong.
#
# The disk (1536 MiB, MBR, p1 btrfs 1..1280 MiB, p2 swap, the layout of
# common.sh) is made in the libguestfs appliance: mkfs.btrfs, the two
# subvolumes, the tree unpacked into them, and then the guest's own
# update-grub runs inside it (guestfs(3) "command"), so grub.cfg carries the "/@/boot/..." paths and "rootflags=subvol=@" that
# GRUB's 10_linux writes for a subvolume root; the host never mounts it.
#
# Output, keyed by the trixie base key and this script:
#   $GUEST_CACHE/shape-btrfs-KEY/v2kvm-btrfs.vmx   (printed)
#   $GUEST_CACHE/shape-btrfs-KEY/v2kvm-btrfs.vmdk  monolithicSparse
# Exit 0 = built or cached, 1 = failed, 77 = cannot build here (reason on
# stdout).  Usage: shape-btrfs.sh [--print-key]
set -euo pipefail
export V2KVM_GUEST_RELEASE=trixie
. "$(dirname "$0")/common.sh"

iface=ens192 mac=00:50:56:aa:bb:13 addr=192.0.2.13/24 disk=/dev/sda
modules="mptspi mptsas vmw_pvscsi ata_piix ahci sd_mod sr_mod btrfs"

key=$({ guests_base_key; guests_hash "$GUESTS_DIR/shape-btrfs.sh"; } \
  | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
dir=$GUEST_CACHE/shape-btrfs-$key
vmx=$dir/v2kvm-btrfs.vmx
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi

for c in guestfish qemu-img; do
  command -v "$c" >/dev/null 2>&1 || { echo "'$c' is not installed"; exit 77; }
done
rc=0
base=$("$GUESTS_DIR/build-base.sh") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$base"; exit "$rc"; fi
tarball=${base%.img}.tar.zst

# Its own lock, not the cache-wide one (guests_lock): builds of other
# keys need not wait for this one, nor it for them.
mkdir -p "$GUEST_CACHE"
exec 9>"$GUEST_CACHE/.shape-btrfs.lock"
flock -n 9 || { guests_log "waiting for another btrfs shape build"; flock 9; }
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi
guests_begin shape-btrfs "$key" 13

guests_timer_start
zstd -q -dc "$tarball" \
  | tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf -

echo v2kvm-btrfs >"$tree/etc/hostname"
sed -i "s/v2kvm-base/v2kvm-btrfs/" "$tree/etc/hosts"
cat >"$tree/etc/fstab" <<EOF
# /etc/fstab: static file system information.
${disk}1	/	btrfs	defaults,subvol=@	0	0
${disk}1	/home	btrfs	defaults,subvol=@home	0	0
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
cat >"$tree/etc/systemd/network/10-v2kvm-$iface.link" <<EOF
[Match]
MACAddress=$mac

[Link]
Name=$iface
EOF
cat >"$tree/etc/v2kvm-marker.conf" <<EOF
FLAVOR=btrfs
IFACE=$iface
ADDR=$addr
EOF
cat >"$tree/usr/local/sbin/v2kvm-mounts" <<'EOF'
#!/bin/sh
# v2kvm test guest: print the mounted block file systems on the consoles
# (before the boot marker, see v2kvm-marker).
findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS -t btrfs,ext4,xfs,vfat |
while read -r line; do
  for c in /dev/ttyS0 /dev/console; do
    [ -c "$c" ] || continue
    timeout 5 sh -c 'printf "%s\r\n" "$1" >"$2"' sh "V2KVM-MOUNT $line" "$c" 2>/dev/null || :
  done
done
for s in $(swapon --show=NAME --noheadings); do
  printf 'V2KVM-MOUNT swap %s\r\n' "$s" >/dev/ttyS0 2>/dev/null || :
done
exit 0
EOF
chmod 755 "$tree/usr/local/sbin/v2kvm-mounts"
mkdir -p "$tree/etc/systemd/system/v2kvm-marker.service.d"
cat >"$tree/etc/systemd/system/v2kvm-marker.service.d/mounts.conf" <<'EOF'
[Service]
ExecStartPre=/usr/local/sbin/v2kvm-mounts
EOF

sed -i -e 's|^GRUB_CMDLINE_LINUX=.*|GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"|' \
  "$tree/etc/default/grub"
echo "GRUB_DISABLE_LINUX_UUID=true" >>"$tree/etc/default/grub"
sed -i 's/^MODULES=.*/MODULES=list/' "$tree/etc/initramfs-tools/initramfs.conf"
{
  echo "# v2kvm btrfs test guest: the only drivers in the initramfs"
  for m in $modules; do echo "$m"; done
} >>"$tree/etc/initramfs-tools/modules"

guests_chroot "$tree" /bin/sh -ec '
  apt-get -q update
  apt-get -q -y install --no-install-recommends btrfs-progs open-vm-tools
  apt-get clean
  echo "grub-pc grub-pc/install_devices multiselect /dev/sda" | debconf-set-selections
  update-initramfs -u -k all
' >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the btrfs tree failed"
}
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/var/log/apt/* "$tree"/var/log/*.log
listing=$(guests_chroot "$tree" /bin/sh -c \
  'for i in /boot/initrd.img-*; do lsinitramfs "$i"; done' | tr _ -)
for m in $modules; do
  grep -q "/$(tr _ - <<<"$m")\.ko" <<<"$listing" \
    || guests_die "btrfs initramfs lacks $m"
done
! grep -E '/virtio[^/]*\.ko' <<<"$listing" \
  || guests_die "btrfs initramfs contains virtio modules (above)"
guests_timer_end "configuring the btrfs tree"

guests_timer_start
# GRUB for i386-pc as guests_install_grub (common.sh) writes it, with the
# btrfs module and the prefix inside subvolume @.  grub-install cannot do
# it in the appliance (it takes the chroot's disk for the appliance's).
img=$work/btrfs.img
truncate -s "${GUESTS_DISK_MIB}M" "$img"
sfdisk -q "$img" <<EOT
label: dos
label-id: 0x${ROOT_UUID:0:8}
start=${GUESTS_ROOT_START_MIB}MiB, size=${GUESTS_ROOT_MIB}MiB, type=83, bootable
start=${GUESTS_SWAP_START_MIB}MiB, size=${GUESTS_SWAP_MIB}MiB, type=82
EOT
lib=/usr/lib/grub/i386-pc
mkdir -p "$tree/boot/grub/i386-pc"
cp "$tree$lib"/*.mod "$tree$lib"/*.lst "$tree/boot/grub/i386-pc/"
cat >"$tree/tmp/v2kvm-load.cfg" <<'EOT'
set root=(hd0,msdos1)
set prefix=(hd0,msdos1)/@/boot/grub
EOT
guests_chroot "$tree" grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img \
  -c /tmp/v2kvm-load.cfg -p /@/boot/grub biosdisk part_msdos btrfs \
  >>"$logf" 2>&1 || guests_die "grub-mkimage failed"
rm -f "$tree/tmp/v2kvm-load.cfg"
[ "$(stat -c %s "$tree/boot/grub/i386-pc/core.img")" -lt \
  $(( (GUESTS_ROOT_START_MIB * 2048 - 1) * 512 )) ] \
  || guests_die "core.img is too big for the post-MBR gap"
dd if="$tree/boot/grub/i386-pc/core.img" of="$img" bs=512 seek=1 \
  conv=notrunc status=none
dd if="$tree$lib/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none
tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' \
  -cf "$work/tree.tar" .
rm -rf --one-file-system "$tree"
# The guest's update-grub runs inside the appliance,
# chrooted into the mounted subvolume (with /dev, /proc, /sys bound).
# TCG: KVM here may be nested and broken (qemu aborts at launch).
LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg guestfish -a "$img" \
  >>"$logf" 2>&1 <<EOF || { tail -30 "$logf" >&2; guests_die "guestfish failed"; }
run
mkfs-btrfs /dev/sda1 label:root
set-uuid /dev/sda1 $ROOT_UUID
mkswap /dev/sda2 label:swap uuid:$SWAP_UUID
mount /dev/sda1 /
btrfs-subvolume-create /@
btrfs-subvolume-create /@home
umount /
mount-options subvol=@ /dev/sda1 /
mkdir-p /home
mount-options subvol=@home /dev/sda1 /home
tar-in $work/tree.tar / xattrs:true acls:true
sh "update-grub"
sh "grub-editenv /boot/grub/grubenv create"
cat /boot/grub/grub.cfg
btrfs-subvolume-list /
umount-all
EOF
rm -f "$work/tree.tar"
grep -q "root=${disk}1 " "$logf" || guests_die "grub.cfg does not boot root=${disk}1"
grep -q "rootflags=subvol=@ " "$logf" || guests_die "grub.cfg lacks rootflags=subvol=@"
grep -Eq 'linux[[:space:]]+/@/boot/vmlinuz' "$logf" \
  || guests_die "grub.cfg does not load the kernel from /@/boot"

mkdir -p "$work/out"
qemu-img convert -f raw -O vmdk \
  -o subformat=monolithicSparse,adapter_type=lsilogic \
  "$img" "$work/out/v2kvm-btrfs.vmdk" 2>>"$logf" \
  || guests_die "qemu-img convert to monolithicSparse failed, see $logf"
rm -f "$img"
sed -e 's/^displayName = .*/displayName = "v2kvm-btrfs"/' \
    -e 's/^guestOS = .*/guestOS = "other6xlinux-64"/' \
    -e 's/^uuid.bios = .*/uuid.bios = "56 4d 7e 57 13 00 00 40-80 00 00 00 00 13 01 01"/' \
    -e 's/^annotation = .*/annotation = "v2kvm test guest S3 (tests\/guests\/shape-btrfs.sh): Debian 13, btrfs root on subvolumes @ and @home, \/dev\/sda names, initramfs without virtio, ens192 static 192.0.2.13\/24."/' \
    -e "s/^ethernet0.address = .*/ethernet0.address = \"$mac\"/" \
    -e 's/^serial0.fileName = .*/serial0.fileName = "v2kvm-btrfs-console.log"/' \
    -e 's/@DISK@/v2kvm-btrfs.vmdk/' \
    "$GUESTS_DIR/vmware.vmx.in" >"$work/out/v2kvm-btrfs.vmx"
grep -q "\"$mac\"" "$work/out/v2kvm-btrfs.vmx" || guests_die "vmware.vmx.in: no ethernet0.address"
chmod a-w "$work/out"/*
rm -rf "$dir"
mv -T "$work/out" "$dir"
guests_timer_end "making the btrfs disk"
guests_log "built $dir ($(du -sh "$dir" | cut -f1))"
echo "$vmx"
