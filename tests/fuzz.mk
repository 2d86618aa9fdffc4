# SPDX-License-Identifier: BSD-3-Clause
# tests/fuzz.mk: the fuzzing area (fuzz/, docs/fuzzing.md): the regression
# corpus replayed through the harnesses (built in fuzz/local.mk).
TESTS += tests/test-fuzz-regressions.sh
EXTRA_DIST += tests/test-fuzz-regressions.sh
