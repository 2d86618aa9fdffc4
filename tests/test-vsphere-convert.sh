#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# convert -ic esx:// of the vmware test guest, laid out on the vSphere
# simulator's datastore as ESXi lays it out (.vmx, createType="vmfs"
# descriptor, thin -flat.vmdk, .nvram, vmware.log) and registered with
# RegisterVM_Task: the converted guest boots under qemu (TCG) on virtio
# with its network up, the domain XML validates and keeps the MAC, and
# the bytes the server sent (counted by tests/vsphere-proxy.py) are at
# most 1.2 x the output's data + 64 MiB: convert-before-copy holds over
# the network.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
. "$srcdir/vsphere-functions.sh"
require_slow
requires jq qemu-img virt-xml-validate openssl
vsphere_sim_build
require_convert_input vmware disk            # the raw image (read only)
vsphere_esx_dir "$TMP/esx" v2kvm-vmware "$INPUT_SOURCE"
vsphere_sim_start -guest v2kvm-vmware="$TMP/esx"
vsphere_proxy_start                          # counts, breaks nothing
export SSL_CERT_FILE=$TMP/cert.pem
OUT=$TMP/out JSON=$TMP/convert.json
mkdir "$OUT"
"$V2KVM" -v convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  v2kvm-vmware -os "$OUT" --machine-readable >"$JSON" 2>"$TMP/convert.err" ||
  fail "convert -ic esx:// exited $?: $(cat "$TMP/convert.err")"
vsphere_proxy_stop
read -r sent resets _ <"$PROXY_COUNT"
jq -e -s '.[-1].type == "result" and .[-1].ok and
          any(.[]; .type == "phase" and .phase == "fixup")' "$JSON" >/dev/null ||
  fail "bad JSON lines: $(tail -3 "$JSON")"
echo "convert: $(jq -c -s '.[-1] | {seconds, phases, fetched_bytes}' "$JSON")"
grep -E "debug: (swap|remote:)" "$TMP/convert.err" || :
! grep -qF -- "$SIM_PASSWORD" "$JSON" "$TMP/convert.err" ||
  fail "the password shows in v2kvm's output"

disk=$OUT/v2kvm-vmware-sda.qcow2
qemu-img check -q "$disk" || fail "qemu-img check $disk failed"
virt-xml-validate "$OUT/v2kvm-vmware.xml" domain >/dev/null ||
  fail "the domain XML does not validate"
mac=$(grep -Eo "mac address=[\"']..:..:..:..:..:.." "$OUT/v2kvm-vmware.xml" |
      head -1 | grep -o '..:..:..:..:..:..$')
[ "$mac" = 00:50:56:aa:bb:01 ] || fail "MAC not kept: '$mac'"

# Bytes over the network against the data the output holds.
data=$(qemu-img map --output=json "$disk" |
       jq '[.[] | select(.data) | .length] | add')
limit=$(( data * 6 / 5 + (64 << 20) ))
echo "network: server sent $sent bytes, output data $data bytes (limit $limit)"
[ "$sent" -le "$limit" ] ||
  fail "the server sent $sent bytes, more than 1.2 x $data + 64 MiB"

boot_guest "$disk" vmware --disk-bus virtio --nic virtio --mac "$mac" \
  --timeout 480 ||
  fail "the converted guest did not reach its marker"
exit 0
