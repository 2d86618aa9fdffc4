#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -o qemu through outtool, with the script built by qemu_script() from
# an xl config as convert does: the disks land as for -o local (qemu-img
# compare), NAME.sh is executable, valid shell (bash -n, sh -n), names
# every disk, and qemu itself accepts it: the script is started paused
# (-S) under TCG and its monitor's "info block" must list each output
# disk with its format.  The directory has a space and a comma in its
# name (shell and qemu option quoting).  An existing NAME.sh or disk is
# refused (exit 5), --replace rewrites it, a failure leaves no script.
. "$srcdir/functions.sh"
. "$srcdir/output-functions.sh"
requires qemu-system-x86_64 timeout

make_disk "$TMP/in1.qcow2" qcow2 20M 1
make_disk "$TMP/in2.raw" raw 7M 2
cat >"$TMP/g.cfg" <<'X'
name = "g"
type = "hvm"
memory = 512
vcpus = 1
disk = [ 'format=raw, vdev=xvda, access=rw, target=/nonexistent/a.img',
         'format=raw, vdev=xvdb, access=rw, target=/nonexistent/b.img' ]
vif = [ 'mac=00:16:3e:aa:bb:09,bridge=xenbr0' ]
X
out="$TMP/out dir,1"
mkdir "$out"
cd "$TMP" || fail "cd"

"$OUTTOOL" -s "$out" --source xl:g.cfg qemu g in1.qcow2 in2.raw || fail "outtool qemu failed"
ls -la "$out"
same_disk in1.qcow2 "$out/g-sda.qcow2"
same_disk in2.raw "$out/g-sdb.qcow2"
[ -x "$out/g.sh" ] || fail "g.sh is not executable"
bash -n "$out/g.sh" || fail "g.sh is not valid bash"
sh -n "$out/g.sh" || fail "g.sh is not valid sh"
for d in sda sdb; do
  grep -qF "$d.qcow2" "$out/g.sh" || fail "g.sh does not name g-$d.qcow2"
done
[ -z "$(find "$out" -name '*tmp*')" ] || fail "temporary files left: $(ls -A "$out")"

# qemu accepts the script's command line and opens both disks (paused:
# -S; the monitor is multiplexed on stdio, Ctrl-A c reaches it).
printf '\001cinfo block\nquit\n' |
  ACCEL=tcg timeout 120 "$out/g.sh" -S -display none >qemu.out 2>&1 ||
  fail "g.sh did not start qemu: $(tr -d '\r' <qemu.out | tail -5)"
for d in sda sdb; do
  tr -d '\r' <qemu.out | grep -aqF ": $out/g-$d.qcow2 (qcow2)" ||
    fail "qemu did not open g-$d.qcow2: $(tr -d '\r' <qemu.out | grep -a '(#block')"
done
echo "qemu opened: $(tr -d '\r' <qemu.out | grep -a '(#block' | tr '\n' ' ')"

# Existing script: refused; --replace; a failure with --replace keeps
# the old script and disks.
sum=$(sha256sum <"$out/g.sh")
expect_exit 5 "$OUTTOOL" -s "$out" --source xl:g.cfg qemu g in1.qcow2 in2.raw
expect_error_match "'$out/g.sh' already exists"
rm "$out/g.sh"
expect_exit 5 "$OUTTOOL" -s "$out" --source xl:g.cfg qemu g in1.qcow2 in2.raw
expect_error_match "'$out/g-sda.qcow2' already exists"
"$OUTTOOL" --replace -s "$out" --source xl:g.cfg qemu g in2.raw in1.qcow2 ||
  fail "outtool qemu --replace failed"
same_disk in2.raw "$out/g-sda.qcow2"
same_disk in1.qcow2 "$out/g-sdb.qcow2"
[ "$(sha256sum <"$out/g.sh")" = "$sum" ] || fail "g.sh differs for the same guest"
expect_exit 1 "$OUTTOOL" --replace --fail-after 0 -s "$out" --source xl:g.cfg qemu g in1.qcow2 in2.raw
[ "$(sha256sum <"$out/g.sh")" = "$sum" ] || fail "a failed run changed g.sh"
same_disk in2.raw "$out/g-sda.qcow2"

# -o qemu writes no NAME.xml, so one that exists is not in its way.
mkdir withxml && touch withxml/g.xml
"$OUTTOOL" -s withxml --source xl:g.cfg qemu g in1.qcow2 in2.raw ||
  fail "-o qemu refused because of an unrelated g.xml"
[ -x withxml/g.sh ] && [ ! -s withxml/g.xml ] || fail "withxml: $(ls -la withxml)"

# A fresh guest failing after its disks: no script, no disks.
mkdir fresh
expect_exit 1 "$OUTTOOL" --fail-after 2 -s fresh --source xl:g.cfg qemu g in1.qcow2 in2.raw
[ -z "$(ls -A fresh)" ] || fail "a failed run left: $(ls -A fresh)"
echo "qemu output: all checks passed"
