#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/dist-contents.sh TARBALL: the release tarball (make dist) must
# hold every file git tracks, but for the git and CI plumbing (.gitignore,
# .ci/).  Prints the missing files and exits 1, else a count and 0.
# A new file needs a line in its folder's local.mk / tests/*.mk
# (EXTRA_DIST or _SOURCES) or in Makefile.am.
set -euo pipefail
tarball=$(realpath "$1")
cd "$(dirname "$0")/.."
list=$(tar tzf "$tarball")
top=${list%%/*}
missing=$(comm -23 \
  <(git ls-files | grep -v -e '^\.gitignore$' -e '^\.ci/' | sort) \
  <(sed -n "s|^$top/||p" <<<"$list" | sort))
if [ -n "$missing" ]; then
  echo "dist-contents: $(basename "$tarball") lacks these tracked files:"
  printf '  %s\n' $missing
  exit 1
fi
echo "dist-contents: $(basename "$tarball") holds all $(git ls-files | grep -vc -e '^\.gitignore$' -e '^\.ci/') tracked files"
