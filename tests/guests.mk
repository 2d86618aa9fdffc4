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
