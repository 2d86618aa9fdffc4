#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -ic esx:// through a proxy that breaks connections (tests/vsphere-
# proxy.py) in front of VMware's vSphere API simulator: with every
# connection reset after 3 MiB the conversion resumes where each read
# stopped and the output is bit-identical to the datastore's flat disk
# (qemu-img compare); with the server dead after 20 MiB the retries run
# out and the conversion fails with one line (exit 3), leaving nothing;
# Ctrl-C in the middle of the copy logs the API session out (the
# simulator's session count: 1 during the copy, 0 after) and leaves
# nothing.
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

# No faults: the reads reuse their connections (remote/https.h: a new
# libcurl handle per request, the connection kept in a share), so there
# are far fewer connections than requests; output identical.
vsphere_proxy_start
mkdir "$TMP/out"
"$V2KVM" -v convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  faultvm --no-fixup -of raw -os "$TMP/out" \
  >/dev/null 2>"$TMP/clean.err" || fail "convert through the proxy failed: $(tail -3 "$TMP/clean.err")"
vsphere_proxy_stop
read -r bytes resets conns <"$PROXY_COUNT"
qemu-img compare -q -f raw -F raw "$TMP/out/v2kvm-vmware-sda.raw" "$flat" ||
  fail "the output differs from the flat disk"
requests=$(sed -n 's/.*remote: [0-9]* bytes fetched in \([0-9]*\) requests.*/\1/p' \
  "$TMP/clean.err" | tail -1)
[ -n "$requests" ] || fail "no request count in the -v log"
[ "$requests" -ge 24 ] || fail "only $requests requests for 48 MiB of data"
[ "$conns" -le 8 ] ||
  fail "$conns connections for $requests requests: connections are not reused"
echo "no faults: $requests requests over $conns connections, output identical"
rm -rf "$TMP/out"

# Resets every 3 MiB: resumed, identical.
vsphere_proxy_start --reset-after $((3 << 20))
mkdir "$TMP/out"
"$V2KVM" convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  faultvm --no-fixup -of raw -os "$TMP/out" --machine-readable \
  >"$TMP/ok.json" 2>"$TMP/ok.err" || fail "convert through resets failed: $(cat "$TMP/ok.err")"
vsphere_proxy_stop
read -r bytes resets conns <"$PROXY_COUNT"
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

# Ctrl-C mid-copy (SIGINT to the process group, as a terminal sends it)
# over a slow link: the session is logged out, nothing is left.
rm -rf "$TMP/out"; mkdir "$TMP/out"
[ "$(vsphere_sim_sessions)" = 0 ] || fail "sessions left before the Ctrl-C test: $(cat "$SIM_INFO.sessions")"
vsphere_proxy_start --rate $((1 << 20))
setsid "$V2KVM" convert -ic "esx://root@127.0.0.1:$PROXY_PORT/" -ip "$PWFILE" \
  faultvm --no-fixup -of raw -os "$TMP/out" --machine-readable \
  >"$TMP/int.json" 2>"$TMP/int.err" &
pid=$!
for ((i = 0; i < 1200; i++)); do
  jq -e -s 'any(.[]; .type == "progress" and (.fetched_bytes // 0) > 4194304)' \
    "$TMP/int.json" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -0 $pid 2>/dev/null || fail "the conversion ended before Ctrl-C: $(cat "$TMP/int.err")"
during=$(vsphere_sim_sessions)
[ "$during" = 1 ] || fail "$during sessions during the copy, 1 expected"
kill -INT -- -$pid
rc=0; wait $pid || rc=$?
vsphere_proxy_stop
[ $rc -ne 0 ] || fail "an interrupted conversion exited 0"
after=$(vsphere_sim_sessions)
[ "$after" = 0 ] || fail "$after sessions left after Ctrl-C: the session was not logged out"
[ -z "$(ls -A "$TMP/out")" ] || fail "an interrupted conversion left files: $(ls -A "$TMP/out")"
echo "Ctrl-C mid-copy: exit $rc, sessions $during during the copy, $after after; $(tail -1 "$TMP/int.err")"
exit 0
