#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every command's options are listed alike in its --help, in
# `v2kvm --help`, in the man page's SYNOPSIS and in the README's table of
# commands, and every long option a parser accepts is in its --help
# (tests/cli-options.py).  A command or option added in one place only
# fails here.
. "$srcdir/functions.sh"
requires python3

python3 "$srcdir/cli-options.py" "$V2KVM" "$top_srcdir" || fail "option lists disagree (above)"

# The checker itself notices drift: a copy of the README without one
# convert option must fail.
mkdir -p "$TMP/src/docs"
cp "$top_srcdir/docs/v2kvm.pod" "$TMP/src/docs/"
cp -r "$top_srcdir/convert" "$TMP/src/"
cd "$TMP/src"
sed 's/ \[--no-trim\]//' "$top_srcdir/README.md" > README.md
cmp -s "$top_srcdir/README.md" README.md && fail "README has no [--no-trim] to remove"
python3 "$srcdir/cli-options.py" "$V2KVM" "$TMP/src" > "$TMP/drift.out" &&
  fail "a README without --no-trim passed"
grep -q "README.md table: 'convert' lacks --no-trim" "$TMP/drift.out" ||
  fail "drift not reported: $(cat "$TMP/drift.out")"
echo ok
