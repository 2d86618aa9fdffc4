#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/shape-luks.sh: build (once) test-guest shape S4, a VMware
# Debian 11 (bullseye) guest whose root is on LUKS, and print the path of
# its .vmx ($GUEST_CACHE/shape-luks-KEY/v2kvm-luks.vmx, the disk and the
# passphrase file beside it).
#
# The shape (derived from the cached base tree of the release,
# build-base.sh; V2KVM_GUEST_RELEASE, default bullseye):
#   disk (sda, 1536 MiB, MBR)  p1 ext4 /boot (/dev/sda1, 256 MiB),
#                              p2 LUKS2 (pbkdf2, 1000 iterations so
#                              that TCG unlocks it in a second), holding
#                              the ext4 root as /dev/mapper/sda2_crypt;
#   /etc/crypttab  "sda2_crypt UUID=<LUKS UUID> none luks,discard" and
#   fstab /dev/mapper/sda2_crypt and /dev/sda1, as Debian's installer
#   writes them; grub root=/dev/mapper/sda2_crypt
#   (GRUB_DISABLE_LINUX_UUID), console=ttyS0 last, so the initramfs asks
#   for the passphrase on the serial port;
#   cryptsetup-initramfs; initramfs MODULES=list with only VMware/PC
#   storage drivers (no virtio, checked here with lsinitramfs, as is the
#   cryptroot configuration naming sda2_crypt);
#   open-vm-tools; NIC ens192 pinned to 00:50:56:aa:bb:14 by a .link
#   file, static 192.0.2.14/24 (ifupdown);
#   marker FLAVOR=luks, and before it v2kvm-luks-report.service printing
#   "V2KVM-MOUNT TARGET SOURCE FSTYPE" for / and /boot (findmnt) and
#   "V2KVM-OS ID VERSION_ID" on the serial console.
#
# The disk is made in the libguestfs appliance (the host may lack
# device-mapper): LUKS formatted there with cryptsetup, the tree put in,
# then update-initramfs, grub-install and update-grub (in that order, so
# that grub.cfg loads the initrd) run inside it with
# the mapping open under its crypttab name, so the cryptroot hook finds
# the root as the installed system would.  The passphrase reaches
# cryptsetup through a file (a second "disk"), never an argv.
#
# Output: $GUEST_CACHE/shape-luks-KEY/{v2kvm-luks.vmx, v2kvm-luks.vmdk
# (monolithicSparse), passphrase}, KEY hashing the base key, the release
# and this script.  Exit 0 = built or cached (.vmx path on stdout), 1 =
# failed, 77 = cannot build here (reason on stdout).
# Usage: shape-luks.sh [--print-key]
set -euo pipefail
export V2KVM_GUEST_RELEASE=${V2KVM_GUEST_RELEASE:-bullseye}
. "$(dirname "$0")/common.sh"

LUKS_MAC=00:50:56:aa:bb:14
LUKS_ADDR=192.0.2.14/24
LUKS_UUID=7e571400-0000-4000-8000-000000014104
LUKS_PASS=v2kvm-luks-shape-S4
BOOT_END=526335                 # sectors: p1 2048..BOOT_END (256 MiB)

key=$({ guests_base_key; echo "$GUESTS_SUITE"
        guests_hash "$GUESTS_DIR/shape-luks.sh"; } | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
out=$GUEST_CACHE/shape-luks-$key
vmx=$out/v2kvm-luks.vmx
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi

unable () { echo "cannot build the luks shape: $*"; exit 77; }
[ "$(id -u)" = 0 ] || unable "not root (chroot needs it)"
for c in guestfish qemu-img zstd flock; do
  command -v "$c" >/dev/null 2>&1 || unable "'$c' is not installed"
done

rc=0
base=$("$GUESTS_DIR/build-base.sh") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$base"; exit "$rc"; fi
tarball=${base%.img}.tar.zst

# A lock of this shape's own: its build does not wait for other guests'.
mkdir -p "$GUEST_CACHE"
exec 9>"$GUEST_CACHE/.build-shape-luks.lock"
flock 9
if [ -f "$vmx" ]; then echo "$vmx"; exit 0; fi

guests_begin shape-luks "$key" 14
BOOT_UUID=7e571400-0000-4000-8000-000000014103

guests_timer_start
zstd -q -dc "$tarball" \
  | tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf -

echo v2kvm-luks >"$tree/etc/hostname"
sed -i "s/v2kvm-base/v2kvm-luks/" "$tree/etc/hosts"
cat >"$tree/etc/fstab" <<'EOF'
# /etc/fstab: static file system information.
/dev/mapper/sda2_crypt	/	ext4	errors=remount-ro	0	1
/dev/sda1	/boot	ext4	defaults	0	2
EOF
cat >"$tree/etc/crypttab" <<EOF
# <target name>	<source device>		<key file>	<options>
sda2_crypt	UUID=$LUKS_UUID	none	luks,discard
EOF
echo "RESUME=none" >"$tree/etc/initramfs-tools/conf.d/resume"
cat >"$tree/etc/network/interfaces" <<EOF
# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
auto ens192
iface ens192 inet static
	address $LUKS_ADDR
	gateway 192.0.2.1
EOF
rm -f "$tree/etc/systemd/network/10-v2kvm-lan0.link"
cat >"$tree/etc/systemd/network/10-v2kvm-ens192.link" <<EOF
[Match]
MACAddress=$LUKS_MAC

[Link]
Name=ens192
EOF
cat >"$tree/etc/v2kvm-marker.conf" <<EOF
FLAVOR=luks
IFACE=ens192
ADDR=$LUKS_ADDR
EOF
cat >"$tree/etc/systemd/system/v2kvm-luks-report.service" <<'EOF'
[Unit]
Description=v2kvm luks shape: mounts and release on the serial console
Before=v2kvm-marker.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '{ findmnt -rn -o TARGET,SOURCE,FSTYPE | grep -E "^/(boot)? " | sed "s/^/V2KVM-MOUNT /"; . /etc/os-release; echo "V2KVM-OS $ID $VERSION_ID"; } | tee /dev/ttyS0'

[Install]
WantedBy=multi-user.target
EOF

sed -i -e 's|^GRUB_CMDLINE_LINUX=.*|GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"|' \
  "$tree/etc/default/grub"
echo "GRUB_DISABLE_LINUX_UUID=true" >>"$tree/etc/default/grub"
sed -i 's/^MODULES=.*/MODULES=list/' "$tree/etc/initramfs-tools/initramfs.conf"
{
  echo "# v2kvm luks shape (VMware guest): the only drivers in the initramfs"
  for m in mptspi mptsas vmw_pvscsi ata_piix ahci sd_mod sr_mod ext4 \
           crc32c_generic; do echo "$m"; done
  # The cipher in portable C (xts over ecb(aes), as the 5.10 kernel
  # builds it): the cryptsetup hook picks the cipher
  # modules from the running kernel's /proc/crypto, which in the build's
  # appliance (a -cpu max TCG guest) names aesni_intel; a CPU without
  # AES-NI (qemu's default model under TCG) then cannot set up the
  # mapping ("Error allocating crypto tfm") on kernels where AES is a
  # module (Debian 11's 5.10).
  for m in dm_crypt ecb xts aes_generic; do echo "$m"; done
} >>"$tree/etc/initramfs-tools/modules"

guests_chroot "$tree" /bin/sh -ec '
  apt-get -q update
  apt-get -q -y install --no-install-recommends cryptsetup-initramfs \
    open-vm-tools
  apt-get clean
  systemctl enable v2kvm-luks-report.service
  echo "grub-pc grub-pc/install_devices multiselect /dev/sda" | debconf-set-selections
' >>"$logf" 2>&1 || {
  tail -30 "$logf" >&2
  guests_die "configuring the luks tree failed"
}
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin \
  "$tree"/var/log/apt/* "$tree"/var/log/*.log "$tree"/boot/initrd.img-*
tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' \
  -cf "$work/tree.tar" .
rm -rf --one-file-system "$tree"
guests_timer_end "configuring the luks tree"

guests_timer_start
printf '%s' "$LUKS_PASS" >"$work/passphrase"
truncate -s 1536M "$work/sda.img"
cat >"$work/build.gf" <<EOF
add $work/sda.img format:raw
add $work/passphrase format:raw readonly:true
run
part-init /dev/sda mbr
part-add /dev/sda p 2048 $BOOT_END
part-add /dev/sda p $((BOOT_END + 1)) -1
part-set-bootable /dev/sda 1 true
mkfs ext4 /dev/sda1 label:boot
set-uuid /dev/sda1 $BOOT_UUID
debug sh "udevadm settle; for i in \$(seq 1 60); do [ -b /dev/sda2 ] && break; sleep 1; done; head -c ${#LUKS_PASS} /dev/sdb >/tmp/k && cryptsetup -q luksFormat --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --uuid $LUKS_UUID --key-file /tmp/k /dev/sda2 && cryptsetup open --allow-discards --key-file /tmp/k /dev/sda2 sda2_crypt && rm -f /tmp/k && echo luks-ready"
mkfs ext4 /dev/mapper/sda2_crypt label:root
set-uuid /dev/mapper/sda2_crypt $ROOT_UUID
mount /dev/mapper/sda2_crypt /
mkdir /boot
mount /dev/sda1 /boot
tar-in $work/tree.tar / xattrs:true
command "update-initramfs -c -k all"
command "grub-install /dev/sda"
command "update-grub"
sh "for i in /boot/initrd.img-*; do lsinitramfs \$i; done | grep -E 'cryptroot/crypttab|sbin/cryptsetup|virtio|vmw_pvscsi' | sed 's/^/IRD /'"
sh "for i in /boot/initrd.img-*; do unmkinitramfs \$i /tmp/ird; done; sed 's/^/CRYPTROOT /' /tmp/ird/main/cryptroot/crypttab /tmp/ird/cryptroot/crypttab 2>/dev/null; rm -rf /tmp/ird"
cat /boot/grub/grub.cfg
fstrim /
fstrim /boot
umount-all
debug sh "cryptsetup close sda2_crypt && echo luks-closed"
EOF
LIBGUESTFS_BACKEND=direct \
LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} \
  guestfish -f "$work/build.gf" >"$work/check" 2>>"$logf" || {
  cat "$work/check" >>"$logf"
  tail -30 "$logf" >&2
  guests_die "building the luks disk in the appliance failed"
}
cat "$work/check" >>"$logf"
rm -f "$work/tree.tar"

# Check what we claim.
grep -qx luks-ready "$work/check" && grep -qx luks-closed "$work/check" \
  || guests_die "cryptsetup did not format, open and close the LUKS device"
grep -q "root=/dev/mapper/sda2_crypt " "$work/check" \
  || guests_die "grub.cfg does not boot root=/dev/mapper/sda2_crypt"
grep -q "console=ttyS0" "$work/check" || guests_die "grub.cfg lacks console=ttyS0"
# update-grub lists an initrd only if the image exists when it runs.
grep -Eq "^[[:space:]]*initrd[[:space:]]+/initrd\.img-" "$work/check" \
  || guests_die "grub.cfg loads no initrd"
grep -Eq "^IRD .*sbin/cryptsetup$" "$work/check" \
  || guests_die "the initramfs has no cryptsetup"
grep -Eq "^IRD .*vmw_pvscsi\.ko" "$work/check" \
  || guests_die "the initramfs lacks vmw_pvscsi"
! grep -Eq "^IRD .*/virtio[^/]*\.ko" "$work/check" \
  || guests_die "the initramfs contains virtio modules"
grep -Eq "^CRYPTROOT sda2_crypt UUID=$LUKS_UUID " "$work/check" \
  || guests_die "the initramfs's cryptroot/crypttab does not unlock sda2_crypt"

mkdir -p "$work/out"
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic \
  "$work/sda.img" "$work/out/v2kvm-luks.vmdk" 2>>"$logf" \
  || guests_die "qemu-img convert to monolithicSparse failed, see $logf"
rm -f "$work/sda.img"
printf '%s\n' "$LUKS_PASS" >"$work/out/passphrase"
cat >"$work/out/v2kvm-luks.vmx" <<EOF
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "19"
displayName = "v2kvm-luks"
guestOS = "debian11-64"
firmware = "bios"
memsize = "1024"
numvcpus = "1"
uuid.bios = "56 4d 7e 57 14 00 00 40-80 00 00 00 00 14 01 01"
annotation = "v2kvm test guest (tests/guests/shape-luks.sh): Debian $GUESTS_SUITE, root on LUKS (sda2_crypt, cryptsetup-initramfs), /boot on sda1, ens192 static $LUKS_ADDR."
pciBridge0.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0.pciSlotNumber = "160"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "v2kvm-luks.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "static"
ethernet0.address = "$LUKS_MAC"
ethernet0.pciSlotNumber = "192"
tools.syncTime = "FALSE"
EOF
chmod -R a-w "$work/out"/*
mv -T "$work/out" "$out"
guests_timer_end "making the luks disk"
guests_log "built $out ($(du -sh "$out" | cut -f1))"
echo "$vmx"
