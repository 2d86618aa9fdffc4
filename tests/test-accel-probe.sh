#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The KVM probe tells a working KVM from one that aborts or hangs, and
# --accel auto|kvm|tcg act on it.  Fake qemu binaries stand for the
# behaviours, so the test does not depend on this host's KVM.  The probe
# boots the appliance's kernel (here a fake path, V2KVM_PROBE_KERNEL) and
# waits for its first log line; without a kernel, a boot sector and 'K'.
. "$srcdir/functions.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm not accessible (probe stops before running qemu)"

mk () { printf '#!/bin/bash\n%s\n' "$2" > "$TMP/$1"; chmod +x "$TMP/$1"; }
mk qemu-abort "echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2; kill -ABRT \$\$"
mk qemu-hang  "exec sleep 60"
mk qemu-good  "echo 'qemu: warning: something harmless' >&2; printf 'early\\r\\n[    0.000000] Linux version 6.1.0-fake\\r\\n'; exec sleep 60"
# Broken nested KVM as seen here: real mode runs (the kernel's setup code
# prints, a boot sector would print its K), long mode never starts.
mk qemu-realmode "printf 'Probing EDD (edd=off to disable)... ok\\r\\nK\\n'; exec sleep 60"
mk qemu-sector "printf 'K\\n'; exec sleep 60"
export V2KVM_PROBE_KERNEL=$TMP/vmlinuz V2KVM_CACHE_DIR=$TMP/cache
echo kernel > "$V2KVM_PROBE_KERNEL"

V2KVM_QEMU=$TMP/qemu-good "$V2KVM" check-host > "$TMP/out" || fail "good: exit $?"
grep -qx 'kvm: usable' "$TMP/out" || fail "good: $(cat "$TMP/out")"
grep -qx 'conversions will use: kvm' "$TMP/out" || fail "good: $(cat "$TMP/out")"

V2KVM_QEMU=$TMP/qemu-abort "$V2KVM" check-host > "$TMP/out" 2>"$TMP/err" || fail "abort/auto: exit $?"
grep -q 'kvm: unusable (qemu with accel=kvm failed: .*MSR 0x10a' "$TMP/out" || fail "abort: $(cat "$TMP/out")"
grep -qx 'conversions will use: tcg' "$TMP/out" || fail "abort: auto did not fall back to tcg"
grep -q 'warning: KVM is not usable' "$TMP/err" || fail "abort: no warning"

V2KVM_QEMU=$TMP/qemu-abort expect_exit 8 "$V2KVM" check-host --accel kvm
expect_error_match 'KVM is not usable .*--accel tcg'

for q in qemu-hang qemu-realmode; do
  V2KVM_QEMU=$TMP/$q "$V2KVM" check-host > "$TMP/out" 2>/dev/null || fail "$q: exit $?"
  grep -q "kvm: unusable (qemu with accel=kvm hung: $TMP/vmlinuz did not start within" "$TMP/out" \
    || fail "$q: $(cat "$TMP/out")"
  pgrep -f "$TMP/$q" >/dev/null && fail "the hung probe $q was left running"
done

# Without a kernel the boot sector is the probe.
V2KVM_PROBE_KERNEL=none V2KVM_QEMU=$TMP/qemu-sector "$V2KVM" check-host | grep -qx 'kvm: usable' \
  || fail "boot-sector probe"

V2KVM_QEMU=$TMP/qemu-abort "$V2KVM" check-host --accel tcg | grep -qx 'conversions will use: tcg' \
  || fail "--accel tcg"
expect_exit 2 "$V2KVM" check-host --accel fast

# fixup/convert with --accel auto probe before launching the appliance and
# go straight to TCG when KVM hangs; the answer is remembered (per boot,
# qemu binary and kernel), so the next conversion does not wait again.
# LIBGUESTFS_HV=/bin/false makes the appliance launch fail at once.
truncate -s 1M "$TMP/disk.img"
rm -rf "$V2KVM_CACHE_DIR"
mk qemu-hang2 "exec sleep 60"
for run in 1 2; do
  got=0
  V2KVM_QEMU=$TMP/qemu-hang2 LIBGUESTFS_HV=/bin/false \
    "$V2KVM" -v fixup --accel auto "$TMP/disk.img" >/dev/null 2>"$TMP/err" || got=$?
  [ $got = 8 ] || fail "run $run: exit $got: $(cat "$TMP/err")"
  grep -q 'warning: KVM is not usable (qemu with accel=kvm hung' "$TMP/err" || fail "run $run: no warning: $(cat "$TMP/err")"
  grep -q 'launching the libguestfs appliance (kvm)' "$TMP/err" && fail "run $run: tried KVM after the probe said no"
  grep -q 'cannot launch the libguestfs appliance with TCG' "$TMP/err" || fail "run $run: $(cat "$TMP/err")"
  if [ $run = 2 ]; then
    grep -q 'kvm probe: answer remembered since this boot' "$TMP/err" || fail "run 2 probed again: $(cat "$TMP/err")"
  fi
done
grep -q "$TMP/qemu-hang2" "$V2KVM_CACHE_DIR/kvm-probe" || fail "memo: $(cat "$V2KVM_CACHE_DIR/kvm-probe")"
# A memo that is not one "KEY<TAB>0|1<TAB>WHY" line for this boot, qemu
# and kernel is ignored: the probe runs again and rewrites it.
# (qemu-abort fails at once, so each probe here is quick.)
V2KVM_QEMU=$TMP/qemu-abort LIBGUESTFS_HV=/bin/false \
  "$V2KVM" fixup --accel auto "$TMP/disk.img" >/dev/null 2>&1
key=$(cut -f1 "$V2KVM_CACHE_DIR/kvm-probe")
case $key in *"$TMP/qemu-abort"*) ;; *) fail "memo key: $key" ;; esac
for bad in 'garbage' "$key	7	odd result" "$key" "$(head -c 3000 /dev/zero | tr '\0' x)" \
           "other-boot ${key#* }	1	"; do
  printf '%s\n' "$bad" > "$V2KVM_CACHE_DIR/kvm-probe"
  got=0
  V2KVM_QEMU=$TMP/qemu-abort LIBGUESTFS_HV=/bin/false \
    "$V2KVM" -v fixup --accel auto "$TMP/disk.img" >/dev/null 2>"$TMP/err" || got=$?
  [ $got = 8 ] || fail "bad memo '${bad:0:40}': exit $got: $(cat "$TMP/err")"
  grep -q 'kvm probe: answer remembered' "$TMP/err" && fail "bad memo '${bad:0:40}' was believed"
  grep -q 'warning: KVM is not usable (qemu with accel=kvm failed: .*MSR 0x10a' "$TMP/err" ||
    fail "bad memo '${bad:0:40}': no probe: $(cat "$TMP/err")"
  grep -q "^$key	0	qemu with accel=kvm failed" "$V2KVM_CACHE_DIR/kvm-probe" ||
    fail "memo not rewritten after '${bad:0:40}'"
done
# check-host probes again and rewrites the memo.
V2KVM_QEMU=$TMP/qemu-good "$V2KVM" check-host >/dev/null || fail "good again"
grep -q "$TMP/qemu-good" "$V2KVM_CACHE_DIR/kvm-probe" || fail "memo not rewritten"
# A TCG appliance that never boots (seen once in CI: qemu spinning for 33
# minutes) is killed at V2KVM_LAUNCH_TIMEOUT and tried once more, then
# the conversion fails with exit 8 instead of waiting forever.  The fake
# hypervisor answers libguestfs' capability queries with the real qemu
# and stalls on the launch itself (its name starts with "qemu", as the
# watchdog expects of what it kills).
mk qemu-stall "case \" \$* \" in *' -kernel '*) while :; do sleep 1; done ;; esac
exec qemu-system-x86_64 \"\$@\""
got=0
t0=$(date +%s)
V2KVM_LAUNCH_TIMEOUT=3 LIBGUESTFS_HV=$TMP/qemu-stall \
  "$V2KVM" fixup --accel tcg "$TMP/disk.img" >/dev/null 2>"$TMP/err" || got=$?
t1=$(date +%s)
[ $got = 8 ] || fail "stalled TCG launch: exit $got: $(cat "$TMP/err")"
grep -q 'warning: the libguestfs appliance did not boot within 3 s under TCG; retrying once' "$TMP/err" ||
  fail "stalled TCG launch: no retry: $(cat "$TMP/err")"
grep -q 'cannot launch the libguestfs appliance with TCG: it did not boot within 3 s' "$TMP/err" ||
  fail "stalled TCG launch: $(cat "$TMP/err")"
pgrep -f "$TMP/qemu-stall" >/dev/null && fail "a stalled qemu was left running"
echo "stalled TCG launch: two tries, exit 8 after $((t1 - t0)) s"
echo ok
