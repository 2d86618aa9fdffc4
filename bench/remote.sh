#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: a guest converted straight from ESXi (v2kvm convert -ic
# esx://) against what users do today, "download the guest's files, then
# convert locally" (curl of the .vmx, descriptor and -flat.vmdk from the
# datastore's /folder endpoint, then v2kvm convert -i vmx), in the same
# run, against VMware's vSphere API simulator (tests/vsphere-sim) serving
# the vmware test guest (tests/guests, 1.5 GiB thin disk) on 127.0.0.1.
# A counting proxy (tests/vsphere-proxy.py) measures the bytes the server
# sends either way.  Prints a markdown table: wall time (the download
# alone too) and bytes over the network, plus the output's data bytes.
# Also prints the remote conversion's request counts and time spent in
# requests (its -v lines).  Not a test: no thresholds.  Loopback: the network costs nothing here,
# so the time saved on a real link is the bytes saved at its rate.
#
#   bench/remote.sh            (needs the packages of scripts/install-deps.sh)
#   BENCH_LOG=FILE keeps the remote conversion's -v log
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
export V2KVM=${V2KVM:-$SRC/v2kvm}
[ -x "$V2KVM" ] || { echo "build v2kvm first" >&2; exit 1; }
srcdir=$SRC/tests top_srcdir=$SRC
set +u
. "$SRC/tests/functions.sh"
. "$SRC/tests/vsphere-functions.sh"
set -u
vsphere_sim_build
img=$("$SRC/tests/guests/make-inputs.sh" vmware disk)
vsphere_esx_dir "$TMP/esx" v2kvm-vmware "$img"
vsphere_sim_start -guest v2kvm-vmware="$TMP/esx"
export SSL_CERT_FILE=$TMP/cert.pem
now () { date +%s.%N; }
data_bytes () {
  qemu-img map --output=json "$1" | jq '[.[] | select(.data) | .length] | add'
}

# 1. v2kvm convert -ic esx://
mkdir "$TMP/a"
vsphere_proxy_start
t0=$(now)
"$V2KVM" -v convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  v2kvm-vmware -os "$TMP/a" --machine-readable >"$TMP/a.json" 2>"$TMP/a.err"
t1=$(now)
vsphere_proxy_stop
read -r bytes_a _ <"$PROXY_COUNT"
wall_a=$(echo "$t1 - $t0" | bc)
data_a=$(data_bytes "$TMP/a/v2kvm-vmware-sda.qcow2")

# 2. curl the files, then convert the local copy.
mkdir "$TMP/dl" "$TMP/b"
printf 'user = "root:%s"\n' "$SIM_PASSWORD" >"$TMP/curl.cfg"
vsphere_proxy_start
t0=$(now)
for f in v2kvm-vmware.vmx v2kvm-vmware.vmdk v2kvm-vmware-flat.vmdk; do
  curl -sSf --cacert "$TMP/cert.pem" -K "$TMP/curl.cfg" -o "$TMP/dl/$f" \
    "https://127.0.0.1:$PROXY_PORT/folder/v2kvm-vmware/$f?dcPath=ha-datacenter&dsName=LocalDS_0"
done
t1=$(now)
vsphere_proxy_stop
read -r bytes_b _ <"$PROXY_COUNT"
"$V2KVM" convert -i vmx "$TMP/dl/v2kvm-vmware.vmx" -os "$TMP/b" \
  --machine-readable >"$TMP/b.json"
t2=$(now)
wall_dl=$(echo "$t1 - $t0" | bc)
wall_b=$(echo "$t2 - $t0" | bc)
data_b=$(data_bytes "$TMP/b/v2kvm-vmware-sda.qcow2")

mib () { echo "scale=1; $1 / 1048576" | bc; }
load=$(cut -d' ' -f1 /proc/loadavg)
echo
echo "vmware test guest: $(mib "$(stat -L -c %s "$img")") MiB provisioned," \
     "$(mib $(( $(stat -L -c %b "$img") * 512 ))) MiB allocated; load $load"
echo
echo "| method | wall time | bytes from the server | output data |"
echo "|---|---|---|---|"
printf '| v2kvm convert -ic esx:// | %.1f s (%s) | %s MiB | %s MiB |\n' \
  "$wall_a" "$(jq -r -s '.[-1].phases | "fixup \(.fixup|floor) s, copy \(.copy|floor) s"' "$TMP/a.json")" \
  "$(mib "$bytes_a")" "$(mib "$data_a")"
printf '| curl download, then convert -i vmx | %.1f s (download %.1f s) | %s MiB | %s MiB |\n' \
  "$wall_b" "$wall_dl" "$(mib "$bytes_b")" "$(mib "$data_b")"
echo
echo "Requests of the remote conversion (-v: the NBD servers serve the appliance's reads, this process's the copy):"
grep -h 'remote: ' "$TMP/a.err" | sed 's/^.*remote: /    /'
cp "$TMP/a.err" "${BENCH_LOG:-/dev/null}" 2>/dev/null || true
