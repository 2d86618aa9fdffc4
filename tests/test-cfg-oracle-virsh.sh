#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Live oracle: libvirt's own converters, through
#   virsh -c test:///default domxml-from-native vmware-vmx|xen-xl|xen-xm FILE
# compared with `v2kvm source show --json` on the same fields as the
# corpus tests (tests/cfg-compare.py).  The test driver of most libvirt
# builds does not implement domxml-from-native (only the esx/vmware and
# libxl drivers do); each format it cannot convert is skipped with the
# reason, and the test skips when it can convert none.
# Inputs: tests/cfg-gen.py's .vmx and xl/xm configs (always), and the
# corpus's (when $CORPUS is set).
. "$srcdir/functions.sh"
requires virsh python3

URI=${V2KVM_ORACLE_URI:-test:///default}
n=0 tried=0
oracle () {                     # oracle NATIVE-FORMAT V2KVM-TYPE FILES... (the first probes)
  local fmt=$1 type=$2 probe=$3 f; shift 2
  if ! virsh -q -c "$URI" domxml-from-native $fmt "$probe" >/dev/null 2>"$TMP/err"; then
    echo "skipping $fmt: libvirt $(virsh --version) on $URI: $(head -1 "$TMP/err")"
    return 0
  fi
  tried=$((tried+1))
  for f in "$@"; do
    virsh -q -c "$URI" domxml-from-native $fmt "$f" >"$TMP/lv.xml" 2>/dev/null || continue
    "$V2KVM" source show -i $type "$f" --json >"$TMP/our.json" || fail "$f"
    echo "== $f ($fmt)"
    python3 "$srcdir/cfg-compare.py" libvirt "$TMP/lv.xml" "$TMP/our.json" \
            current_memory || fail "$f differs from virsh"
    n=$((n+1))
  done
}
python3 "$srcdir/cfg-gen.py" "$TMP/gen" || fail "cfg-gen.py"
vmx=$(ls "$TMP"/gen/gen-vmx-*.vmx | grep -v encrypted)
xl=$(ls "$TMP"/gen/gen-xl-{pv,ovmf}.cfg)
xm=$TMP/gen/gen-xl-hvm.cfg
if have_corpus virt-v2v libvirt-current/xlconfigdata libvirt-1.2.2/xmconfigdata; then
  vmx="$vmx $(find "$CORPUS" -name '*.vmx' ! -name 'encrypted.vmx' | sort)"
  xl="$xl $(find "$CORPUS/libvirt-current/xlconfigdata" -name '*.cfg' | sort)"
  xm="$xm $(find "$CORPUS/libvirt-1.2.2/xmconfigdata" -name '*.cfg' | sort)"
fi
oracle vmware-vmx vmx $vmx
oracle xen-xl xl $xl
oracle xen-xm xm $xm
[ $tried -gt 0 ] || skip "libvirt on $URI converts none of vmware-vmx, xen-xl, xen-xm"
echo "$n configs compared with virsh"
