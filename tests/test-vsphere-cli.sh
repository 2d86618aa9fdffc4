#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -ic esx:// and vpx:// against VMware's vSphere API simulator (govmomi,
# tests/vsphere-sim): `source list` matches the simulator's own inventory
# (read by govmomi's client), `source show` of a guest on the datastore is
# the record of the same .vmx read locally, a conversion is bit-identical
# to the flat disk (qemu-img compare), also when the .vmx names the disk
# by datastore id (/vmfs/volumes/UUID/...), and each failure is one line with
# its exit code and leaves nothing: wrong password (3), unknown VM with
# close names (3), powered-on VM (7), untrusted certificate without
# no_verify (8, fingerprint = openssl's), disk file missing (3), host
# unreachable (3), no password and no TTY (2).  The password shows nowhere.
. "$srcdir/functions.sh"
. "$srcdir/vsphere-functions.sh"
requires jq qemu-img qemu-io openssl
vsphere_sim_build

# A small guest as ESXi lays it out: 64 MiB flat disk, 5 MiB of data.
flat=$TMP/small-flat.raw
truncate -s 64M "$flat"
dd if=/dev/urandom of="$flat" bs=1M seek=1 count=3 conv=notrunc status=none
dd if=/dev/urandom of="$flat" bs=1M seek=40 count=2 conv=notrunc status=none
vsphere_esx_dir "$TMP/g1" smallvm "$flat"
# A guest whose disk file is not on the datastore.
mkdir "$TMP/g2"
sed 's|@DISK@|gone.vmdk|' "$srcdir/guests/vmware.vmx.in" >"$TMP/g2/gone.vmx"
# A snapshot chain: monolithicSparse base + delta naming it as parent.
mkdir "$TMP/g3"
qemu-img create -q -f vmdk "$TMP/g3/base.vmdk" 32M
qemu-io -f vmdk -c "write -P 0x11 1M 3M" "$TMP/g3/base.vmdk" >/dev/null
(cd "$TMP/g3" && qemu-img create -q -f vmdk -b base.vmdk -F vmdk delta.vmdk)
qemu-io -f vmdk -c "write -P 0x22 2M 1M" "$TMP/g3/delta.vmdk" >/dev/null
sed 's|@DISK@|delta.vmdk|' "$srcdir/guests/vmware.vmx.in" >"$TMP/g3/chain.vmx"
# A guest whose descriptor names another VM's flat file on the datastore:
# the reference rule keeps references in the guest's own folder.
mkdir "$TMP/g4"
sed 's|@DISK@|escape.vmdk|' "$srcdir/guests/vmware.vmx.in" >"$TMP/g4/escape.vmx"
sed 's|^RW \([0-9]*\) VMFS .*|RW \1 VMFS "/vmfs/volumes/LocalDS_0/smallvm/smallvm-flat.vmdk"|' \
  "$TMP/g1/smallvm.vmdk" >"$TMP/g4/escape.vmdk"
grep -q '^RW .*/smallvm/smallvm-flat.vmdk"$' "$TMP/g4/escape.vmdk" ||
  fail "could not write the escaping descriptor"
: >"$TMP/g4/escape.nvram"
: >"$TMP/g4/vmware.log"
# A guest whose .vmx names its disk by datastore id, as ESXi writes it
# (/vmfs/volumes/UUID/...): the id is the last component of the
# datastore's summary.url (real ESXi: ds:///vmfs/volumes/UUID/; the
# simulator's is its directory), known once the simulator runs.
vsphere_esx_dir "$TMP/g5" uuidvm "$flat"
vsphere_sim_start -guest smallvm="$TMP/g1" -guest missingdisk="$TMP/g2" \
  -guest chainvm="$TMP/g3" -guest escapevm="$TMP/g4" -guest uuidvm="$TMP/g5"
ds_id=$(basename "$SIM_DS_DIR")
[ "$ds_id" != LocalDS_0 ] || fail "the datastore's id is its name: the test proves nothing"
sed -i "s|^scsi0:0.fileName = .*|scsi0:0.fileName = \"/vmfs/volumes/$ds_id/uuidvm/uuidvm.vmdk\"|" \
  "$TMP/g5/uuidvm.vmx"
grep -q "/vmfs/volumes/$ds_id/" "$TMP/g5/uuidvm.vmx" || fail "could not write uuidvm.vmx"
U="esx://root@127.0.0.1:$SIM_PORT/"
export SSL_CERT_FILE=$TMP/cert.pem     # trust the simulator's certificate
all_out=$TMP/all-output
: >"$all_out"
keep () { cat "$TMP/expect.out" "$TMP/expect.err" >>"$all_out" 2>/dev/null; }

# source list: the simulator's inventory, VM for VM.
"$V2KVM" source list -ic "$U" -ip "$PWFILE" --json >"$TMP/list.json" ||
  fail "source list failed"
jq -r '.vms[] | "vm \(.name) \(.power) \(.guest_id // "") \(.firmware) \(.disks | length) \(.nics | length)"' \
  "$TMP/list.json" | sort >"$TMP/list.ours"
grep '^vm ' "$SIM_INFO" | sort >"$TMP/list.sim"
diff -u "$TMP/list.sim" "$TMP/list.ours" || fail "source list differs from the simulator's inventory"
[ "$(wc -l <"$TMP/list.sim")" -ge 4 ] || fail "expected at least 4 VMs: $(cat "$TMP/list.sim")"
jq -e '.vms[] | select(.name == "ha-host_VM0") | .disks[0].provisioned_bytes > 0' \
  "$TMP/list.json" >/dev/null || fail "no provisioned bytes for ha-host_VM0"
"$V2KVM" source list -ic "$U" -ip "$PWFILE" >"$TMP/list.txt" || fail "source list (table) failed"
[ "$(wc -l <"$TMP/list.txt")" = $(( $(wc -l <"$TMP/list.sim") + 1 )) ] ||
  fail "table: one header and one line per VM expected: $(cat "$TMP/list.txt")"
# Per-disk used bytes: what the simulator's own client reads from
# layoutEx, and for smallvm the sizes of its files (descriptor + flat).
jq -r '.vms[] | .name as $n | .disks[] | "disk \($n) \(.file // "-" | gsub(" "; "_")) \(.used_bytes // "unknown")"' \
  "$TMP/list.json" | sort >"$TMP/disks.ours"
grep '^disk ' "$SIM_INFO" | sort >"$TMP/disks.sim"
diff -u "$TMP/disks.sim" "$TMP/disks.ours" || fail "per-disk used bytes differ from the simulator's"
want=$(( $(stat -L -c %s "$TMP/g1/smallvm.vmdk") + $(stat -L -c %s "$TMP/g1/smallvm-flat.vmdk") ))
got=$(jq '.vms[] | select(.name == "smallvm") | .disks[0].used_bytes' "$TMP/list.json")
[ "$got" = "$want" ] || fail "smallvm: disk used $got bytes, its files hold $want"
echo "per-disk used bytes: $(wc -l <"$TMP/disks.sim") disks as the simulator reports; smallvm $got = its files"
cat "$TMP/list.json" "$TMP/list.txt" >>"$all_out"
echo "source list: $(wc -l <"$TMP/list.sim") VMs, as the simulator reports"

# source show: the same record as the .vmx read locally.
for fmt in "" --json; do
  "$V2KVM" source show -ic "$U" -ip "$PWFILE" smallvm $fmt >"$TMP/show.remote" ||
    fail "source show -ic failed"
  "$V2KVM" source show -i vmx "$TMP/g1/smallvm.vmx" $fmt >"$TMP/show.local" ||
    fail "source show -i vmx failed"
  sed -i "s|/vmfs/volumes/LocalDS_0/smallvm/|$TMP/g1/|g" "$TMP/show.remote"
  # The record only: the files read differ (local ones are opened).
  for f in "$TMP/show.local" "$TMP/show.remote"; do
    if [ -n "$fmt" ]; then jq -c 'del(.files)' "$f" >"$f.rec"
    else sed '/^files read:$/,$d' "$f" >"$f.rec"; fi
    mv "$f.rec" "$f"
  done
  diff -u "$TMP/show.local" "$TMP/show.remote" ||
    fail "source show $fmt: the remote record differs from the local one"
done

# Errors: one line, exit code, nothing left.
mkdir "$TMP/out"
printf 'not-%s\n' "$SIM_PASSWORD" >"$TMP/wrong"
expect_exit 3 "$V2KVM" source list -ic "$U" -ip "$TMP/wrong"; keep
expect_error_match "cannot log in to esx://root@127.0.0.1:$SIM_PORT: wrong user name or password"
expect_exit 3 "$V2KVM" convert -ic "$U" -ip "$PWFILE" smallv -os "$TMP/out"; keep
expect_error_match "no VM called 'smallv' \(close names: 'smallvm'\)"
expect_exit 7 "$V2KVM" convert -ic "$U" -ip "$PWFILE" ha-host_VM0 -os "$TMP/out"; keep
expect_error_match "guest 'ha-host_VM0' is powered on: shut it down"
expect_exit 3 "$V2KVM" convert -ic "$U" -ip "$PWFILE" missingdisk -os "$TMP/out"; keep
expect_error_match "/vmfs/volumes/LocalDS_0/missingdisk/gone.vmdk': no such file on the datastore"
expect_exit 3 "$V2KVM" convert -ic "$U" -ip "$PWFILE" escapevm -os "$TMP/out"; keep
expect_error_match "reference '/vmfs/volumes/LocalDS_0/smallvm/smallvm-flat.vmdk' leads outside '/vmfs/volumes/LocalDS_0/escapevm': refused"
[ -z "$(ls -A "$TMP/out" 2>/dev/null)" ] || fail "a refused conversion left files"
expect_exit 2 "$V2KVM" convert -ic "$U" smallvm -os "$TMP/out" </dev/null; keep
expect_error_match "needs a password: give it in a file with -ip FILE"
expect_exit 3 "$V2KVM" source list -ic "esx://root@127.0.0.1:1/" -ip "$PWFILE"; keep
expect_error_match "cannot reach the vSphere API: esx://127.0.0.1:1: .*onnect"
expect_exit 2 "$V2KVM" convert -ic foo smallvm; keep
expect_error_match "-ic takes esx://"
[ -z "$(ls -A "$TMP/out")" ] || fail "a failed conversion left files: $(ls "$TMP/out")"

# An untrusted certificate: refused (8) with its fingerprint, unless
# ?no_verify=1.
fp=$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
( unset SSL_CERT_FILE
  expect_exit 8 "$V2KVM" source list -ic "$U" -ip "$PWFILE"
  expect_error_match "SHA-256 fingerprint $fp\): add \?no_verify=1 to the URI"
  "$V2KVM" source list -ic "$U?no_verify=1" -ip "$PWFILE" >/dev/null ||
    fail "?no_verify=1 did not connect" ) || exit 1
echo "untrusted certificate refused, fingerprint $fp"

# A conversion straight from the datastore: the same bytes as the flat
# disk, and the bytes fetched are reported.
"$V2KVM" convert -ic "$U" -ip "$PWFILE" smallvm --no-fixup -of raw \
  -os "$TMP/out" --machine-readable >"$TMP/convert.json" 2>"$TMP/convert.err" ||
  fail "convert -ic failed: $(cat "$TMP/convert.err")"
cat "$TMP/convert.json" "$TMP/convert.err" >>"$all_out"
qemu-img compare -q -f raw -F raw "$TMP/out/v2kvm-vmware-sda.raw" "$flat" ||
  fail "the converted disk differs from the datastore's flat file"
# The user may allow the other VM's file: the same bytes.
"$V2KVM" convert -ic "$U" -ip "$PWFILE" escapevm --no-fixup -of raw \
  --allow-external-refs -on escaped -os "$TMP/out" 2>"$TMP/escape.err" ||
  fail "convert -ic --allow-external-refs failed: $(cat "$TMP/escape.err")"
qemu-img compare -q -f raw -F raw "$TMP/out/escaped-sda.raw" "$flat" ||
  fail "--allow-external-refs: the converted disk differs from the flat file"
# A disk named by datastore id: read through the datastore's name.
"$V2KVM" convert -ic "$U" -ip "$PWFILE" uuidvm --no-fixup -of raw \
  -on byid -os "$TMP/out" 2>"$TMP/byid.err" ||
  fail "convert of a disk named /vmfs/volumes/$ds_id/... failed: $(cat "$TMP/byid.err")"
qemu-img compare -q -f raw -F raw "$TMP/out/byid-sda.raw" "$flat" ||
  fail "/vmfs/volumes/$ds_id/: the converted disk differs from the flat file"
echo "a disk named /vmfs/volumes/$ds_id/... converted through datastore LocalDS_0"
jq -e -s --argjson size $((64 << 20)) '.[-1].ok and .[-1].fetched_bytes >= $size
    and any(.[]; .type == "progress" and has("fetched_bytes"))' \
  "$TMP/convert.json" >/dev/null || fail "no fetched_bytes: $(tail -2 "$TMP/convert.json")"
echo "convert: $(jq -c -s '.[-1] | {seconds, fetched_bytes}' "$TMP/convert.json")"

# The snapshot chain read through the datastore = qemu's local reading.
rm -rf "$TMP/out"; mkdir "$TMP/out"
"$V2KVM" convert -ic "$U" -ip "$PWFILE" chainvm --no-fixup -of raw \
  -os "$TMP/out" >/dev/null 2>"$TMP/chain.err" ||
  fail "convert -ic of a snapshot chain failed: $(cat "$TMP/chain.err")"
qemu-img compare -q -F vmdk "$TMP/out/v2kvm-vmware-sda.raw" "$TMP/g3/delta.vmdk" ||
  fail "the snapshot chain read remotely differs from qemu's reading"
echo "snapshot chain (sparse base + delta) identical to qemu-img's reading"

# vCenter: vpx://HOST/DATACENTER lists that datacenter's VMs.
kill $SIM_PID; wait $SIM_PID 2>/dev/null
vsphere_sim_start -model vpx -guest smallvm="$TMP/g1"
dc=$(awk '$1 == "datacenter" {print $2}' "$SIM_INFO")
ds=$(awk '$1 == "datastore" {print $2}' "$SIM_INFO")
"$V2KVM" source list -ic "vpx://root@127.0.0.1:$SIM_PORT/$dc/DC0_C0/DC0_C0_H0" \
  -ip "$PWFILE" --json >"$TMP/vpx.json" || fail "source list vpx:// failed"
jq -r '.vms[] | "vm \(.name) \(.power) \(.guest_id // "") \(.firmware) \(.disks | length) \(.nics | length)"' \
  "$TMP/vpx.json" | sort >"$TMP/vpx.ours"
grep '^vm ' "$SIM_INFO" | sort | diff -u - "$TMP/vpx.ours" ||
  fail "vpx:// source list differs from the simulator's inventory"
expect_exit 3 "$V2KVM" source list -ic "vpx://root@127.0.0.1:$SIM_PORT/NoSuchDC" -ip "$PWFILE"
expect_error_match "no datacenter called 'NoSuchDC'"
rm -rf "$TMP/out"; mkdir "$TMP/out"
"$V2KVM" convert -ic "vpx://root@127.0.0.1:$SIM_PORT/$dc/DC0_C0/DC0_C0_H0" \
  -ip "$PWFILE" smallvm --no-fixup -of raw -os "$TMP/out" >/dev/null 2>&1 ||
  fail "convert -ic vpx:// failed"
qemu-img compare -q -f raw -F raw "$TMP/out/v2kvm-vmware-sda.raw" "$flat" ||
  fail "vpx://: the converted disk differs from the flat file"
echo "vpx://: $(wc -l <"$TMP/vpx.ours") VMs in $dc (datastore $ds), smallvm converted identical"

! grep -qF -- "$SIM_PASSWORD" "$all_out" || fail "the password shows in v2kvm's output"
exit 0
