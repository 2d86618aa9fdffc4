#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Replay the fuzz regression corpus: every file in fuzz/regressions/NAME/
# through harness NAME's replay program (fuzz/local.mk: the harness
# linked with fuzz/replay.c instead of libFuzzer), one file per run.  A
# run fails on a crash, an abort (the harnesses abort on a multi-line or
# out-of-memory error), or a sanitizer report (CI replays under ASan +
# UBSan: scripts/sanitizer-tests.sh runs this test in the sanitizer
# build, where one allocation over 1 GiB is also fatal).  Without ASan
# the address space is capped at 3 GiB, so an allocation of 1 GiB or
# more that the reader should have refused fails the run there too.
# Also checks that fuzz/harnesses, fuzz/local.mk and the regression
# directories name the same harnesses.
. "$srcdir/functions.sh"
top=$top_srcdir
build=${top_builddir:-$top}
list=$(grep -v '^#' "$top/fuzz/harnesses" | awk 'NF { print $1 }')
[ "$(echo "$list" | wc -l)" -gt 10 ] || fail "fuzz/harnesses lists too few harnesses"

for h in $list; do
  [ -x "$build/fuzz/replay-$h" ] || fail "fuzz/replay-$h not built: fuzz/local.mk and fuzz/harnesses disagree"
done
for d in "$top"/fuzz/regressions/*/; do
  n=$(basename "$d")
  echo "$list" | grep -qx "$n" || fail "fuzz/regressions/$n/ names no harness in fuzz/harnesses"
done

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1024:allocator_may_return_null=0:detect_leaks=1"
asan=no
if nm "$build/fuzz/replay-tar" 2>/dev/null | grep -q __asan_init; then asan=yes; fi

count=0
for h in $list; do
  [ -d "$top/fuzz/regressions/$h" ] || continue
  for f in "$top/fuzz/regressions/$h"/*; do
    [ -f "$f" ] || continue
    count=$((count + 1))
    if [ $asan = yes ]; then
      out=$(timeout 300 "$build/fuzz/replay-$h" "$f" 2>&1)
    else
      out=$(ulimit -v 3145728; timeout 300 "$build/fuzz/replay-$h" "$f" 2>&1)
    fi
    rc=$?
    [ $rc = 0 ] || { echo "$out" | tail -n 30 >&2; fail "replay-$h $f: exit $rc"; }
    echo "ok: $h ${f##*/}"
  done
done
[ $count -ge 10 ] || fail "only $count regression files replayed"
echo "PASS: $count regression files replayed (ASan: $asan)"
