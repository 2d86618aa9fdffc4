#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The tests re-run under ASan+UBSan in CI: every test in TESTS except the
# slow ones (SLOW_TESTS: libguestfs appliance and guest boots, which
# exercise qemu and libguestfs rather than our code paths) and the guest
# control tests (they run no v2kvm code).  Run from a configured tree.
cd "$(dirname "$0")/.."
slow=" $(make -s print-slow-tests) "
for t in $(make -s print-tests); do
  case "$slow" in *" $t "*) continue ;; esac
  case "$t" in tests/test-guest-*) continue ;; esac
  printf '%s ' "$t"
done
echo
