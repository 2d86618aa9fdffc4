#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -o local and -o null through outtool (prepare, copy, finalize, abort):
# the disks land as NAME-sdX.FMT in -os DIR with the input's contents
# and virtual size (qemu-img compare / info), NAME.xml names them by
# absolute path, existing files are refused (exit 5) without --replace
# and replaced with it, and a failure after prepare removes only what
# this run wrote: replaced files from an earlier run survive.
. "$srcdir/functions.sh"
. "$srcdir/output-functions.sh"

make_disk "$TMP/in1.qcow2" qcow2 20M 1
make_disk "$TMP/in2.raw" raw 7M 2
make_disk "$TMP/new1.qcow2" qcow2 20M 11
make_disk "$TMP/new2.raw" raw 7M 12
cat >"$TMP/tmpl.xml" <<'X'
<domain><name>g</name><disk file='@DISK1@' type='@FORMAT1@'/><disk file='@DISK2@' type='@FORMAT2@'/></domain>
X
mkdir "$TMP/out"
cd "$TMP" || fail "cd"

# qcow2 (default), storage given relatively: the XML must still name
# absolute paths.
"$OUTTOOL" --print-targets -s out --xml tmpl.xml local g in1.qcow2 in2.raw \
  >targets || fail "outtool local failed"
cat targets
grep -qx "g-sda out/g-sda.qcow2 $TMP/out/g-sda.qcow2 qcow2 $(vsize in1.qcow2)" targets ||
  fail "unexpected target 1"
grep -qx "g-sdb out/g-sdb.qcow2 $TMP/out/g-sdb.qcow2 qcow2 $(vsize in2.raw)" targets ||
  fail "unexpected target 2"
for p in "in1.qcow2 out/g-sda.qcow2" "in2.raw out/g-sdb.qcow2"; do
  set -- $p
  [ "$(img_format "$2")" = qcow2 ] || fail "$2 is not qcow2"
  [ "$(vsize "$2")" = "$(vsize "$1")" ] || fail "$2: virtual size $(vsize "$2"), want $(vsize "$1")"
  same_disk "$1" "$2"
  "$QEMU_IMG" check -q "$2" || fail "qemu-img check $2"
done
grep -q "file='$TMP/out/g-sda.qcow2' type='qcow2'" out/g.xml || fail "g.xml: $(cat out/g.xml)"
grep -q "file='$TMP/out/g-sdb.qcow2' type='qcow2'" out/g.xml || fail "g.xml: $(cat out/g.xml)"
[ "$(stat -c %a out/g.xml)" = 644 ] || fail "g.xml mode $(stat -c %a out/g.xml)"
[ -z "$(find out -name '*tmp*')" ] || fail "temporary files left: $(ls -a out)"

# Existing disk or XML: exit 5 without --replace, nothing touched.
expect_exit 5 "$OUTTOOL" -s out --xml tmpl.xml local g in1.qcow2 in2.raw
expect_error_match "'out/g.xml' already exists"
rm out/g.xml
expect_exit 5 "$OUTTOOL" -s out --xml tmpl.xml local g in1.qcow2 in2.raw
expect_error_match "'out/g-sda.qcow2' already exists.*--replace"
"$OUTTOOL" -s out --xml tmpl.xml local g in1.qcow2 in2.raw 2>/dev/null &&
  fail "second run without --replace succeeded"
[ ! -e out/g.xml ] || fail "refused run wrote g.xml"

# A failure after prepare with --replace, before any disk was written:
# the old disks stay (abort removes only what this run wrote).
cp out/g-sda.qcow2 old-sda.qcow2
expect_exit 1 "$OUTTOOL" --replace --fail-after 0 -s out --xml tmpl.xml local g new1.qcow2 new2.raw
same_disk out/g-sda.qcow2 in1.qcow2
same_disk out/g-sdb.qcow2 in2.raw
# After the first disk: the new first disk is removed again, the second
# (not reached) keeps its old contents.
expect_exit 1 "$OUTTOOL" --replace --fail-after 1 -s out --xml tmpl.xml local g new1.qcow2 new2.raw
[ ! -e out/g-sda.qcow2 ] || fail "abort left the disk it wrote"
same_disk out/g-sdb.qcow2 in2.raw
[ ! -e out/g.xml ] || fail "a failed run wrote g.xml"

# --replace: the new contents, and the XML.
"$OUTTOOL" --replace -s out --xml tmpl.xml local g new1.qcow2 new2.raw ||
  fail "outtool --replace failed"
same_disk new1.qcow2 out/g-sda.qcow2
same_disk new2.raw out/g-sdb.qcow2
grep -q "g-sdb.qcow2" out/g.xml || fail "g.xml not rewritten"

# A fresh run that fails removes everything it wrote, and no XML.
mkdir out2
expect_exit 1 "$OUTTOOL" --fail-after 2 -s out2 --xml tmpl.xml local g in1.qcow2 in2.raw
[ -z "$(ls -A out2)" ] || fail "abort left files: $(ls -A out2)"

# -of raw: sparse raw files of the exact virtual size.
"$OUTTOOL" -O raw -s out2 --xml tmpl.xml local r in1.qcow2 in2.raw ||
  fail "outtool -O raw failed"
[ "$(img_format out2/r-sda.raw)" = raw ] || fail "r-sda.raw is not raw"
[ "$(stat -c %s out2/r-sda.raw)" = "$(vsize in1.qcow2)" ] || fail "r-sda.raw size"
same_disk in1.qcow2 out2/r-sda.raw
same_disk in2.raw out2/r-sdb.raw
[ "$(du -k out2/r-sda.raw | cut -f1)" -lt 4096 ] || fail "r-sda.raw is not sparse"
grep -q "file='$TMP/out2/r-sdb.raw' type='raw'" out2/r.xml || fail "r.xml: $(cat out2/r.xml)"

# Default storage: the current directory.
mkdir cwd && (cd cwd && "$OUTTOOL" --xml ../tmpl.xml local c ../in2.raw ../in1.qcow2) ||
  fail "outtool local without -os failed"
same_disk in2.raw cwd/c-sda.qcow2
same_disk in1.qcow2 cwd/c-sdb.qcow2
[ -s cwd/c.xml ] || fail "no cwd/c.xml"

# The domain XML built from a source config (as convert will), valid
# for libvirt's schema.
cfg=$srcdir/data/cfg/xl-pv-pygrub.cfg
"$OUTTOOL" -s out2 --source "xl:$cfg" local web01 in1.qcow2 in2.raw in1.qcow2 ||
  fail "outtool --source failed"
for d in sda sdb sdc; do
  grep -q "<source file=\"$TMP/out2/web01-$d.qcow2\"/>" out2/web01.xml ||
    fail "web01.xml does not name web01-$d.qcow2"
done
[ "${VIRT_XML_VALIDATE:-no}" != no ] || VIRT_XML_VALIDATE=virt-xml-validate
if command -v "$VIRT_XML_VALIDATE" >/dev/null; then
  "$VIRT_XML_VALIDATE" out2/web01.xml domain >/dev/null || fail "web01.xml is not valid"
fi

# -o null: targets without paths, nothing written.
mkdir out3 && cd out3 || fail "cd out3"
"$OUTTOOL" --print-targets null n ../in1.qcow2 >../null.targets || fail "outtool null failed"
grep -qx "n-sda - - qcow2 $(vsize ../in1.qcow2)" ../null.targets || fail "null targets: $(cat ../null.targets)"
[ -z "$(ls -A .)" ] || fail "-o null wrote files: $(ls -A .)"

# Unknown output: usage error.
expect_exit 2 "$OUTTOOL" bogus n ../in1.qcow2
expect_error_match "unknown output '-o bogus'"
echo "local/null outputs: all checks passed"
