#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up, build and run the whole v2kvm test suite (README quick start,
# command 2).  Prints "N passed, N failed, N skipped" as its last line and
# exits non-zero when any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh ${V2KVM_CONFIGURE_FLAGS:-} || exit 1
# The whole suite includes the slow tests (libguestfs appliance, guest boots
# under TCG); SLOW=0 scripts/test.sh leaves them out.
export SLOW=${SLOW:-1}
make -j"$(nproc)" check ${TESTS:+TESTS="$TESTS"}
rc=$?
scripts/summarize-tests.sh
exit $rc
