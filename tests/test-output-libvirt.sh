#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# -o libvirt through outtool against a real libvirt daemon
# (tests/libvirt-functions.sh) and a directory pool in $TMP, on both
# routes: writing the volume files in the pool directory (qemu:///system)
# and creating volumes + uploading sparse streams (qemu+unix:///system,
# which the output treats as remote).  Oracles: virsh vol-info (capacity
# = the input's virtual size from qemu-img), vol-dumpxml (format),
# dominfo/domblklist (domain defined, naming the volumes), qemu-img
# compare (contents).  An existing domain or volume is refused (exit 5)
# without --replace; --replace works; a failure after prepare removes
# the volumes this run created and keeps the ones --replace would have
# replaced.
. "$srcdir/functions.sh"
. "$srcdir/output-functions.sh"
. "$srcdir/libvirt-functions.sh"
libvirt_start
libvirt_pool
P=$LV_POOL

make_disk "$TMP/in1.qcow2" qcow2 20M 1
make_disk "$TMP/in2.raw" raw 7M 2
make_disk "$TMP/new1.qcow2" qcow2 24M 11
make_disk "$TMP/new2.raw" raw 9M 12
cd "$TMP" || fail "cd"

# cfg NAME: an xl config with two disks (their paths do not matter: the
# domain XML names the output volumes).
cfg () {
  cat >"$1.cfg" <<X
name = "$1"
type = "hvm"
memory = 256
vcpus = 1
disk = [ 'format=raw, vdev=xvda, access=rw, target=/nonexistent/a.img',
         'format=raw, vdev=xvdb, access=rw, target=/nonexistent/b.img' ]
vif = [ 'mac=00:16:3e:aa:bb:09,bridge=xenbr0' ]
X
}

# check_volume VOL INPUT FORMAT: capacity, format and contents.
check_volume () {
  local vol=$1 in=$2 fmt=$3 path cap
  lv_virsh pool-refresh "$P" >/dev/null
  cap=$(lv_virsh vol-info --bytes --pool "$P" "$vol" | awk '/^Capacity:/ {print $2}')
  [ "$cap" = "$(vsize "$in")" ] || fail "volume $vol: capacity '$cap', want $(vsize "$in")"
  lv_virsh vol-dumpxml --pool "$P" "$vol" | grep -q "<format type='$fmt'/>" ||
    fail "volume $vol is not $fmt: $(lv_virsh vol-dumpxml --pool "$P" "$vol")"
  path=$(lv_virsh vol-path --pool "$P" "$vol")
  same_disk "$in" "$path"
  echo "volume $vol: capacity $cap, $fmt, same contents as $in"
}

# check_domain DOM VOL...: defined, shut off, its disks are the volumes.
check_domain () {
  local dom=$1 v; shift
  lv_virsh dominfo "$dom" >dominfo || fail "domain $dom not defined"
  grep -Eq '^State: +shut off' dominfo || fail "domain $dom: $(cat dominfo)"
  grep -Eq '^Persistent: +yes' dominfo || fail "domain $dom is not persistent"
  lv_virsh domblklist "$dom" >blklist
  for v in "$@"; do
    grep -q " $(lv_virsh vol-path --pool "$P" "$v")\$" blklist ||
      fail "domain $dom does not use volume $v: $(cat blklist)"
  done
}

vols () { lv_virsh pool-refresh "$P" >/dev/null; lv_virsh vol-list "$P" | awk '{print $1}' | sort | tr '\n' ' '; }

for route in direct upload; do
  case $route in
    direct) uri=qemu:///system ;;
    upload) uri=qemu+unix:///system ;;
  esac
  echo "=== $route route ($uri)"
  d=$(libvirt_unique "v2kvm-$route")
  libvirt_track_domain "$d"
  cfg "$d"
  run () { "$OUTTOOL" -c "$uri" -s "$P" --source "xl:$d.cfg" "$@"; }

  run --print-targets libvirt "$d" in1.qcow2 in2.raw >targets || fail "outtool libvirt ($route) failed"
  cat targets
  check_volume "$d-sda" in1.qcow2 qcow2
  check_volume "$d-sdb" in2.raw qcow2
  check_domain "$d" "$d-sda" "$d-sdb"
  [ -z "$(ls -A "$LV_POOL_DIR" | grep tmp)" ] ||
    fail "temporary files left in the pool directory: $(ls -A "$LV_POOL_DIR")"
  [ -z "$(ls -d /var/tmp/v2kvm-upload.* 2>/dev/null)" ] || echo "note: upload scratch dirs exist: $(ls -d /var/tmp/v2kvm-upload.*)"

  # Existing domain: refused without --replace.
  expect_exit 5 run libvirt "$d" in1.qcow2 in2.raw
  expect_error_match "domain called '$d' already exists"
  # Existing volumes, domain gone: still refused.
  lv_virsh undefine "$d" >/dev/null
  expect_exit 5 run libvirt "$d" in1.qcow2 in2.raw
  expect_error_match "volume '$d-sda' already exists"
  run libvirt --replace "$d" in1.qcow2 in2.raw || fail "--replace without a domain failed"
  check_domain "$d" "$d-sda" "$d-sdb"

  # A failure with --replace before any disk is written keeps the old
  # volumes and the domain.
  expect_exit 1 run --replace --fail-after 0 libvirt "$d" new1.qcow2 new2.raw
  check_volume "$d-sda" in1.qcow2 qcow2
  check_volume "$d-sdb" in2.raw qcow2
  check_domain "$d" "$d-sda" "$d-sdb"

  # --replace: new disks (other sizes), the domain redefined.
  run --replace libvirt "$d" new1.qcow2 new2.raw || fail "--replace failed ($route)"
  check_volume "$d-sda" new1.qcow2 qcow2
  check_volume "$d-sdb" new2.raw qcow2
  check_domain "$d" "$d-sda" "$d-sdb"

  # A new guest that fails after its first disk: nothing left behind.
  f=$(libvirt_unique "v2kvm-$route-fail")
  libvirt_track_domain "$f"
  cfg "$f"
  before=$(vols)
  expect_exit 1 "$OUTTOOL" -c "$uri" -s "$P" --source "xl:$f.cfg" --fail-after 1 libvirt "$f" in1.qcow2 in2.raw
  [ "$(vols)" = "$before" ] || fail "abort left volumes: $(vols), before: $before"
  lv_virsh dominfo "$f" >/dev/null 2>&1 && fail "a failed run defined domain $f"

  # -of raw.
  r=$(libvirt_unique "v2kvm-$route-raw")
  libvirt_track_domain "$r"
  cfg "$r"
  "$OUTTOOL" -c "$uri" -s "$P" -O raw --source "xl:$r.cfg" libvirt "$r" in1.qcow2 new2.raw ||
    fail "outtool -O raw ($route) failed"
  check_volume "$r-sda" in1.qcow2 raw
  check_volume "$r-sdb" new2.raw raw
  check_domain "$r" "$r-sda" "$r-sdb"
  lv_virsh dumpxml "$r" | grep -q "type='raw'" || fail "domain $r does not say raw"

  # --replace of a running domain: refused in prepare, before its disks
  # are touched (the domain is started paused: no guest code runs).
  libvirt_adapt_for_tcg "$r" "$TMP/$r.log"
  if lv_virsh start --paused "$r" >start.out 2>&1; then
    expect_exit 5 "$OUTTOOL" -c "$uri" -s "$P" --replace --source "xl:$r.cfg" libvirt "$r" in2.raw in1.qcow2
    expect_error_match "domain '$r' is running"
    echo "running: $ERR"
    check_volume "$r-sda" in1.qcow2 raw
    lv_virsh destroy "$r" >/dev/null
  else
    # Starting qemu depends on the host (cgroups in containers...).
    echo "skipping the running-domain check: cannot start a domain here: $(cat start.out)"
  fi

  # --replace whose new definition libvirt rejects: exit 8 and the old
  # definition is put back.
  printf "<domain type='no-such-type'><name>%s</name></domain>\n" "$r" >bad.xml
  uuid=$(lv_virsh domuuid "$r")
  expect_exit 8 "$OUTTOOL" -c "$uri" -s "$P" --replace --xml bad.xml libvirt "$r" in1.qcow2 new2.raw
  expect_error_match "cannot define the domain"
  echo "bad XML: $ERR"
  [ "$(lv_virsh domuuid "$r")" = "$uuid" ] || fail "the old domain $r was not restored"
done

# Missing or inactive pool, unreachable daemon: exit 8 naming them.
expect_exit 8 "$OUTTOOL" -s no-such-pool-$$ libvirt x in1.qcow2
expect_error_match "storage pool 'no-such-pool-$$' not found"
lv_virsh pool-destroy "$P" >/dev/null
expect_exit 8 "$OUTTOOL" -s "$P" libvirt x in1.qcow2
expect_error_match "storage pool '$P' is not active"
lv_virsh pool-start "$P" >/dev/null
expect_exit 8 "$OUTTOOL" -c "qemu+unix:///system?socket=$TMP/nosock" -s "$P" libvirt x in1.qcow2
expect_error_match "cannot connect to libvirt at 'qemu\+unix:///system\?socket=$TMP/nosock'"

# A pool without room for the estimate (a 4 MiB tmpfs): exit 5 in
# prepare, nothing created.
mkdir "$TMP/small"
if mount -t tmpfs -o size=4M none "$TMP/small"; then
  cleanup_fn "umount '$TMP/small'"
  S=$(libvirt_unique v2kvm-small)
  cleanup_fn "lv_virsh pool-destroy '$S' >/dev/null 2>&1; lv_virsh pool-undefine '$S' >/dev/null 2>&1"
  lv_virsh pool-define-as "$S" dir --target "$TMP/small" >/dev/null &&
    lv_virsh pool-start "$S" >/dev/null || fail "cannot create pool $S"
  expect_exit 5 "$OUTTOOL" -s "$S" --estimate $((8 << 20)) libvirt x in1.qcow2
  expect_error_match "not enough space in storage pool '$S': the converted disks need about 8 MiB, 4 MiB are free"
  [ -z "$(ls -A "$TMP/small")" ] || fail "refused run wrote into the pool: $(ls -A "$TMP/small")"
else
  echo "skipping the full-pool check: cannot mount a tmpfs"
fi
echo "libvirt output: all checks passed"
