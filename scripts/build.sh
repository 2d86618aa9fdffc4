#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build v2kvm in the source tree.  Extra arguments go
# to configure, e.g. scripts/build.sh --enable-werror.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  autoreconf -fi
fi
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
  ./configure "$@"
fi
make -j"$(nproc)"
