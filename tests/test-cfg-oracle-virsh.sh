#!/bin/bash
# Live oracle: libvirt's own converters, through
#   virsh -c test:///default domxml-from-native vmware-vmx|xen-xl|xen-xm FILE
# compared with `v2kvm source show --json` on the same fields as the
# corpus tests (tests/cfg-compare.py).  The test driver of most libvirt
# builds does not implement domxml-from-native (only the esx/vmware and
# libxl drivers do); then the test skips and says so.
. "$srcdir/functions.sh"
requires_corpus
requires virsh python3

probe=$CORPUS/virt-v2v/test-i-vmx-1.vmx
if ! virsh -q -c test:///default domxml-from-native vmware-vmx "$probe" \
     >/dev/null 2>"$TMP/err"; then
  skip "libvirt $(virsh --version) test driver cannot run domxml-from-native: $(head -1 "$TMP/err")"
fi

n=0
for f in $(find "$CORPUS" -name '*.vmx' ! -name 'encrypted.vmx' | sort); do
  virsh -q -c test:///default domxml-from-native vmware-vmx "$f" \
        >"$TMP/lv.xml" 2>/dev/null || continue
  "$V2KVM" source show -i vmx "$f" --json >"$TMP/our.json" || fail "$f"
  echo "== $f"
  python3 "$srcdir/cfg-compare.py" libvirt "$TMP/lv.xml" "$TMP/our.json" \
          current_memory || fail "$f differs from virsh"
  n=$((n+1))
done
echo "$n configs compared with virsh"
