#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/package-smoke.sh TARBALL: build the Debian package from a
# release tarball (make dist), check what it holds, install it with apt
# (which pulls its Depends), and run the installed program: --version,
# check-host, a disk convert checked by qemu-img compare, the nbdkit
# plugin found by name, the bash completion.  Removes the package again
# unless KEEP_PACKAGE=1.  Needs root (apt) and scripts/install-deps.sh's
# packages.  CI runs it (.ci/run).
set -euo pipefail
tarball=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/v2kvm-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

tar xzf "$tarball" -C "$work"
src=$(echo "$work"/v2kvm-*)
# nocheck: the suite ran already; parallel: debhelper builds with one job
# unless told (dh's --parallel takes its count from DEB_BUILD_OPTIONS).
( cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b ) > "$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "package-smoke: dpkg-buildpackage failed"; exit 1; }
deb=$(echo "$work"/v2kvm_*.deb)
[ -f "$deb" ] || { echo "package-smoke: no v2kvm_*.deb built"; exit 1; }

plugindir=$(pkg-config --variable=plugindir nbdkit)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$work/contents"
for f in /usr/bin/v2kvm "$plugindir/nbdkit-v2kvm-plugin.so" \
         /usr/share/man/man1/v2kvm.1.gz \
         /usr/share/bash-completion/completions/v2kvm; do
  grep -qxF "$f" "$work/contents" || { echo "package-smoke: $f not in $(basename "$deb")"; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in libguestfs0 nbdkit qemu-utils qemu-system-x86 libvirt0 libxml2 libzstd1; do
  grep -q "\b$d\b" <<<"$depends" || { echo "package-smoke: Depends lacks $d: $depends"; exit 1; }
done
echo "package-smoke: $(basename "$deb"): $(stat -c %s "$deb") bytes, $(wc -l < "$work/contents") entries"

$SUDO apt-get install -y -q -o DPkg::Lock::Timeout=900 "$deb" > "$work/install.log" 2>&1 ||
  { tail -20 "$work/install.log"; echo "package-smoke: apt-get install failed"; exit 1; }
[ "${KEEP_PACKAGE:-0}" = 1 ] || trap '$SUDO dpkg -r v2kvm >/dev/null; rm -rf "$work"' EXIT

# The installed program only: a PATH without any build tree.
cd "$work"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset V2KVM_NBDKIT_PLUGIN
[ "$(command -v v2kvm)" = /usr/bin/v2kvm ] || { echo "package-smoke: v2kvm is not /usr/bin/v2kvm"; exit 1; }
v2kvm --version
v2kvm check-host
man -w v2kvm >/dev/null
qemu-img create -q -f vmdk -o subformat=streamOptimized in.vmdk 64M
qemu-io -f vmdk -c 'write -P 0x5a 1M 3M' -c 'write -P 0xa5 40M 512k' in.vmdk >/dev/null
v2kvm disk convert in.vmdk out.qcow2
qemu-img compare -q in.vmdk out.qcow2
echo "package-smoke: disk convert of a streamOptimized VMDK matches (qemu-img compare)"
nbdkit -r -U - v2kvm file="$work/in.vmdk" --run 'qemu-img compare -q in.vmdk "$nbd"'
echo "package-smoke: nbdkit finds the v2kvm plugin by name"
bash -c 'source /usr/share/bash-completion/completions/v2kvm
         COMP_WORDS=(v2kvm disk ""); COMP_CWORD=2; _v2kvm
         [ "${COMPREPLY[*]}" = "info convert" ]' ||
  { echo "package-smoke: bash completion of 'v2kvm disk' failed"; exit 1; }
echo "package-smoke: ok"
