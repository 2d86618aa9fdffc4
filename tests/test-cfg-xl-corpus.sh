#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every Xen xl/xm config in the corpus parses, or is refused with the
# documented error; where libvirt's test data pairs a config with the
# domain XML libvirt's own converter produced (xmconfigdata,
# xlconfigdata) the fields a conversion needs agree (cfg-compare.py).
. "$srcdir/functions.sh"
requires_corpus
requires python3

# Documented refusals (exit 3, one line naming file:line):
#  - xen-examples/xl.conf is the xl tool's own settings file, not a guest:
#    it has no 'name'.
#  - legacy-xm/xmexample2 and xmexample3 are Python programs (def,
#    xm_vars calls, '%' formatting) that only xend could run.
declare -A refuse=(
  [xl.conf]="no 'name' setting"
  [xmexample2]="xmexample2:23: 'def': Python code is not supported"
  [xmexample3]="xmexample3:23: 'def': Python code is not supported"
)

n=0 compared=0
while IFS= read -r f; do
  n=$((n+1))
  b=$(basename "$f")
  if [ -n "${refuse[$b]:-}" ]; then
    expect_exit 3 "$V2KVM" source show -i xm "$f"
    expect_error_match "${refuse[$b]}"
    echo "refused as documented: $b: $ERR"
    continue
  fi
  "$V2KVM" source show -i xl "$f" --json >"$TMP/our.json" 2>"$TMP/err" ||
    fail "cannot read $f: $(cat "$TMP/err")"
  x=${f%.cfg}.xml
  [ "$x" != "$f" ] && [ -f "$x" ] || { echo "parsed (no oracle): $f"; continue; }
  echo "== $f vs ${x##*/}"
  python3 "$srcdir/cfg-compare.py" libvirt "$x" "$TMP/our.json" ||
    fail "$f differs from $x"
  compared=$((compared+1))
done < <( (find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.cfg';
           find "$CORPUS/xen-examples" -type f) | sort)
[ $n -ge 45 ] || fail "only $n Xen configs found in the corpus"
[ $compared -ge 35 ] || fail "only $compared compared"
echo "xl/xm: $n files read, $compared compared with libvirt's XML"
