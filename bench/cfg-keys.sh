#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: reading a .vmx and an xl.cfg with many keys (issue: parsing
# was quadratic in the key count).  Prints the wall time of
# `v2kvm source show` on files of N keys (default 10000 30000 100000),
# plus a duplicate-key file (the lookup on every line).  A benchmark, not
# a test: no threshold.  Run from a built tree:
#   bench/cfg-keys.sh [N...]
set -euo pipefail
cd "$(dirname "$0")/.."
V2KVM=${V2KVM:-./v2kvm}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 30000 100000)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for n in "${counts[@]}"; do
  {
    echo 'config.version = "8"'
    echo 'virtualHW.version = "14"'
    echo 'displayName = "bench"'
    echo 'memsize = "1024"'
    echo 'guestOS = "debian10-64"'
    for ((i = 0; i < n; i++)); do echo "guestinfo.key$i = \"value $i\""; done
  } > "$tmp/k$n.vmx"
  {
    echo 'name = "bench"'
    echo 'memory = 1024'
    echo 'builder = "hvm"'
    for ((i = 0; i < n; i++)); do echo "extra_key_$i = \"value $i\""; done
  } > "$tmp/k$n.cfg"
  for kind in vmx:vmx xl:cfg; do
    f=$tmp/k$n.${kind#*:}
    s=$(date +%s.%N)
    "$V2KVM" source show -i "${kind%%:*}" "$f" >/dev/null
    e=$(date +%s.%N)
    printf '%-4s %7d keys (%5d KiB): %.3f s\n' "${kind%%:*}" "$n" \
      $(( $(stat -c %s "$f") / 1024 )) "$(echo "$e - $s" | bc)"
  done
done
