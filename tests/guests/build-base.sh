#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/build-base.sh: build (once) the Debian 12 base test guest
# and print the path of its raw disk image.
#
# The base is a real, bootable Debian 12 (bookworm) made with debootstrap
# (minbase + kernel, initramfs-tools, grub-pc, systemd-sysv, ifupdown,
# iproute2, udev, kmod, e2fsprogs; no recommends) from the mirror APT on
# this host already uses (see guests_mirror in common.sh).  It is a
# KVM-native guest: root=UUID= and fstab by UUID, generic initramfs
# (MODULES=most, so virtio is inside), a NIC named "lan0" pinned to MAC
# 52:54:00:aa:bb:00 with 192.0.2.9/24, and the boot marker unit.  The
# VMware and Xen flavors (make-flavor.sh) are derived from its tree.
#
# Outputs in the cache ($GUEST_CACHE, default /var/tmp/v2kvm-guests),
# keyed by a hash of the scripts and files that make them:
#   base-KEY.img       1.5 GiB raw MBR disk: p1 ext4 root, p2 swap
#   base-KEY.tar.zst   the root tree (input of make-flavor.sh)
# A flock serialises builds, so parallel tests build once.
#
# Needs root (chroot, mounts in a private namespace), debootstrap,
# e2fsprogs >= 1.43 (mkfs.ext4 -d), sfdisk, zstd and the network to the
# Debian archive.  Exit 0 = built or cached (path on stdout), 1 = failed,
# 77 = cannot build here (reason on stdout), like a test skip.
#
# Usage: build-base.sh [--print-key]
set -euo pipefail
. "$(dirname "$0")/common.sh"

key=$(guests_base_key)
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
img=$GUEST_CACHE/base-$key.img
tarball=$GUEST_CACHE/base-$key.tar.zst

if [ -f "$img" ] && [ -f "$tarball" ]; then echo "$img"; exit 0; fi

unable () { echo "cannot build the test guest: $*"; exit 77; }
[ "$(id -u)" = 0 ] || unable "not root (debootstrap and chroot need it)"
for c in debootstrap mkfs.ext4 sfdisk mkswap unshare zstd flock; do
  command -v "$c" >/dev/null 2>&1 || unable "'$c' is not installed"
done
mirror=$(guests_mirror) || unable "no Debian '$GUESTS_SUITE' mirror in /etc/apt"

guests_lock
if [ -f "$img" ] && [ -f "$tarball" ]; then echo "$img"; exit 0; fi

guests_begin base "$key" 01

guests_timer_start
guests_log "debootstrap $GUESTS_SUITE from $mirror"
pkgs=linux-image-amd64,initramfs-tools,systemd-sysv,udev,kmod,ifupdown
pkgs=$pkgs,iproute2,e2fsprogs,zstd,ca-certificates
# In a private mount namespace: debootstrap's own /proc and /sys mounts
# in the tree go away with it, whatever happens.
unshare --mount --propagation private -- \
  debootstrap --variant=minbase --components=main --include="$pkgs" \
  "$GUESTS_SUITE" "$tree" "$mirror" >>"$logf" 2>&1 || {
    # No answer from the mirror at all: this machine cannot build it.
    grep -q 'Failed getting release file' "$logf" \
      && unable "cannot reach the Debian mirror $mirror"
    tail -30 "$logf" >&2
    guests_die "debootstrap failed"
  }
guests_timer_end "debootstrap"

# Keep services from starting while we configure the tree.
printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
chmod 755 "$tree/usr/sbin/policy-rc.d"

# Later installs (the flavors) skip documentation, like Debian's images.
cat >"$tree/etc/dpkg/dpkg.cfg.d/01-v2kvm-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
printf 'APT::Install-Recommends "false";\n' \
  >"$tree/etc/apt/apt.conf.d/01-v2kvm-norecommends"

echo v2kvm-base >"$tree/etc/hostname"
cat >"$tree/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	v2kvm-base
::1		localhost ip6-localhost ip6-loopback
EOF
cat >"$tree/etc/fstab" <<EOF
# /etc/fstab: static file system information.
UUID=$ROOT_UUID	/	ext4	errors=remount-ro	0	1
UUID=$SWAP_UUID	none	swap	sw	0	0
EOF
echo "RESUME=UUID=$SWAP_UUID" >"$tree/etc/initramfs-tools/conf.d/resume"
: >"$tree/etc/machine-id"

cat >"$tree/etc/network/interfaces" <<'EOF'
# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
auto lan0
iface lan0 inet static
	address 192.0.2.9/24
	gateway 192.0.2.1
EOF
mkdir -p "$tree/etc/systemd/network"
cat >"$tree/etc/systemd/network/10-v2kvm-lan0.link" <<'EOF'
[Match]
MACAddress=52:54:00:aa:bb:00

[Link]
Name=lan0
EOF
cat >"$tree/etc/v2kvm-marker.conf" <<'EOF'
FLAVOR=base
IFACE=lan0
ADDR=192.0.2.9/24
EOF
install -m 755 "$GUESTS_DIR/files/v2kvm-marker" "$tree/usr/local/sbin/v2kvm-marker"
install -m 644 "$GUESTS_DIR/files/v2kvm-marker.service" \
  "$tree/etc/systemd/system/v2kvm-marker.service"

cat >"$tree/etc/default/grub" <<'EOF'
# v2kvm test guest (Debian 12 defaults, plus a serial console).
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --speed=115200"
EOF

guests_timer_start
guests_chroot "$tree" /bin/sh -ec '
  echo root:v2kvm | chpasswd
  systemctl enable v2kvm-marker.service
  echo "grub-pc grub-pc/install_devices multiselect" | debconf-set-selections
  echo "grub-pc grub-pc/install_devices_empty boolean true" | debconf-set-selections
  apt-get -q update
  apt-get -q -y install --no-install-recommends grub-pc
  update-initramfs -u -k all
  apt-get clean
' >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the base tree failed"
}
guests_update_grub "$tree" /dev/sda1 /dev/sda "$ROOT_UUID" \
  >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "update-grub failed"
}
grep -q "root=UUID=$ROOT_UUID" "$tree/boot/grub/grub.cfg" \
  || guests_die "grub.cfg does not boot root=UUID=$ROOT_UUID"
find "$tree/usr/share/doc" -type f ! -name copyright -delete
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/usr/share/man/* \
  "$tree"/usr/share/info/* "$tree"/usr/share/locale/* \
  "$tree"/var/log/*.log "$tree"/var/log/apt/* "$tree"/root/.bash_history
guests_timer_end "configuring the tree"

guests_timer_start
tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -cf - . \
  | zstd -q -T0 -3 -o "$work/base.tar.zst"
guests_make_disk "$tree" "$work/base.img" "$ROOT_UUID" "$SWAP_UUID" \
  || guests_die "making the disk image failed"
mv "$work/base.tar.zst" "$tarball"
mv "$work/base.img" "$img"
guests_timer_end "making the disk"
guests_log "built $img ($(du -h "$img" | cut -f1) allocated)"
echo "$img"
