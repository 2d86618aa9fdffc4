# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the Windows fixup tests (sourced after functions.sh).
# Every helper that touches an image costs one appliance launch.

export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
# Nested KVM is broken on the build machines: TCG unless told otherwise.
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
WINTOOL=${WINTOOL:-$top_builddir/tests/wintool}
PHONY=$srcdir/phony

windows_requires () {
  requires guestfish hivexregedit iconv python3
  [ -x "$WINTOOL" ] || skip "wintool not built"
}

# readback OUTDIR IMAGE...: for image N (1-based) write into OUTDIR
# N.files (every path on the system volume), N-SYSTEM.reg, N-SOFTWARE.reg
# (hivexregedit exports, one "KEY|value" per line) and N.firstboot.cmd /
# N.scripts.ini when present.  One launch for all images.
readback () {
  local out=$1; shift
  local args=() n=0 dev
  echo run > "$out/readback.gf"
  for img in "$@"; do
    n=$((n + 1)); dev=/dev/sd$(printf "\\x$(printf %x $((96 + n)))")1
    args+=(-a "$img")
    cat >> "$out/readback.gf" <<GF
mount-ro $dev /
find /
download /Windows/System32/config/SYSTEM "$out/$n-SYSTEM"
download /Windows/System32/config/SOFTWARE "$out/$n-SOFTWARE"
-download /Windows/v2kvm/firstboot.cmd "$out/$n.firstboot.cmd"
-download /Windows/System32/GroupPolicy/Machine/Scripts/scripts.ini "$out/$n.scripts.ini"
-download /Windows/System32/drivers/viostor.sys "$out/$n.viostor.sys"
-download /Windows/System32/drivers/vioscsi.sys "$out/$n.vioscsi.sys"
umount /
echo "@@@ end $n"
GF
  done
  guestfish --ro "${args[@]}" < "$out/readback.gf" > "$out/find.txt" 2>"$out/readback.err" ||
    fail "readback failed: $(cat "$out/readback.err")"
  n=0
  for img in "$@"; do
    n=$((n + 1))
    awk -v n=$n 'BEGIN{k=1} /^@@@ end /{k++; next} k==n' "$out/find.txt" |
      sed 's|^|/|' | sort > "$out/$n.files"
    flatten SYSTEM "$out/$n-SYSTEM" > "$out/$n-SYSTEM.reg"
    flatten SOFTWARE "$out/$n-SOFTWARE" > "$out/$n-SOFTWARE.reg"
  done
}

# flatten HIVENAME FILE: "KEY|"name"=value" lines, strings made readable.
flatten () {
  hivexregedit --export --unsafe-printable-strings \
    --prefix "HKEY_LOCAL_MACHINE\\$1" "$2" '\' |
    awk '/^\[/ { k = $0; print k "|"; next } /^$/ { next } { print k "|" $0 }' | sort
}

# regval FLAT KEY-SUFFIX NAME: the value text of NAME under the key whose
# path ends in KEY-SUFFIX (first match), e.g. regval f 'Services\viostor]' Start
regval () {
  grep -F -- "$2|\"$3\"=" "$1" | head -1 | sed 's/^[^|]*|"[^"]*"=//'
}
