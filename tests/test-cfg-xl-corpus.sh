#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every Xen xl/xm config parses, or is refused with the documented error;
# where a config is paired with the domain XML of the same guest the
# fields a conversion needs agree (cfg-compare.py).
# Generated layer (always): tests/cfg-gen.py's PV, HVM and OVMF guests
# (xl and xm syntax) with their libvirt XML, a settings file without
# 'name' and a config with Python code.  Corpus layer (when $CORPUS is
# set): libvirt's xmconfigdata and xlconfigdata, whose XML libvirt's own
# converter produced, and the Xen examples.
. "$srcdir/functions.sh"
requires python3

# Documented refusals (exit 3, one line naming file:line):
#  - xen-examples/xl.conf is the xl tool's own settings file, not a guest:
#    it has no 'name'.
#  - legacy-xm/xmexample2 and xmexample3 are Python programs (def,
#    xm_vars calls, '%' formatting) that only xend could run.
#  - gen-refuse-noname.cfg and gen-refuse-python.cfg: the same two kinds.
declare -A refuse=(
  [xl.conf]="no 'name' setting"
  [gen-refuse-noname.cfg]="no 'name' setting"
  [gen-refuse-python.cfg]="gen-refuse-python.cfg:4: 'def': Python code is not supported"
  [xmexample2]="xmexample2:23: 'def': Python code is not supported"
  [xmexample3]="xmexample3:23: 'def': Python code is not supported"
)

# check FILE...: read each config, compare with its XML.
n=0 compared=0
check () {
  local f b x
  for f in "$@"; do
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
  done
}

# --- Generated layer ---
python3 "$srcdir/cfg-gen.py" "$TMP/gen" || fail "cfg-gen.py"
check "$TMP"/gen/*.cfg
[ $n = 5 ] && [ $compared = 3 ] || fail "generated: $n read, $compared compared; expected 5 and 3"
echo "xl/xm (generated): $n files read, $compared compared with their XML"

# --- Corpus layer ---
if have_corpus libvirt-1.2.2/xmconfigdata libvirt-current/xlconfigdata xen-examples; then
  n=0 compared=0
  mapfile -t files < <( (find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.cfg';
                         find "$CORPUS/xen-examples" -type f) | sort)
  check "${files[@]}"
  [ $n -ge 45 ] || fail "only $n Xen configs found in the corpus"
  [ $compared -ge 35 ] || fail "only $compared compared"
  echo "xl/xm (corpus): $n files read, $compared compared with libvirt's XML"
fi
