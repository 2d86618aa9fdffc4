#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VMDK snapshot chains: qemu-made deltas (monolithicSparse and
# twoGbMaxExtentSparse links, a child larger than its parent) must decode
# like qemu-img; a wrong parentCID, a parent loop and a missing parent
# each give their error; disk info lists every file of the chain.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" python3
cd "$TMP"

"$QEMU_IMG" create -q -f vmdk base.vmdk 32M
"$QEMU_IO" -f vmdk -c 'write -P 0x11 0 4M' -c 'write -P 0x22 8M 1M' base.vmdk >/dev/null
"$QEMU_IMG" create -q -f vmdk -b base.vmdk -F vmdk child.vmdk
"$QEMU_IO" -f vmdk -c 'write -P 0x33 2M 1M' -c 'write -P 0x44 20M 64k' \
  -c 'write -P 0x45 8388608 512' child.vmdk >/dev/null
"$QEMU_IMG" create -q -f vmdk -o subformat=twoGbMaxExtentSparse \
  -b child.vmdk -F vmdk grand.vmdk
"$QEMU_IO" -f vmdk -c 'write -P 0x55 8389120 4096' -c 'write -P 0x56 30M 4k' \
  grand.vmdk >/dev/null
for f in base child grand; do same_as_qemu "$TMP/$f.vmdk"; done
# qemu rewrites a descriptor's CID with printf %x: a CID with leading zero
# nibbles is shorter, and the old text's last bytes stay after the new NUL
# (a random 1 in 16 runs).  Make that happen for sure: still a VMDK.
python3 - grand.vmdk <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
text = b.split(b"\0")[0]
new = re.sub(rb"\nCID=[0-9a-f]+\n", b"\nCID=5f6\n", text, count=1)
assert len(new) < len(text)
out = new + b"\0" + text[len(new) + 1:]
open(sys.argv[1], "wb").write(out + b"\0" * (len(b) - len(out)))
PY
same_as_qemu "$TMP/grand.vmdk"
expect_type grand.vmdk 0 data              # only in base
expect_type grand.vmdk $((20 << 20)) data  # only in child
expect_type grand.vmdk $((12 << 20)) hole  # in no link
expect_type child.vmdk $((30 << 20)) hole

"$V2KVM" disk info grand.vmdk > info || fail "disk info grand.vmdk"
for line in '  vmdk grand.vmdk twoGbMaxExtentSparse' '    extent ./grand-s001.vmdk' \
            '  vmdk ./child.vmdk monolithicSparse' '  vmdk ./base.vmdk monolithicSparse'; do
  grep -qxF "$line" info || fail "disk info lacks '$line': $(cat info)"
done

# A child larger than its parent reads zeros past the parent's end.
"$QEMU_IMG" create -q -f vmdk -b base.vmdk -F vmdk big-child.vmdk 64M
"$QEMU_IO" -f vmdk -c 'write -P 0x66 40M 64k' big-child.vmdk >/dev/null
same_as_qemu "$TMP/big-child.vmdk"
expect_type big-child.vmdk $((50 << 20)) hole

# An absolute ESXi parentFileNameHint: found beside the child, warned.
python3 - child.vmdk abs-child.vmdk <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
old = b'parentFileNameHint="base.vmdk"'
new = b'parentFileNameHint="/vmfs/volumes/5a1b/base.vmdk"'
i = d.index(old)
# the embedded descriptor is NUL-padded: keep the file layout
d = d[:i] + new + d[i + len(old):]
j = d.index(b'\0' * len(new), i)
d = d[:j] + d[j + len(new) - len(old):]
open(sys.argv[2], 'wb').write(d)
PY
"$BLKTOOL" sha256 abs-child.vmdk > abs.out 2> abs.err || fail "abs-child: $(cat abs.err)"
[ "$(cat abs.out)" = "$("$BLKTOOL" sha256 child.vmdk)" ] || fail "abs-child decodes differently"
grep -q "does not exist, using" abs.err || fail "no warning for the absolute hint"

# Wrong parentCID: the parent was modified after the snapshot.
python3 - child.vmdk badcid.vmdk <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
m = re.search(rb'parentCID=([0-9a-f]+)', d)    # qemu writes %x, not %08x
bad = b'%0*x' % (len(m.group(1)), int(m.group(1), 16) ^ 0x1)
open(sys.argv[2], 'wb').write(d[:m.start(1)] + bad + d[m.end(1):])
PY
expect_exit 3 "$V2KVM" disk info badcid.vmdk
expect_error_match "badcid.vmdk'?: parent '.*base.vmdk' was modified after the snapshot"

# A parent loop, A -> B -> A, through text descriptors.
truncate -s 1M loop.raw
for x in A:B B:A; do
  me=${x%:*} parent=${x#*:}
  printf '# Disk DescriptorFile\nversion=1\nCID=0000000%s\nparentCID=0000000%s\ncreateType="monolithicFlat"\nparentFileNameHint="loop-%s.vmdk"\n\nRW 2048 FLAT "loop.raw" 0\n' \
    "$(printf %s "$me" | tr AB 12)" "$(printf %s "$parent" | tr AB 12)" "$parent" \
    > "loop-$me.vmdk"
done
expect_exit 3 "$V2KVM" disk info loop-A.vmdk
expect_error_match "loop"

# A missing parent.
mkdir alone && cp child.vmdk alone/
expect_exit 3 "$V2KVM" disk info alone/child.vmdk
expect_error_match "alone/child.vmdk'?: cannot open its parent 'base.vmdk'"
echo ok
