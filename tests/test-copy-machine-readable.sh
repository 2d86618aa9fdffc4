#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# disk convert --machine-readable: every stdout line is a JSON object
# (jq parses it), the first is "start" with the schema version, progress
# lines count up to the total, and the last is "result" with the byte
# counts; warnings arrive as JSON too; a failure ends with error + result.
. "$srcdir/functions.sh"
requires jq

src=$TMP/src.raw
truncate -s 32M "$src"
yes 'abc' | head -c 3M | dd of="$src" bs=1M seek=2 conv=notrunc status=none
head -c 1M /dev/zero | dd of="$src" bs=1M seek=10 conv=notrunc status=none

# No --format: the raw fallback warning must come out as JSON.
"$V2KVM" disk convert --machine-readable "$src" "$TMP/out.qcow2" >"$TMP/out.json" 2>"$TMP/err" ||
  fail "convert failed: $(cat "$TMP/err")"
jq -e . "$TMP/out.json" >/dev/null || fail "stdout is not JSON lines"
[ "$(head -n1 "$TMP/out.json" | jq -r '.type + " " + (.version|tostring)')" = "start 1" ] ||
  fail "first line: $(head -n1 "$TMP/out.json")"
last=$(tail -n1 "$TMP/out.json")
[ "$(echo "$last" | jq -r .type)" = result ] || fail "last line: $last"
[ "$(echo "$last" | jq -r .ok)" = true ] || fail "not ok: $last"
[ "$(echo "$last" | jq -r .virtual_size)" = 33554432 ] || fail "size: $last"
# 3 MiB of text + 1 MiB of allocated zeros were read; the zeros not written.
[ "$(echo "$last" | jq -r .bytes_written)" = 3145728 ] || fail "written: $last"
[ "$(echo "$last" | jq -r '.bytes_read - .bytes_written - .bytes_zero')" = 0 ] ||
  fail "read != written + zero: $last"
[ "$(echo "$last" | jq -r '.bytes_read + .bytes_skipped')" = 33554432 ] ||
  fail "read + skipped != size: $last"
grep -q '"type":"warning".*reading it as raw' "$TMP/out.json" || fail "no JSON warning"
prog=$(jq -s '[.[] | select(.type == "progress")] | (last.done == last.total) and (length >= 2)' "$TMP/out.json")
[ "$prog" = true ] || fail "progress lines: $(cat "$TMP/out.json")"

# A failure: JSON error line, then a result line with the exit code.
rc=0
"$V2KVM" disk convert --machine-readable "$TMP/nope.raw" "$TMP/x.qcow2" >"$TMP/fail.json" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "missing input: exit $rc"
jq -e . "$TMP/fail.json" >/dev/null || fail "failure output is not JSON"
[ "$(tail -n2 "$TMP/fail.json" | head -n1 | jq -r .type)" = error ] || fail "no error line"
[ "$(tail -n1 "$TMP/fail.json" | jq -r '.type + " " + (.exit|tostring)')" = "result 3" ] ||
  fail "failure result line: $(cat "$TMP/fail.json")"
echo ok
