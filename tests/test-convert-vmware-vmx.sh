#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i vmx: the vmware test guest (.vmx + monolithicSparse
# VMDK, /dev/sda names, no virtio in its initramfs, open-vm-tools) boots
# converted on virtio with its static IP up.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e vmware vmx
jq -e -s 'any(.[]; .type == "change" and (.change | test("open-vm-tools")))' \
  "$JSON" >/dev/null || fail "open-vm-tools was not removed"
exit 0
