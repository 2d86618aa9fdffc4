#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Print the skipped tests with their reasons, the slowest tests (wall
# seconds: from the birth of a test's .log, made when it starts, to the
# last write of its .trs, made when it ends; where the filesystem keeps
# birth times), the last lines of each failed test's log (CI keeps only
# this output), and the closing line "tests: N passed, N failed,
# N skipped" from automake's .trs files.
cd "$(dirname "$0")/.."
pass=0 fail=0 skipn=0
while IFS= read -r trs; do
  res=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
  log=${trs%.trs}.log
  case $res in
    PASS|XFAIL) pass=$((pass+1)) ;;
    SKIP) skipn=$((skipn+1))
          echo "skipped ${trs%.trs}: $(grep -m1 '^SKIP:' "$log" 2>/dev/null | cut -c7-)" ;;
    *) fail=$((fail+1)); echo "FAILED ${trs%.trs} (see $log); its last lines:"
       tail -n "${FAILED_TAIL:-40}" "$log" 2>/dev/null | sed 's/^/  | /' ;;
  esac
done < <(find tests -name '*.trs' | sort)
durations=$(find tests -name '*.trs' | while IFS= read -r trs; do
  born=$(stat -c %W "${trs%.trs}.log" 2>/dev/null) || continue
  [ "${born:-0}" -gt 0 ] || continue
  echo "$(( $(stat -c %Y "$trs") - born )) ${trs%.trs}"
done | sort -rn)
if [ -n "$durations" ]; then
  echo "slowest tests (wall seconds; they run $(nproc) at a time):"
  echo "$durations" | head -${SLOWEST:-20} | sed 's/^/  /'
  echo "  sum of all: $(echo "$durations" | awk '{s += $1} END {print s}') s"
fi
echo "tests: $pass passed, $fail failed, $skipn skipped"
