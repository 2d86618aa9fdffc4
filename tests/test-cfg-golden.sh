#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Golden files: `v2kvm source show` on hand-written configs in
# tests/data/cfg/ (one per reader and corner case) must print exactly
# tests/data/cfg/NAME.expected, with the source directory written as
# @SRCDIR@ (virt-v2v test-i-vmx.sh).  Regenerate a file only after
# checking the new output by hand: REGENERATE=1 make check TESTS=...
. "$srcdir/functions.sh"

d=$srcdir/data/cfg
n=0
for f in "$d"/*.vmx "$d"/*.cfg "$d"/*.xml "$d"/*.ovf; do
  [ -f "$f" ] || continue
  case $f in
    *.vmx) type=vmx ;;
    *.cfg) type=xl ;;
    *.ovf) type=ovf ;;
    *xva*.xml) type=xva ;;
    *.xml) type=libvirtxml ;;
  esac
  exp=${f%.*}.expected
  "$V2KVM" source show -i $type "$f" >"$TMP/out" 2>"$TMP/err" ||
    fail "$f: $(cat "$TMP/err")"
  # The record only: the "files read:" section after it depends on
  # which disks exist on this host (tests/test-refs.sh covers it).
  sed -e '/^files read:$/,$d' -e "s|$srcdir|@SRCDIR@|g" "$TMP/out" >"$TMP/got"
  if [ -n "${REGENERATE:-}" ]; then cp "$TMP/got" "$exp"; fi
  diff -u "$exp" "$TMP/got" || fail "$f: output differs from ${exp##*/}"
  echo "ok: ${f##*/}"
  n=$((n+1))
done
[ $n -gt 0 ] || fail "no golden inputs in $d"
echo "$n golden files match"
