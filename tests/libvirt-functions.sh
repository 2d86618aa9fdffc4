# SPDX-License-Identifier: BSD-3-Clause
# tests/libvirt-functions.sh: a real libvirt daemon, storage pools and
# domains for the tests of -o libvirt (and `v2kvm convert -o libvirt`).
# Source after functions.sh:
#   . "$srcdir/functions.sh"
#   . "$srcdir/libvirt-functions.sh"
#
#   libvirt_start             make sure a system libvirt daemon answers on
#                             $LV_URI (qemu:///system): if none does, start
#                             the monolithic `libvirtd -d` (and `virtlogd -d`,
#                             which qemu domains need) without systemd.
#                             Skips (77) when not root or the daemons are
#                             not installed.  Call it first; it registers
#                             the cleanup: the last test using a daemon
#                             that the tests started stops it (pid files
#                             in $LV_STATE); a daemon that was already
#                             running is never stopped.
#   lv_virsh ARGS...          virsh -q -c $LV_URI ARGS...
#   libvirt_unique PREFIX     print PREFIX-<unique to this test run>
#   libvirt_pool              a new directory storage pool in $TMP
#                             (pool-define-as dir, pool-build, pool-start);
#                             sets $LV_POOL (its name) and $LV_POOL_DIR;
#                             undefined at exit
#   libvirt_track_domain NAME destroy and undefine domain NAME at exit
#                             (call it before anything defines NAME)
#   libvirt_guest_xml NAME DISK FORMAT FLAVOR LOGFILE
#                             print a minimal domain XML that boots a test
#                             guest disk (tests/guests) here: type qemu
#                             (TCG), virtio disk + virtio NIC with the
#                             flavor's MAC, serial console to LOGFILE
#   libvirt_adapt_for_tcg DOMAIN LOGFILE [FLAVOR]
#                             redefine a domain (e.g. the one a conversion
#                             defined) so that it can run on this machine
#                             and its console can be read: type qemu
#                             (nested KVM is broken), no host-model CPU,
#                             NICs on user networking (MAC and model kept;
#                             with FLAVOR, a NIC without MAC gets the
#                             flavor's), serial/console to LOGFILE,
#                             no graphics, qemu running as root without
#                             relabelling (the disks stay as they are:
#                             backing files are never chowned).  Disks,
#                             buses, firmware and machine are left alone.
#   libvirt_boot_to_marker DOMAIN LOGFILE FLAVOR TIMEOUT
#                             libvirt_adapt_for_tcg, then `virsh start`
#                             and wait up to TIMEOUT s for the guest's
#                             "V2KVM-MARKER FLAVOR IFACE=ADDR UP" line in
#                             LOGFILE (tests/guests/boot.sh's oracle);
#                             destroys the domain afterwards.  Holds a
#                             guest boot slot (guests/boot-slots.sh)
#                             while it runs.  Returns 0 if
#                             the marker was seen, 1 if not (the last
#                             console lines on stderr).
#
# Slow tests (a guest boot) call require_slow_libvirt: they skip unless
# SLOW=1.  V2KVM_LIBVIRT_URI overrides the URI (default qemu:///system).

LV_URI=${V2KVM_LIBVIRT_URI:-qemu:///system}
LV_STATE=${V2KVM_LIBVIRT_STATE:-/run/v2kvm-test-libvirt}
LV_GUEST_CACHE=${V2KVM_GUEST_CACHE:-/var/tmp/v2kvm-guests}
LV_STARTED=
LV_USERS_FD=
LV_LOCK_FD=

lv_virsh () { virsh -q -c "$LV_URI" "$@"; }

require_slow_libvirt () {
  [ "${SLOW:-}" = 1 ] || skip "slow test (boots a guest under TCG): run with SLOW=1"
}

# The flavor's MAC (tests/guests/README).
libvirt_flavor_mac () {
  case $1 in
    vmware) echo 00:50:56:aa:bb:01 ;;
    xen) echo 00:16:3e:aa:bb:02 ;;
    *) echo 52:54:00:aa:bb:00 ;;
  esac
}

_lv_answers () {
  timeout 20 virsh -q -c "$LV_URI" version >/dev/null 2>&1
}

# _lv_running PID: the process exists and is not a zombie (a killed
# daemon whose parent is gone can stay a zombie where PID 1 does not
# reap).
_lv_running () {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# _lv_alive PIDFILE NAME: the pid in PIDFILE runs program NAME.
_lv_alive () {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  case $pid in ''|*[!0-9]*) return 1 ;; esac
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && _lv_running "$pid"
}

# _lv_daemon NAME: start `NAME -d` unless it runs; remember that we did.
_lv_daemon () {
  local name=$1 i
  _lv_alive "/run/$name.pid" "$name" && return 0
  # No inherited descriptors (our locks, make's jobserver, the log), no
  # working directory in $TMP.
  (
    cd / || exit 1
    for fd in $(ls "/proc/$BASHPID/fd"); do
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec "$name" -d </dev/null >/dev/null 2>&1
  ) || fail "'$name -d' failed"
  for i in $(seq 50); do
    _lv_alive "/run/$name.pid" "$name" && break
    sleep 0.2
  done
  _lv_alive "/run/$name.pid" "$name" || fail "'$name -d' did not start"
  cp "/run/$name.pid" "$LV_STATE/$name.pid"
  echo "libvirt-functions: started $name (pid $(cat "/run/$name.pid"))"
}

# _lv_stop NAME: stop the daemon if the tests started it.
_lv_stop () {
  local name=$1 pid i
  [ -f "$LV_STATE/$name.pid" ] || return 0
  if _lv_alive "$LV_STATE/$name.pid" "$name"; then
    pid=$(cat "$LV_STATE/$name.pid")
    kill -TERM "$pid" 2>/dev/null
    kill -CONT "$pid" 2>/dev/null
    for i in $(seq 100); do
      _lv_running "$pid" || break
      sleep 0.2
    done
    if _lv_running "$pid"; then
      kill -KILL "$pid" 2>/dev/null
      for i in $(seq 50); do
        _lv_running "$pid" || break
        sleep 0.2
      done
    fi
  fi
  rm -f "$LV_STATE/$name.pid"
}

libvirt_start () {
  local i
  [ -n "$LV_STARTED" ] && return 0
  [ "$(id -u)" = 0 ] || skip "needs root to run the system libvirt daemon"
  requires virsh python3
  mkdir -p "$LV_STATE" || skip "cannot create '$LV_STATE'"
  # $LV_STATE/lock serialises starting and stopping; every test using
  # the daemon holds a shared lock on $LV_STATE/users while it runs.
  exec {LV_LOCK_FD}>"$LV_STATE/lock"
  flock "$LV_LOCK_FD"
  exec {LV_USERS_FD}>"$LV_STATE/users"
  flock -s "$LV_USERS_FD"
  LV_STARTED=1
  cleanup_fn _lv_release
  if ! _lv_answers; then
    if [ "$LV_URI" != qemu:///system ]; then
      flock -u "$LV_LOCK_FD"
      skip "no libvirt daemon answers on '$LV_URI'"
    fi
    if ! command -v libvirtd >/dev/null || ! command -v virtlogd >/dev/null; then
      flock -u "$LV_LOCK_FD"
      skip "libvirtd/virtlogd not installed (libvirt-daemon-system)"
    fi
    # A daemon an earlier test run started that hangs: restart it.
    _lv_alive "$LV_STATE/libvirtd.pid" libvirtd && _lv_stop libvirtd
    _lv_daemon virtlogd
    _lv_daemon libvirtd
    for i in $(seq 60); do
      _lv_answers && break
      sleep 0.5
    done
    _lv_answers || { flock -u "$LV_LOCK_FD"; fail "libvirtd does not answer on '$LV_URI'"; }
  elif [ "$LV_URI" = qemu:///system ] && [ ! -d /run/systemd/system ] &&
       command -v virtlogd >/dev/null; then
    # Without systemd nothing socket-activates virtlogd, which qemu
    # domains need: a libvirtd that outlived its virtlogd.
    _lv_daemon virtlogd
  fi
  flock -u "$LV_LOCK_FD"
}

_lv_release () {
  [ -n "$LV_STARTED" ] || return 0
  LV_STARTED=
  flock "$LV_LOCK_FD"
  exec {LV_USERS_FD}>&-
  exec {LV_USERS_FD}>"$LV_STATE/users"
  if flock -xn "$LV_USERS_FD"; then
    _lv_stop libvirtd
    _lv_stop virtlogd
  fi
  exec {LV_USERS_FD}>&-
  exec {LV_LOCK_FD}>&-
}

libvirt_unique () {
  echo "$1-$(basename "$TMP" | tr -c 'A-Za-z0-9\n' -)"
}

libvirt_pool () {
  LV_POOL=$(libvirt_unique v2kvm-pool)
  LV_POOL_DIR=$TMP/pool
  mkdir -p "$LV_POOL_DIR"
  cleanup_fn "lv_virsh pool-destroy '$LV_POOL' >/dev/null 2>&1; lv_virsh pool-undefine '$LV_POOL' >/dev/null 2>&1"
  lv_virsh pool-define-as "$LV_POOL" dir --target "$LV_POOL_DIR" >/dev/null &&
    lv_virsh pool-build "$LV_POOL" >/dev/null &&
    lv_virsh pool-start "$LV_POOL" >/dev/null ||
    fail "cannot create the storage pool '$LV_POOL' in '$LV_POOL_DIR'"
}

libvirt_track_domain () {
  cleanup_fn "_lv_drop_domain '$1'"
}

_lv_drop_domain () {
  lv_virsh destroy "$1" >/dev/null 2>&1
  lv_virsh undefine --nvram "$1" >/dev/null 2>&1 ||
    lv_virsh undefine "$1" >/dev/null 2>&1
  :
}

libvirt_guest_xml () {
  local name=$1 disk=$2 format=$3 flavor=$4 log=$5
  cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/><apic/></features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='$format' cache='unsafe'/>
      <source file='$disk'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <interface type='user'>
      <mac address='$(libvirt_flavor_mac "$flavor")'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$log'/>
      <target port='0'/>
    </serial>
  </devices>
  <seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>
</domain>
EOF
}

libvirt_adapt_for_tcg () {
  local dom=$1 log=$2 flavor=${3:-}
  lv_virsh dumpxml --inactive "$dom" >"$TMP/$dom.orig.xml" ||
    fail "cannot read the XML of domain '$dom'"
  python3 - "$TMP/$dom.orig.xml" "$log" "$(libvirt_flavor_mac "$flavor")" \
          "$flavor" >"$TMP/$dom.tcg.xml" <<'EOF' || fail "cannot adapt domain '$dom'"
import sys, xml.etree.ElementTree as ET
src, log, mac, flavor = sys.argv[1:5]
tree = ET.parse(src)
d = tree.getroot()
d.set('type', 'qemu')
for cpu in d.findall('cpu'):
    d.remove(cpu)
dev = d.find('devices')
for tag in ('serial', 'console', 'graphics', 'video', 'channel'):
    for e in dev.findall(tag):
        dev.remove(e)
for nic in dev.findall('interface'):
    nic.set('type', 'user')
    for tag in ('source', 'target', 'alias', 'address'):
        for e in nic.findall(tag):
            nic.remove(e)
    if flavor and nic.find('mac') is None:
        ET.SubElement(nic, 'mac', address=mac)
for disk in dev.findall('disk'):
    drv = disk.find('driver')
    if drv is not None and disk.get('device') == 'disk':
        drv.set('cache', 'unsafe')
ser = ET.SubElement(dev, 'serial', type='file')
ET.SubElement(ser, 'source', path=log)
ET.SubElement(ser, 'target', port='0')
for s in d.findall('seclabel'):
    d.remove(s)
sl = ET.SubElement(d, 'seclabel', type='static', model='dac', relabel='no')
ET.SubElement(sl, 'label').text = '+0:+0'
sys.stdout.write(ET.tostring(d, encoding='unicode'))
EOF
  lv_virsh define "$TMP/$dom.tcg.xml" >/dev/null ||
    fail "cannot redefine domain '$dom' for TCG"
}

libvirt_boot_to_marker () {
  local dom=$1 log=$2 flavor=$3 timeout=$4 lockfd start state result=timeout
  local ok_re="V2KVM-MARKER $flavor [^ ]*=[^ ]* UP"
  local bad_re='V2KVM-MARKER-FAIL|Gave up waiting for root|ALERT!|Kernel panic'
  libvirt_adapt_for_tcg "$dom" "$log" "$flavor"
  . "$srcdir/guests/boot-slots.sh"
  boot_slot_take lockfd
  : >"$log"
  if ! lv_virsh start "$dom" >"$TMP/start.out" 2>&1; then
    exec {lockfd}>&-
    echo "libvirt_boot_to_marker: virsh start $dom failed: $(cat "$TMP/start.out")" >&2
    return 1
  fi
  start=$(date +%s)
  while :; do
    if grep -aEq "$ok_re" "$log"; then result=ok; break; fi
    if grep -aEq "$bad_re" "$log"; then result=failed; sleep 2; break; fi
    state=$(lv_virsh domstate "$dom" 2>/dev/null)
    if [ "$state" != running ]; then result="domain $state"; break; fi
    if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then break; fi
    sleep 2
  done
  local elapsed=$(( $(date +%s) - start ))
  lv_virsh destroy "$dom" >/dev/null 2>&1
  exec {lockfd}>&-
  if [ "$result" = ok ]; then
    echo "libvirt_boot_to_marker: $(grep -aEo "$ok_re" "$log" | head -1) after ${elapsed} s (domain $dom)"
    return 0
  fi
  {
    echo "libvirt_boot_to_marker: no marker for '$flavor' from domain '$dom' ($result after ${elapsed} s)"
    tail -5 "/var/log/libvirt/qemu/$dom.log" 2>/dev/null
    echo "--- last 30 console lines ---"
    tr -d '\r' <"$log" | tail -30
  } >&2
  return 1
}
