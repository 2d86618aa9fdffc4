#!/bin/bash
# The KVM probe tells a working KVM from one that aborts or hangs, and
# --accel auto|kvm|tcg act on it.  Fake qemu binaries stand for the three
# behaviours, so the test does not depend on this host's KVM.
. "$srcdir/functions.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm not accessible (probe stops before running qemu)"

mk () { printf '#!/bin/bash\n%s\n' "$2" > "$TMP/$1"; chmod +x "$TMP/$1"; }
mk qemu-abort "echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2; kill -ABRT \$\$"
mk qemu-hang  "exec sleep 60"
mk qemu-good  "echo 'qemu: warning: something harmless' >&2; printf 'K\n'; exec sleep 60"

V2KVM_QEMU=$TMP/qemu-good "$V2KVM" check-host > "$TMP/out" || fail "good: exit $?"
grep -qx 'kvm: usable' "$TMP/out" || fail "good: $(cat "$TMP/out")"
grep -qx 'conversions will use: kvm' "$TMP/out" || fail "good: $(cat "$TMP/out")"

V2KVM_QEMU=$TMP/qemu-abort "$V2KVM" check-host > "$TMP/out" 2>"$TMP/err" || fail "abort/auto: exit $?"
grep -q 'kvm: unusable (qemu with accel=kvm failed: .*MSR 0x10a' "$TMP/out" || fail "abort: $(cat "$TMP/out")"
grep -qx 'conversions will use: tcg' "$TMP/out" || fail "abort: auto did not fall back to tcg"
grep -q 'warning: KVM is not usable' "$TMP/err" || fail "abort: no warning"

V2KVM_QEMU=$TMP/qemu-abort expect_exit 8 "$V2KVM" check-host --accel kvm
expect_error_match 'KVM is not usable .*--accel tcg'

V2KVM_QEMU=$TMP/qemu-hang "$V2KVM" check-host > "$TMP/out" 2>/dev/null || fail "hang: exit $?"
grep -q 'kvm: unusable (qemu with accel=kvm hung' "$TMP/out" || fail "hang: $(cat "$TMP/out")"
pgrep -f "$TMP/qemu-hang" >/dev/null && fail "the hung probe was left running"

V2KVM_QEMU=$TMP/qemu-abort "$V2KVM" check-host --accel tcg | grep -qx 'conversions will use: tcg' \
  || fail "--accel tcg"
expect_exit 2 "$V2KVM" check-host --accel fast
echo ok
