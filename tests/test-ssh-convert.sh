#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -it ssh against a real OpenSSH server on 127.0.0.1 (ssh-functions.sh):
# a .vmx whose disk is a snapshot chain (monolithicSparse base + delta
# written by qemu-img, the oracle) converted over SSH (--no-fixup) is
# bit-identical to the same chain converted from the local files
# (qemu-img compare); source show reads the .vmx over SFTP; a thin
# vmfs -flat.vmdk converts identical with only its data fetched (the
# host's allocation map); an extent outside the .vmx's folder is
# refused unless --allow-external-refs.  Then the
# failures, each one line with its exit code and nothing in -os:
# unknown host key (8, with its SHA-256 fingerprint), a key the server
# does not accept (8), -i ova over SSH (2, refused), a missing .vmx (3),
# a missing disk (3), and the
# connection killed mid-copy with the server gone (3 after the
# retries); killed with the server still there, the copy resumes and
# the output is still identical.
. "$srcdir/functions.sh"
. "$srcdir/ssh-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" jq nbdkit
# The copy of the chain's 95 MiB of data takes half a second on loopback,
# too short to stop it reliably at a progress event (below): 10 MiB/s for
# each SFTP session (v2kvm opens several) makes it about 4 s.
SSH_SFTP_RATE=$((10 << 20)) ssh_start
G=$TMP/ds/guest
mkdir -p "$G"
cd "$G"
# More data than the remote source caches (64 MiB), so that a copy
# after the connection is killed must fetch again.
"$QEMU_IMG" create -q -f vmdk base.vmdk 160M || fail "qemu-img create"
"$QEMU_IO" -f vmdk -c 'write -P 0x11 0 3M' -c 'write -P 0x22 40M 1M' \
  -c 'write -P 0x55 64M 90M' base.vmdk >/dev/null || fail qemu-io
"$QEMU_IMG" create -q -f vmdk -b base.vmdk -F vmdk guest-000001.vmdk ||
  fail "qemu-img create (delta)"
"$QEMU_IO" -f vmdk -c 'write -P 0x33 1M 1M' -c 'write -P 0x44 63M 1M' \
  guest-000001.vmdk >/dev/null || fail qemu-io
cat > guest.vmx <<EOV
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "sshguest"
guestOS = "debian12-64"
memSize = "512"
numvcpus = "1"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "guest-000001.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:aa:bb:01"
EOV
cd "$TMP"
URL=$SSH_URL$G/guest.vmx

"$V2KVM" source show -i vmx -it ssh "$URL" --json > show.json ||
  fail "source show -it ssh"
jq -e --arg p "$G/guest-000001.vmdk" '.name == "sshguest" and
  .disks[0].path == $p' show.json >/dev/null || fail "source show: $(cat show.json)"

mkdir local remote
"$V2KVM" convert -i vmx "$G/guest.vmx" --no-fixup -os local >/dev/null \
  2>local.err || fail "local convert: $(cat local.err)"
"$V2KVM" convert -i vmx -it ssh "$URL" --no-fixup -os remote \
  --machine-readable >remote.json 2>remote.err ||
  fail "convert -it ssh: $(cat remote.err)"
"$QEMU_IMG" compare -q local/sshguest-sda.qcow2 remote/sshguest-sda.qcow2 ||
  fail "the chain over SSH differs from the local one"
"$QEMU_IMG" compare -q -f vmdk -F qcow2 "$G/guest-000001.vmdk" remote/sshguest-sda.qcow2 ||
  fail "the output differs from the source chain"
jq -e -s '.[-1].ok' remote.json >/dev/null || fail "$(tail -1 remote.json)"
# What crossed the network: more than 0, no more than the chain's files
# hold + 10% (convert before copy: holes and overwritten blocks are not
# fetched).
held=$(du -cB1 "$G"/base.vmdk "$G"/guest-000001.vmdk | tail -1 | cut -f1)
fetched=$(jq -s '.[-1].fetched_bytes' remote.json)
echo "fetched $fetched bytes over SSH; the chain's files hold $held"
[ "$fetched" -gt 0 ] && [ "$fetched" -le $((held * 11 / 10)) ] ||
  fail "fetched_bytes $fetched (files hold $held)"

# A thin disk as on an ESXi datastore (createType="vmfs" descriptor,
# sparse -flat.vmdk): the host's allocation map (a SEEK_DATA walk over
# an exec channel) keeps its holes off the network.  The output is the
# flat file's bytes, and what is fetched is its data (du), not its size.
"$QEMU_IMG" create -q -f vmdk -o subformat=monolithicFlat "$G/thin.vmdk" 160M ||
  fail "qemu-img create (flat)"
sed -i 's/^createType=.*/createType="vmfs"/; s/^RW \([0-9]*\) FLAT \(.*\) 0$/RW \1 VMFS \2/' \
  "$G/thin.vmdk"
dd if="$G/base.vmdk" of="$G/thin-flat.vmdk" bs=1M count=3 conv=notrunc status=none
dd if="$G/base.vmdk" of="$G/thin-flat.vmdk" bs=1M skip=64 seek=100 count=5 \
  conv=notrunc status=none
sed 's/guest-000001.vmdk/thin.vmdk/' "$G/guest.vmx" > "$G/thin.vmx"
mkdir thin
"$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/thin.vmx" --no-fixup -os thin \
  --machine-readable >thin.json 2>thin.err || fail "thin -it ssh: $(cat thin.err)"
"$QEMU_IMG" compare -q -f raw -F qcow2 "$G/thin-flat.vmdk" thin/sshguest-sda.qcow2 ||
  fail "the thin disk over SSH differs from its -flat.vmdk"
held=$(du -B1 "$G/thin-flat.vmdk" | cut -f1)
fetched=$(jq -s '.[-1].fetched_bytes' thin.json)
echo "thin disk: fetched $fetched bytes over SSH; its -flat.vmdk holds $held"
[ "$fetched" -gt 0 ] && [ "$fetched" -le $((held * 11 / 10)) ] ||
  fail "thin disk: fetched_bytes $fetched (the file holds $held of 160 MiB)"

# The reference rule on the host: an extent in another VM's folder
# ("../other/...") is refused (3) unless --allow-external-refs, then it
# converts identical; a ".." that stays in the folder is followed.
mkdir -p "$TMP/ds/other"
cp --sparse=always "$G/thin-flat.vmdk" "$TMP/ds/other/thin-flat.vmdk"
sed 's|^RW \([0-9]*\) VMFS .*|RW \1 VMFS "../other/thin-flat.vmdk"|' \
  "$G/thin.vmdk" > "$G/ext.vmdk"
sed 's|^RW \([0-9]*\) VMFS .*|RW \1 VMFS "../guest/thin-flat.vmdk"|' \
  "$G/thin.vmdk" > "$G/dotdot.vmdk"
sed 's/guest-000001.vmdk/ext.vmdk/' "$G/guest.vmx" > "$G/ext.vmx"
sed 's/guest-000001.vmdk/dotdot.vmdk/' "$G/guest.vmx" > "$G/dotdot.vmx"
mkdir ext dotdot
expect_exit 3 "$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/ext.vmx" --no-fixup -os ext
expect_error_match "reference '../other/thin-flat.vmdk' leads outside '$G'"
[ -z "$(ls -A ext)" ] || fail "left in -os: $(ls ext)"
"$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/ext.vmx" --no-fixup -os ext \
  --allow-external-refs 2>ext.err || fail "--allow-external-refs: $(cat ext.err)"
"$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/dotdot.vmx" --no-fixup -os dotdot \
  2>dotdot.err || fail "'..' inside the folder: $(cat dotdot.err)"
for d in ext dotdot; do
  "$QEMU_IMG" compare -q -f raw -F qcow2 "$G/thin-flat.vmdk" $d/sshguest-sda.qcow2 ||
    fail "$d: the output differs from the -flat.vmdk"
done

# Errors: one line, the exit code, nothing written.
mkdir bad
nothing_left () { [ -z "$(ls -A bad)" ] || fail "left in -os: $(ls bad)"; }
fp=$(ssh-keygen -lf "$SSH_DIR/host_key.pub" -E sha256 | awk '{print $2}')
mv "$HOME/.ssh/known_hosts" "$HOME/.ssh/known_hosts.good"
expect_exit 8 "$V2KVM" convert -i vmx -it ssh "$URL" --no-fixup -os bad
expect_error_match "unknown host key"
printf '%s\n' "$ERR" | grep -qF "$fp" || fail "no fingerprint $fp in: $ERR"
# A changed key: known_hosts holds another key for [127.0.0.1]:PORT.
ssh-keygen -q -t ed25519 -N '' -f other_key
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 other_key.pub)" > "$HOME/.ssh/known_hosts"
expect_exit 8 "$V2KVM" source show -i vmx -it ssh "$URL"
expect_error_match "host key CHANGED"
printf '%s\n' "$ERR" | grep -qF "$fp" || fail "no fingerprint $fp in: $ERR"
mv "$HOME/.ssh/known_hosts.good" "$HOME/.ssh/known_hosts"
# A key the server does not know (an agent holding only other_key).
SSH_AUTH_SOCK=$TMP/none.sock expect_exit 8 "$V2KVM" convert -i vmx -it ssh \
  "$URL" --no-fixup -os bad
expect_error_match "authentication refused"
(
  eval "$(ssh-agent -s -a "$TMP/other.sock")" >/dev/null
  trap 'kill $SSH_AGENT_PID' EXIT
  ssh-add -q other_key 2>/dev/null
  expect_exit 8 "$V2KVM" convert -i vmx -it ssh "$URL" --no-fixup -os bad
  expect_error_match "authentication refused"
) || exit 1
# Archives are not read over SSH (v2kvm.pod "REMOTE SOURCES OVER SSH").
for cmd in "convert -os bad" "source show"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$V2KVM" $cmd -i ova -it ssh "$SSH_URL$G/guest.ova"
  expect_error_match "copy an OVA, OVF or XVA from the host first"
done
expect_exit 3 "$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/nope.vmx" --no-fixup -os bad
expect_error_match "nope.vmx: no such file"
sed 's/guest-000001.vmdk/missing.vmdk/' "$G/guest.vmx" > "$G/missing.vmx"
expect_exit 3 "$V2KVM" convert -i vmx -it ssh "$SSH_URL$G/missing.vmx" --no-fixup -os bad
expect_error_match "missing.vmdk: no such file"
nothing_left

# The connection killed during the copy.  v2kvm is stopped (SIGSTOP) at
# its first progress event past 0 (more than the cache holds is still
# to be fetched), the sshd processes serving it are killed, and it goes
# on.
killed_run () { # killed_run DIR STOP_LISTENER: sets $rc
  local pid i
  mkdir -p "$1"
  "$V2KVM" convert -i vmx -it ssh "$URL" --no-fixup -os "$1" \
    --machine-readable >"$1.json" 2>"$1.err" &
  pid=$!
  for i in $(seq 1 1200); do        # 60 s: the suite may be loaded
    grep -q '"type":"progress","disk":0,"done":[1-9]' "$1.json" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  kill -STOP $pid 2>/dev/null || fail "v2kvm ended before the copy: $(cat "$1.err")"
  ! grep -q '"type":"result"' "$1.json" ||
    { kill -CONT $pid; fail "the copy ended before it could be interrupted"; }
  [ -n "$(_ssh_sessions)" ] || { kill -CONT $pid; fail "no SSH session to kill"; }
  if [ "$2" = yes ]; then ssh_kill_sessions stop; else ssh_kill_sessions; fi
  kill -CONT $pid
  rc=0; wait $pid || rc=$?
}
# Server still there: the remote source reconnects and resumes.
killed_run resumed no
[ $rc = 0 ] || fail "no resume after the sessions were killed: $(cat resumed.err)"
"$QEMU_IMG" compare -q local/sshguest-sda.qcow2 resumed/sshguest-sda.qcow2 ||
  fail "the resumed copy differs"
# Server gone: exit 3 after the retries, one line, nothing left.
killed_run bad yes
[ $rc = 3 ] || fail "killed connection: exit $rc, expected 3: $(cat bad.err)"
[ "$(grep -v '^v2kvm: warning:' bad.err | grep -c .)" = 1 ] ||
  fail "not one error line: $(cat bad.err)"
grep -q "giving up after .* retries" bad.err || fail "$(cat bad.err)"
nothing_left
exit 0
