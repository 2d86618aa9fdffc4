#!/bin/bash
# The tests re-run under ASan+UBSan in CI: everything except those marked
# slow (the guest-boot tests need no sanitizer: they exercise qemu).
cd "$(dirname "$0")/.."
sed -n 's/^\t\(tests\/[^ ]*\) *\\$/\1/p' tests/*.mk | grep -v -e '-slow' -e 'test-guest-' | tr '\n' ' '
