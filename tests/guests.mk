# SPDX-License-Identifier: BSD-3-Clause
# tests/guests.mk: real Debian test guests (tests/guests/) and their boot tests.
# The guests are built once and cached in /var/tmp/v2kvm-guests (see
# tests/guests/build-base.sh); the control tests boot them under TCG.
TESTS += \
	tests/test-guest-control-vmware.sh \
	tests/test-guest-control-xen.sh \
	tests/test-guest-inputs.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-guest-control-vmware.sh \
	tests/test-guest-control-xen.sh \
	tests/test-guest-inputs.sh \
	tests/guests/make-inputs.sh \
	tests/guests/vmware.ovf.in \
	tests/guests/xen-libvirt.xml.in \
	tests/guests/xen-ova-xml.py \
	tests/guests/common.sh \
	tests/guests/release.sh \
	tests/guests/build-base.sh \
	tests/guests/make-flavor.sh \
	tests/guests/boot.sh \
	tests/guests/boot-slots.sh \
	tests/guests/functions-guests.sh \
	tests/guests/files/v2kvm-marker \
	tests/guests/files/v2kvm-marker.service \
	tests/guests/vmware.vmx.in \
	tests/guests/xen.cfg.in \
	tests/guests/README \
	$(NULL)
# Issue 15 shape S2 (tests/guests/shape-xfs.sh): Xen xl.cfg, two disks,
# XFS root and /var, dracut, systemd-networkd; converted and booted: SLOW.
TESTS += tests/test-shape-xfs.sh
SLOW_TESTS += tests/test-shape-xfs.sh
EXTRA_DIST += tests/test-shape-xfs.sh tests/guests/shape-xfs.sh \
	tests/data/shapes/xfs.changes

# Issue 15, shape S1 (h-efi): a VMware Debian 12 UEFI guest, LVM root,
# /var on a second disk, NetworkManager; built by guests/shape-efi.sh,
# converted and booted with OVMF by test-shape-efi.sh (SLOW).
TESTS += tests/test-shape-efi.sh
SLOW_TESTS += tests/test-shape-efi.sh
EXTRA_DIST += tests/test-shape-efi.sh tests/guests/shape-efi.sh \
	tests/data/shapes/efi.changes

# Issue 15 shape S3: Debian 13 VMware guest on btrfs subvolumes.
TESTS += tests/test-shape-btrfs.sh
SLOW_TESTS += tests/test-shape-btrfs.sh
EXTRA_DIST += \
	tests/test-shape-btrfs.sh \
	tests/guests/shape-btrfs.sh \
	tests/data/shapes/btrfs.changes \
	$(NULL)

# Issue 15 shape S4: a VMware Debian 11 guest with its root on LUKS
# (tests/guests/shape-luks.sh), converted with --key and booted with the
# passphrase typed on its serial console.
TESTS += tests/test-shape-luks.sh
SLOW_TESTS += tests/test-shape-luks.sh
EXTRA_DIST += tests/test-shape-luks.sh tests/guests/shape-luks.sh \
	tests/data/shapes/luks.changes
