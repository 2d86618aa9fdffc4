#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Print the skipped tests with their reasons, and the closing line
# "tests: N passed, N failed, N skipped" from automake's .trs files.
cd "$(dirname "$0")/.."
pass=0 fail=0 skipn=0
while IFS= read -r trs; do
  res=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
  log=${trs%.trs}.log
  case $res in
    PASS|XFAIL) pass=$((pass+1)) ;;
    SKIP) skipn=$((skipn+1))
          echo "skipped ${trs%.trs}: $(grep -m1 '^SKIP:' "$log" 2>/dev/null | cut -c7-)" ;;
    *) fail=$((fail+1)); echo "FAILED ${trs%.trs} (see $log)" ;;
  esac
done < <(find tests -name '*.trs' | sort)
echo "tests: $pass passed, $fail failed, $skipn skipped"
