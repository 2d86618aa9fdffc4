# SPDX-License-Identifier: BSD-3-Clause
# tests/vsphere-functions.sh: VMware's vSphere API simulator for the
# -ic esx:// tests.  Source after functions.sh.
#
#   vsphere_sim_build
#       build tests/vsphere-sim/main.go (govmomi's simulator package,
#       Debian golang-github-vmware-govmomi-dev, offline from
#       /usr/share/gocode) once per source hash into
#       /var/tmp/v2kvm-vsphere-sim/, under a lock; sets $VSPHERE_SIM.
#       Skips (77) when Go or govmomi is not installed.
#   vsphere_make_cert
#       a self-signed certificate for 127.0.0.1 ($TMP/cert.pem, key.pem)
#   vsphere_sim_start [-model vpx] [-guest NAME=DIR]...
#       start it on 127.0.0.1 with TLS ($TMP/cert.pem), user root and a
#       random password (in $SIM_CREDS; $PWFILE holds it for -ip), wait
#       (bounded) until it serves; sets $SIM_PORT, $SIM_INFO (its
#       inventory, see main.go), $SIM_DS_DIR; stopped by PID at exit.
#   vsphere_sim_sessions
#       the number of sessions logged in to the simulator (SIGUSR1 makes
#       it write $SIM_INFO.sessions); fails if it does not answer
#   vsphere_proxy_start [--reset-after N] [--dead-after N] [--rate B/S]
#       tests/vsphere-proxy.py in front of the simulator; sets
#       $PROXY_PORT, $PROXY_PID, $PROXY_COUNT (read it after
#       vsphere_proxy_stop: "BYTES RESETS CONNECTIONS")
#   vsphere_esx_dir DIR NAME FLAT [SIZE]
#       lay out a guest as ESXi does: NAME.vmx (guests/vmware.vmx.in),
#       NAME.vmdk a createType="vmfs" descriptor, NAME-flat.vmdk a symlink
#       to FLAT (a raw image), NAME.nvram, vmware.log
SIM_CACHE=${V2KVM_SIM_CACHE:-/var/tmp/v2kvm-vsphere-sim}

vsphere_sim_build () {
  local src=$srcdir/vsphere-sim/main.go key dir
  requires go openssl python3
  [ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] ||
    skip "golang-github-vmware-govmomi-dev is not installed"
  key=$({ sha256sum <"$src"; go version; \
          dpkg-query -W -f='${Version}' golang-github-vmware-govmomi-dev \
            2>/dev/null; } | sha256sum | cut -c1-16)
  dir=$SIM_CACHE/$key
  VSPHERE_SIM=$dir/vsphere-sim
  [ -x "$VSPHERE_SIM" ] && return 0
  mkdir -p "$SIM_CACHE"
  exec 7>"$SIM_CACHE/.lock"
  flock 7
  if [ ! -x "$VSPHERE_SIM" ]; then
    mkdir -p "$dir.work"
    cp "$src" "$dir.work/main.go"
    (cd "$dir.work" &&
       GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off \
       GOCACHE=$SIM_CACHE/gocache go build -o vsphere-sim main.go) \
      >"$SIM_CACHE/build.log" 2>&1 ||
      { flock -u 7; fail "building the simulator failed: $(tail -5 "$SIM_CACHE/build.log")"; }
    rm -rf "$dir"
    mv "$dir.work" "$dir"
  fi
  flock -u 7
}

vsphere_make_cert () {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>"$TMP/openssl.log" ||
    fail "openssl req failed: $(cat "$TMP/openssl.log")"
}

vsphere_sim_start () {
  local i log=$TMP/sim.log
  [ -f "$TMP/cert.pem" ] || vsphere_make_cert
  SIM_CREDS=$TMP/creds PWFILE=$TMP/password
  SIM_PASSWORD=pw-$RANDOM$RANDOM-x
  printf 'root\n%s\n' "$SIM_PASSWORD" >"$SIM_CREDS"
  printf '%s\n' "$SIM_PASSWORD" >"$PWFILE"
  SIM_INFO=$TMP/sim.info
  rm -f "$SIM_INFO"
  "$VSPHERE_SIM" -creds "$SIM_CREDS" -info "$SIM_INFO" \
    -cert "$TMP/cert.pem" -key "$TMP/key.pem" "$@" >"$log" 2>&1 &
  SIM_PID=$!
  cleanup_fn "kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null"
  for ((i = 0; i < 600; i++)); do
    [ -f "$SIM_INFO" ] && break
    kill -0 $SIM_PID 2>/dev/null || fail "the simulator exited: $(tail -5 "$log")"
    sleep 0.1
  done
  [ -f "$SIM_INFO" ] || fail "the simulator did not start in 60 s: $(tail -5 "$log")"
  SIM_PORT=$(awk '$1 == "port" {print $2}' "$SIM_INFO")
  SIM_DS_DIR=$(awk '$1 == "datastore-dir" {print $2}' "$SIM_INFO")
  cleanup_fn "rm -rf '$SIM_DS_DIR'"
}

vsphere_sim_sessions () {
  local i
  rm -f "$SIM_INFO.sessions"
  kill -USR1 "$SIM_PID" || fail "the simulator is gone"
  for ((i = 0; i < 300; i++)); do
    [ -f "$SIM_INFO.sessions" ] && break
    sleep 0.1
  done
  [ -f "$SIM_INFO.sessions" ] || fail "the simulator did not count its sessions"
  cat "$SIM_INFO.sessions"
}

vsphere_proxy_start () {
  local i pf=$TMP/proxy.port
  PROXY_COUNT=$TMP/proxy.count
  rm -f "$pf" "$PROXY_COUNT"
  python3 "$srcdir/vsphere-proxy.py" "$pf" "$SIM_PORT" "$PROXY_COUNT" "$@" \
    >"$TMP/proxy.log" 2>&1 &
  PROXY_PID=$!
  cleanup_fn "kill $PROXY_PID 2>/dev/null"
  for ((i = 0; i < 100; i++)); do
    [ -f "$pf" ] && break
    sleep 0.1
  done
  [ -f "$pf" ] || fail "the proxy did not start: $(cat "$TMP/proxy.log")"
  PROXY_PORT=$(cat "$pf")
}

vsphere_proxy_stop () {
  local i
  kill "$PROXY_PID" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    [ -f "$PROXY_COUNT" ] && break
    sleep 0.1
  done
  wait "$PROXY_PID" 2>/dev/null
  [ -f "$PROXY_COUNT" ] || fail "the proxy wrote no count"
}

vsphere_esx_dir () {
  local dir=$1 name=$2 flat=$3 size sectors
  size=$(stat -L -c %s "$flat")
  sectors=$((size / 512))
  mkdir -p "$dir"
  sed "s|@DISK@|$name.vmdk|g" "$srcdir/guests/vmware.vmx.in" >"$dir/$name.vmx"
  cat >"$dir/$name.vmdk" <<EOD
# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fffffffe
parentCID=ffffffff
createType="vmfs"

# Extent description
RW $sectors VMFS "$name-flat.vmdk"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.thinProvisioned = "1"
ddb.virtualHWVersion = "14"
EOD
  ln -sf "$(readlink -f "$flat")" "$dir/$name-flat.vmdk"
  : >"$dir/$name.nvram"
  : >"$dir/vmware.log"
}
