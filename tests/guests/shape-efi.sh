#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/shape-efi.sh: build (once) shape S1 of issue 15, a VMware
# UEFI Debian 12 guest, and print the path of its .vmx
# ($GUEST_CACHE/shape-efi-KEY/v2kvm-efi.vmx, disks beside it).
#
#   firmware    .vmx firmware = "efi"; GPT on disk 1 with an EFI system
#               partition holding only EFI/debian/ (shim-signed, the
#               signed grub, mmx64.efi, fbx64.efi, BOOTX64.CSV,
#               grub.cfg) as grub-install --no-nvram writes it: NO
#               EFI/BOOT/BOOTX64.EFI, the boot entry was in VMware's NVRAM
#   disk 1      sda1 ESP (vfat, 63 MiB), sda2 /boot (ext4, 192 MiB),
#   (scsi0:0)   sda3 LVM PV of VG "vg0": LV root (ext4, /) and LV swap
#   disk 2      sdb1 (MBR, ext4): /var
#   (scsi0:1)
#   names       fstab on /dev/sda1, /dev/sda2, /dev/sdb1 and
#               /dev/mapper/vg0-*; root=/dev/mapper/vg0-root in grub.cfg
#               (GRUB_DISABLE_LINUX_UUID=true); RESUME=/dev/mapper/vg0-swap
#   initramfs   MODULES=list with VMware/PC storage drivers only (no
#               virtio), plus what the lvm2 hook adds
#   network     NetworkManager keyfile ens192 (interface-name, no MAC),
#               static 192.0.2.12/24, ifupdown configures only lo; ens192
#               is NOT pinned (VMware names it after PCI slot 192): on
#               virtio the converter must keep the name
#   tools       open-vm-tools
#   marker      FLAVOR=efi, plus v2kvm-mounts.service printing
#               "V2KVM-MOUNT TARGET SOURCE FSTYPE" lines (findmnt) on the
#               serial console before the marker
#
# The appliance runs under TCG (force_tcg) unless
# LIBGUESTFS_BACKEND_SETTINGS says otherwise: nested KVM may be broken.
# Made from the base tree (build-base.sh): packages are added in a chroot
# on the host (network), then the disks are partitioned, filled and made
# bootable inside the libguestfs appliance, where the guest's own
# grub-install, update-grub and update-initramfs see the real devices
# (/dev/sda*, the LVs), exactly as on the VMware machine.  The cache key
# hashes the base key and this script.
#
# Usage: shape-efi.sh [--print-key]
# Exit 0 = built or cached (path on stdout), 1 = failed, 77 = cannot
# build here (reason on stdout).
set -euo pipefail
. "$(dirname "$0")/common.sh"

mac=00:50:56:aa:bb:11 iface=ens192 addr=192.0.2.12/24
modules="mptspi mptsas vmw_pvscsi ata_piix ahci sd_mod sr_mod ext4 crc32c_generic"
# disk 1: ESP 1..64 MiB, /boot 64..256 MiB, PV 256 MiB..end
disk1_mib=2048 disk2_mib=768 root_mib=1536

key=$( { guests_base_key; guests_hash "$GUESTS_DIR/shape-efi.sh"; } \
  | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
out=$GUEST_CACHE/shape-efi-$key
vmx=$out/v2kvm-efi.vmx
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi

command -v guestfish >/dev/null || { echo "guestfish is not installed"; exit 77; }
command -v qemu-img >/dev/null || { echo "qemu-img is not installed"; exit 77; }
rc=0
base=$("$GUESTS_DIR/build-base.sh") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$base"; exit "$rc"; fi
tarball=${base%.img}.tar.zst

guests_lock
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi
guests_begin shape-efi "$key" 11

guests_timer_start
zstd -q -dc "$tarball" \
  | tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf -

echo v2kvm-efi >"$tree/etc/hostname"
sed -i "s/v2kvm-base/v2kvm-efi/" "$tree/etc/hosts"
cat >"$tree/etc/fstab" <<'EOF'
# /etc/fstab: static file system information.
/dev/mapper/vg0-root	/	ext4	errors=remount-ro	0	1
/dev/sda2	/boot	ext4	defaults	0	2
/dev/sda1	/boot/efi	vfat	umask=0077	0	1
/dev/sdb1	/var	ext4	defaults	0	2
/dev/mapper/vg0-swap	none	swap	sw	0	0
EOF
mkdir -p "$tree/boot/efi"
echo "RESUME=/dev/mapper/vg0-swap" >"$tree/etc/initramfs-tools/conf.d/resume"

cat >"$tree/etc/network/interfaces" <<'EOF'
# The loopback network interface (NetworkManager has the rest)
auto lo
iface lo inet loopback
EOF
rm -f "$tree/etc/systemd/network/10-v2kvm-lan0.link"
mkdir -p "$tree/etc/NetworkManager/system-connections"
cat >"$tree/etc/NetworkManager/system-connections/$iface.nmconnection" <<EOF
[connection]
id=$iface
uuid=7e571100-0000-4000-8000-000000001103
type=ethernet
interface-name=$iface

[ethernet]

[ipv4]
method=manual
address1=$addr,192.0.2.1

[ipv6]
method=disabled
EOF
chmod 600 "$tree/etc/NetworkManager/system-connections/$iface.nmconnection"
cat >"$tree/etc/v2kvm-marker.conf" <<EOF
FLAVOR=efi
IFACE=$iface
ADDR=$addr
EOF
cat >"$tree/etc/systemd/system/v2kvm-mounts.service" <<'EOF'
[Unit]
Description=v2kvm test guest: mounted file systems on the serial console
After=local-fs.target
Before=v2kvm-marker.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'findmnt -rn -o TARGET,SOURCE,FSTYPE | grep -E "^/(boot|boot/efi|var)? " | sed "s/^/V2KVM-MOUNT /" | tee /dev/ttyS0'
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF

sed -i 's/^MODULES=.*/MODULES=list/' "$tree/etc/initramfs-tools/initramfs.conf"
{
  echo "# v2kvm efi test guest: the only drivers in the initramfs"
  for m in $modules; do echo "$m"; done
} >>"$tree/etc/initramfs-tools/modules"

guests_chroot "$tree" /bin/sh -ec '
  apt-get -q update
  echo "grub-efi-amd64 grub2/update_nvram boolean false" | debconf-set-selections
  echo "grub-efi-amd64 grub2/force_efi_extra_removable boolean false" | debconf-set-selections
  echo "grub-efi-amd64 grub2/linux_cmdline string console=tty0 console=ttyS0,115200n8" | debconf-set-selections
  apt-get -q -y install --no-install-recommends lvm2 network-manager \
    open-vm-tools grub-efi-amd64 grub-efi-amd64-signed shim-signed \
    dosfstools
  apt-get -q -y purge grub-pc grub-pc-bin ifupdown 2>/dev/null || :
  apt-get clean
  systemctl enable NetworkManager.service v2kvm-mounts.service
' >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the efi tree failed"
}
# Written after the packages: replacing grub-pc by grub-efi-amd64 makes
# ucf rewrite /etc/default/grub from debconf.  The EFI console is on the
# serial port through OVMF, so grub needs no serial terminal of its own;
# the kernel prints on ttyS0.
cat >"$tree/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_TERMINAL=console
GRUB_GFXPAYLOAD_LINUX=text
GRUB_DISABLE_LINUX_UUID=true
GRUB_DISABLE_OS_PROBER=true
EOF
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/var/log/apt/* "$tree"/var/log/*.log "$tree"/boot/grub/i386-pc
tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' \
  -cf "$work/tree.tar" .
rm -rf --one-file-system "$tree"
guests_timer_end "configuring the efi tree"

guests_timer_start
truncate -s "${disk1_mib}M" "$work/sda.img"
truncate -s "${disk2_mib}M" "$work/sdb.img"
cat >"$work/build.gf" <<EOF
add $work/sda.img format:raw
add $work/sdb.img format:raw
run
part-init /dev/sda gpt
part-add /dev/sda p 2048 131071
part-add /dev/sda p 131072 524287
part-add /dev/sda p 524288 -34
part-set-gpt-type /dev/sda 1 C12A7328-F81F-11D2-BA4B-00A0C93EC93B
part-set-gpt-type /dev/sda 3 E6D6D379-F507-44C2-A23C-238F2A3DF928
part-set-name /dev/sda 1 EFI
part-set-name /dev/sda 2 boot
part-set-name /dev/sda 3 lvm
part-disk /dev/sdb mbr
mkfs vfat /dev/sda1
mkfs ext4 /dev/sda2 label:boot
pvcreate /dev/sda3
vgcreate vg0 /dev/sda3
lvcreate root vg0 $root_mib
lvcreate-free swap vg0 100
mkfs ext4 /dev/vg0/root label:root
mkswap /dev/vg0/swap label:swap
mkfs ext4 /dev/sdb1 label:var
mount /dev/vg0/root /
mkdir /boot
mount /dev/sda2 /boot
mkdir /boot/efi
mount /dev/sda1 /boot/efi
mkdir /var
mount /dev/sdb1 /var
tar-in $work/tree.tar / xattrs:true
command "grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian --uefi-secure-boot --no-nvram"
command "update-grub"
command "update-initramfs -u -k all"
EOF
LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} guestfish -f "$work/build.gf" >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "building the efi disks in the appliance failed"
}
rm -f "$work/tree.tar"

# Check what we claim, with libguestfs reading the finished disks.
LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} guestfish --ro -a "$work/sda.img" -a "$work/sdb.img" \
  -i <<'EOF' >"$work/check" 2>>"$logf" || guests_die "cannot read back the efi disks"
ls /boot/efi/EFI
ls /boot/efi/EFI/debian
cat /boot/efi/EFI/debian/grub.cfg
cat /boot/grub/grub.cfg
mountpoints
EOF
cat "$work/check" >>"$logf"
grep -qx shimx64.efi "$work/check" || guests_die "no EFI/debian/shimx64.efi"
grep -qx grubx64.efi "$work/check" || guests_die "no EFI/debian/grubx64.efi"
! grep -qix boot "$work/check" || guests_die "the ESP has an EFI/BOOT folder"
grep -q "root=/dev/mapper/vg0-root " "$work/check" \
  || guests_die "grub.cfg does not boot root=/dev/mapper/vg0-root"
grep -q "console=ttyS0" "$work/check" || guests_die "grub.cfg lacks console=ttyS0"

mkdir -p "$work/out"
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic \
  "$work/sda.img" "$work/out/v2kvm-efi.vmdk" 2>>"$logf" &&
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic \
  "$work/sdb.img" "$work/out/v2kvm-efi_1.vmdk" 2>>"$logf" \
  || guests_die "qemu-img convert to monolithicSparse failed, see $logf"
cat >"$work/out/v2kvm-efi.vmx" <<EOF
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "19"
displayName = "v2kvm-efi"
guestOS = "debian12-64"
firmware = "efi"
memsize = "1024"
numvcpus = "1"
uuid.bios = "56 4d 7e 57 11 00 00 40-80 00 00 00 00 11 01 01"
annotation = "v2kvm test guest (tests/guests/shape-efi.sh): Debian 12 UEFI, ESP without EFI/BOOT, LVM root and swap, /boot, /var on disk 2, NetworkManager ens192 static $addr."
pciBridge0.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0.pciSlotNumber = "160"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "v2kvm-efi.vmdk"
scsi0:1.present = "TRUE"
scsi0:1.deviceType = "scsi-hardDisk"
scsi0:1.fileName = "v2kvm-efi_1.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "static"
ethernet0.address = "$mac"
ethernet0.pciSlotNumber = "192"
tools.syncTime = "FALSE"
EOF
chmod -R a-w "$work/out"/*
mv -T "$work/out" "$out"
guests_timer_end "making the efi disks"
guests_log "built $out ($(du -sh "$out" | cut -f1))"
echo "$vmx"
