#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every .vmx in the corpus parses (the encrypted one is refused with exit
# 4), and where the corpus has an oracle's answer for it (libvirt's
# vmx2xml test output, virt-v2v's --print-source expectations) the fields
# a conversion needs agree (tests/cfg-compare.py prints the table).
. "$srcdir/functions.sh"
requires_corpus
requires python3

# Deliberate differences, by file (documented here, ignored in the table):
#  - every vmx: libvirt sets <currentMemory> from sched.mem.max (a VMware
#    limit on host memory); we give the converted guest all of memsize.
#  - virt-v2v test-i-vmx-2/-7: this virt-v2v version ignores CD-ROMs on
#    SATA controllers; we keep them (as current libvirt does,
#    esx-in-the-wild-12), so the converted guest gets a CD-ROM drive.
#  - virt-v2v test-i-vmx-5: without ethernet0.networkName virt-v2v names
#    the network after the device ("ethernet0"); we leave it unnamed so
#    the NIC goes to the default network (or the --network default).
declare -A ignore=(
  [test-i-vmx-2]=cdroms [test-i-vmx-7]=cdroms [test-i-vmx-5]=network
)

n=0 compared=0
while IFS= read -r f; do
  n=$((n+1))
  b=$(basename "$f" .vmx)
  if grep -qi '^encryption\.keySafe' "$f"; then
    expect_exit 4 "$V2KVM" source show -i vmx "$f"
    expect_error_match "encrypted"
    echo "refused (encrypted): $f"
    continue
  fi
  "$V2KVM" source show -i vmx "$f" --json >"$TMP/$b.json" 2>"$TMP/err" ||
    fail "cannot read $f: $(cat "$TMP/err")"
  oracle= kind=
  if [ -f "${f%.vmx}.xml" ]; then oracle=${f%.vmx}.xml kind=libvirt
  elif [ -f "${f%.vmx}.expected" ]; then oracle=${f%.vmx}.expected kind=v2v
  fi
  [ -n "$oracle" ] || { echo "parsed (no oracle): $f"; continue; }
  echo "== $f vs $kind ${oracle##*/}"
  python3 "$srcdir/cfg-compare.py" $kind "$oracle" "$TMP/$b.json" \
          current_memory ${ignore[$b]:-} || fail "$f differs from $oracle"
  compared=$((compared+1))
done < <(find "$CORPUS" -name '*.vmx' | sort)
[ $n -ge 60 ] || fail "only $n .vmx files found in the corpus"
echo "vmx: $n files read, $compared compared with an oracle"
