#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -ic esx:// through a proxy that breaks connections (tests/vsphere-
# proxy.py) in front of VMware's vSphere API simulator: with every
# connection reset after 3 MiB the conversion resumes where each read
# stopped and the output is bit-identical to the datastore's flat disk
# (qemu-img compare); with the server dead after 20 MiB the retries run
# out and the conversion fails with one line (exit 3), leaving nothing.
. "$srcdir/functions.sh"
. "$srcdir/vsphere-functions.sh"
requires jq qemu-img openssl
vsphere_sim_build

flat=$TMP/flat.raw
truncate -s 96M "$flat"
dd if=/dev/urandom of="$flat" bs=1M count=40 conv=notrunc status=none
dd if=/dev/urandom of="$flat" bs=1M seek=70 count=8 conv=notrunc status=none
vsphere_esx_dir "$TMP/g" faultvm "$flat"
vsphere_sim_start -guest faultvm="$TMP/g"
export SSL_CERT_FILE=$TMP/cert.pem

# Resets every 3 MiB: resumed, identical.
vsphere_proxy_start --reset-after $((3 << 20))
mkdir "$TMP/out"
"$V2KVM" convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  faultvm --no-fixup -of raw -os "$TMP/out" --machine-readable \
  >"$TMP/ok.json" 2>"$TMP/ok.err" || fail "convert through resets failed: $(cat "$TMP/ok.err")"
vsphere_proxy_stop
read -r bytes resets <"$PROXY_COUNT"
qemu-img compare -q -f raw -F raw "$TMP/out/v2kvm-vmware-sda.raw" "$flat" ||
  fail "the output differs from the flat disk after resumed reads"
[ "$resets" -ge 20 ] || fail "only $resets resets: the proxy did not break enough connections"
echo "resets: $resets connections reset, $bytes bytes sent by the server, output identical"

# Dead after 20 MiB: retries spent, one line, nothing left.
rm -rf "$TMP/out"; mkdir "$TMP/out"
vsphere_proxy_start --dead-after $((20 << 20))
expect_exit 3 "$V2KVM" convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" \
  -ip "$PWFILE" faultvm --no-fixup -of raw -os "$TMP/out"
vsphere_proxy_stop
expect_error_match "faultvm/faultvm-flat.vmdk': giving up after 5 retries: "
[ -z "$(ls -A "$TMP/out")" ] || fail "a failed conversion left files: $(ls -A "$TMP/out")"
echo "dead server: $ERR"
exit 0
