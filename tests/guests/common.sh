# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/common.sh: shared helpers for the test-guest builders
# (build-base.sh, make-flavor.sh) and the boot harness (boot.sh).
# Sourced, never run.
#
# What it provides:
#   GUESTS_DIR     this folder (absolute)
#   GUEST_CACHE    the image cache (/var/tmp/v2kvm-guests, or
#                  $V2KVM_GUEST_CACHE)
#   guests_log / guests_die         messages on stderr ("guests: ...")
#   guests_mirror                   the Debian mirror URL, read from APT's
#                                   own configuration (deb822 or one-line)
#   guests_hash FILE...             short content hash of files (cache key)
#   guests_base_key / guests_flavor_key FLAVOR
#   guests_chroot TREE CMD...       run CMD in TREE with /proc, /sys, /dev/pts
#                                   mounted in a private mount namespace
#   guests_make_disk TREE OUT ROOTUUID SWAPUUID
#                                   build the MBR disk image from a tree
#   guests_install_grub TREE DISK ROOTUUID
#                                   write GRUB's boot.img + core.img (i386-pc)
#
# Disk layout (fixed; the flavors rely on it):
#   1536 MiB, MBR ("dos") label, partition 1 = ext4 root, bootable,
#   1 MiB .. 1280 MiB; partition 2 = swap, 1280 MiB .. end.
#
# GRUB is installed the way grub-install(8) does it for i386-pc, but
# without needing a block device: grub-mkimage(1) (run inside the guest
# tree, so the guest's own GRUB is used) builds core.img with an embedded
# "search.fs_uuid" config; boot.img's first 440 bytes go to the MBR
# (keeping the partition table) and core.img to sector 1, in the
# post-MBR gap.  grub-mkimage writes core.img's own blocklist (start
# sector 2, length) for exactly this placement; boot.img's default
# kernel_sector is 1.  Primary source: GRUB manual, "BIOS installation",
# and grub-core/boot/i386/pc/{boot,diskboot}.S.
#
# Nothing here needs a loop device or a mount of the image: the root
# file system is made with "mkfs.ext4 -d TREE" (e2fsprogs >= 1.43).

GUESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST_CACHE=${V2KVM_GUEST_CACHE:-/var/tmp/v2kvm-guests}
GUESTS_SUITE=bookworm
GUESTS_SUITE=${V2KVM_GUEST_RELEASE:-bookworm}  # @release

GUESTS_DISK_MIB=1536
GUESTS_ROOT_START_MIB=1
GUESTS_ROOT_MIB=1279
GUESTS_SWAP_START_MIB=1280
GUESTS_SWAP_MIB=256

guests_log () { echo "guests: $*" >&2; }
guests_die () { echo "guests: error: $*" >&2; exit 1; }

# guests_mirror: print the URL of the Debian archive APT already uses for
# the main suite ($GUESTS_SUITE, not -security or -updates).  Reads
# deb822 .sources files first (the "URIs:" of the stanza whose Suites
# contain the bare suite name), then one-line "deb URL SUITE ..." entries.
# $V2KVM_DEBIAN_MIRROR overrides.
guests_mirror () {
  if [ "$GUESTS_SUITE" != bookworm ] && [ -z "${_guests_mirror_inner:-}" ]; then guests_release_mirror; return; fi  # @release
  if [ -n "${V2KVM_DEBIAN_MIRROR:-}" ]; then
    echo "$V2KVM_DEBIAN_MIRROR"; return 0
  fi
  local f url
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    url=$(awk -v suite="$GUESTS_SUITE" '
      function flush () {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uri != "")
          { print uri; found = 1; exit }
        types = ""; suites = ""; uri = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:"  { $1 = ""; types = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "uris:"   { uri = $2 }
      END { if (!found) flush() }' "$f")
    if [ -n "$url" ]; then echo "$url"; return 0; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    url=$(awk -v suite="$GUESTS_SUITE" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i+1) == suite) { print $i; exit }
      }' "$f")
    if [ -n "$url" ]; then echo "$url"; return 0; fi
  done
  return 1
}

# guests_hash FILE...: 16 hex digits of the sha256 of the files' contents
# and names (relative to GUESTS_DIR), in argument order.  Lines that are
# only a shell comment are left out (not the #! line), so editing a comment
# or a licence header does not rebuild every cached guest.
guests_hash () {
  local f
  for f in "$@"; do
    printf '%s\n' "${f#"$GUESTS_DIR"/}"
    guests_release_hashed "$f" && continue  # @release
    sed -e '1!{/^[[:space:]]*#/d}' "$f"
  done | sha256sum | cut -c1-16
}

# The base depends on the builder, this library and the files it installs.
guests_base_key () {
  [ "$GUESTS_SUITE" = bookworm ] || { guests_release_base_key; return; }  # @release
  guests_hash "$GUESTS_DIR/common.sh" "$GUESTS_DIR/build-base.sh" \
    "$GUESTS_DIR"/files/*
}

# A flavor depends on the base and on make-flavor.sh.
guests_flavor_key () {
  { guests_base_key; guests_hash "$GUESTS_DIR/make-flavor.sh"; echo "$1"; } \
    | sha256sum | cut -c1-16
}

# guests_lock: take the cache-wide build lock on fd 9 (blocks; released
# when the calling process exits).  Parallel tests build only once.
guests_lock () {
  mkdir -p "$GUEST_CACHE"
  exec 9>"$GUEST_CACHE/.build.lock"
  if ! flock -n 9; then
    guests_log "waiting for another build (lock $GUEST_CACHE/.build.lock)"
    flock 9
  fi
}

# guests_begin NAME KEY NN: start building guest NAME: sets $work (a
# scratch folder in the cache, removed at exit), $tree (the root tree in
# it), $logf ($GUEST_CACHE/NAME-KEY.log, kept for post-mortems) and the
# file system UUIDs $ROOT_UUID / $SWAP_UUID, fixed per guest number NN so
# that a rebuilt image has the same identity.
guests_begin () {
  work=$GUEST_CACHE/work-$1-$2.$$
  tree=$work/tree
  logf=$GUEST_CACHE/$1-$2.log
  ROOT_UUID=7e57${3}00-0000-4000-8000-0000000${3}101
  SWAP_UUID=7e57${3}00-0000-4000-8000-0000000${3}102
  : >"$logf"
  # --one-file-system: never follow a mount left in the tree.
  trap 'rm -rf --one-file-system "$work"' EXIT
  trap 'exit 1' INT TERM
  rm -rf --one-file-system "$work" && mkdir -p "$tree"
}

# guests_chroot TREE CMD...: run CMD inside TREE.  Mounts live in a
# private mount namespace (unshare -m), so they vanish with the command,
# even when it fails.  Services are kept from starting by policy-rc.d
# (installed by the builders).
guests_chroot () {
  local tree=$1; shift
  unshare --mount --propagation private -- /bin/sh -ec '
    tree=$1; shift
    mount -t proc proc "$tree/proc"
    mount -t sysfs sysfs "$tree/sys"
    mount --bind /dev "$tree/dev"
    mount -t devpts devpts "$tree/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null || :
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
      chroot "$tree" "$@"
  ' sh "$tree" "$@"
}

# guests_fake_grub_probe TREE DEV DISK UUID on|off: grub-mkconfig(8) asks
# grub-probe about the device holding /; in a chroot there is none.  "on"
# puts a stand-in in place that answers as if / were the ext4 partition
# DEV (partition 1 of DISK, BIOS drive hd0) with file system UUID, so
# update-grub writes the grub.cfg the guest would have written itself;
# "off" restores the real grub-probe.
guests_fake_grub_probe () {
  local tree=$1 dev=$2 disk=$3 uuid=$4 mode=$5
  local real=$tree/usr/sbin/grub-probe
  if [ "$mode" = off ]; then
    mv -f "$real.v2kvm-real" "$real"
    rm -rf "$tree/dev/disk/by-uuid/$uuid"
    return 0
  fi
  mv "$real" "$real.v2kvm-real"
  cat >"$real" <<EOF
#!/bin/sh
# v2kvm build-time stand-in for grub-probe (removed after update-grub).
t=
while [ \$# -gt 0 ]; do
  case \$1 in
    --target=*) t=\${1#--target=} ;;
    -t|--target) shift; t=\$1 ;;
  esac
  shift
done
case \$t in
  device) echo $dev ;;
  disk) echo $disk ;;
  fs) echo ext2 ;;
  fs_uuid) echo $uuid ;;
  fs_label) echo root ;;
  partmap) echo msdos ;;
  abstraction|cryptodisk_uuid|msdos_parttype) ;;
  drive) echo '(hd0,msdos1)' ;;
  bios_hints|compatibility_hint) echo hd0,msdos1 ;;
  hints_string) echo '--hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1' ;;
  *) exit 1 ;;
esac
EOF
  chmod 755 "$real"
}

# guests_update_grub TREE DEV DISK UUID: run update-grub in TREE as if /
# were DEV.  /dev/disk/by-uuid/UUID must exist for 10_linux to consider
# root=UUID= (the base); the flavors set GRUB_DISABLE_LINUX_UUID=true.
guests_update_grub () {
  local tree=$1 dev=$2 disk=$3 uuid=$4
  guests_fake_grub_probe "$tree" "$dev" "$disk" "$uuid" on
  # The bind-mounted /dev is the host's; give 10_linux its by-uuid link
  # through a private tmpfs instead.
  unshare --mount --propagation private -- /bin/sh -ec '
    tree=$1; uuid=$2
    mount -t proc proc "$tree/proc"
    mount -t sysfs sysfs "$tree/sys"
    mount -t tmpfs tmpfs "$tree/dev"
    for n in null zero random urandom tty console; do
      touch "$tree/dev/$n"; mount --bind "/dev/$n" "$tree/dev/$n"
    done
    mkdir -p "$tree/dev/disk/by-uuid"
    touch "$tree/dev/disk/by-uuid/$uuid"
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      chroot "$tree" update-grub
  ' sh "$tree" "$uuid"
  local rc=$?
  guests_fake_grub_probe "$tree" "$dev" "$disk" "$uuid" off
  return $rc
}

# guests_install_grub TREE DISK ROOTUUID: make core.img with the guest's
# grub-mkimage and write it plus boot.img into DISK (see the header).
guests_install_grub () {
  local tree=$1 disk=$2 uuid=$3
  local lib=/usr/lib/grub/i386-pc
  mkdir -p "$tree/boot/grub/i386-pc"
  cp "$tree$lib"/*.mod "$tree$lib"/*.lst "$tree/boot/grub/i386-pc/"
  cp "$tree$lib/boot.img" "$tree$lib/core.img" "$tree/boot/grub/i386-pc/" 2>/dev/null || :
  cat >"$tree/tmp/v2kvm-load.cfg" <<EOF
search.fs_uuid $uuid root hd0,msdos1
set prefix=(\$root)'/boot/grub'
EOF
  guests_chroot "$tree" grub-mkimage -O i386-pc -o /tmp/v2kvm-core.img \
    -c /tmp/v2kvm-load.cfg -p /boot/grub \
    biosdisk part_msdos ext2 search_fs_uuid || return 1
  local size
  size=$(stat -c %s "$tree/tmp/v2kvm-core.img")
  # core.img must fit between the MBR and partition 1.
  [ "$size" -lt $(( (GUESTS_ROOT_START_MIB * 2048 - 1) * 512 )) ] \
    || guests_die "core.img is $size bytes, too big for the post-MBR gap"
  cp "$tree/tmp/v2kvm-core.img" "$tree/boot/grub/i386-pc/core.img"
  rm -f "$tree/tmp/v2kvm-core.img" "$tree/tmp/v2kvm-load.cfg"
  dd if="$tree/boot/grub/i386-pc/core.img" of="$disk" bs=512 seek=1 \
    conv=notrunc status=none || return 1
  dd if="$tree$lib/boot.img" of="$disk" bs=440 count=1 \
    conv=notrunc status=none || return 1
  guests_chroot "$tree" grub-editenv /boot/grub/grubenv create
}

# guests_make_disk TREE OUT ROOTUUID SWAPUUID: OUT = MBR disk with an ext4
# root made from TREE (partition 1) and a swap partition (2).  GRUB's
# modules and core.img are put into TREE first so they land on the disk.
guests_make_disk () {
  local tree=$1 out=$2 ruuid=$3 suuid=$4
  local tmp=$out.parts
  rm -rf "$tmp" && mkdir -p "$tmp" || return 1
  rm -f "$out"
  truncate -s "${GUESTS_DISK_MIB}M" "$out" || return 1
  sfdisk -q "$out" <<EOF || return 1
label: dos
label-id: 0x${ruuid:0:8}
start=${GUESTS_ROOT_START_MIB}MiB, size=${GUESTS_ROOT_MIB}MiB, type=83, bootable
start=${GUESTS_SWAP_START_MIB}MiB, size=${GUESTS_SWAP_MIB}MiB, type=82
EOF
  guests_install_grub "$tree" "$out" "$ruuid" || return 1
  # -d copies the tree (owners, modes, links, device nodes, xattrs).
  mkfs.ext4 -q -F -L root -U "$ruuid" -E root_owner=0:0 -d "$tree" \
    "$tmp/root.img" "${GUESTS_ROOT_MIB}M" >/dev/null || return 1
  truncate -s "${GUESTS_SWAP_MIB}M" "$tmp/swap.img"
  mkswap -q -L swap -U "$suuid" "$tmp/swap.img" >/dev/null || return 1
  dd if="$tmp/root.img" of="$out" bs=1M seek="$GUESTS_ROOT_START_MIB" \
    conv=notrunc,sparse status=none || return 1
  dd if="$tmp/swap.img" of="$out" bs=1M seek="$GUESTS_SWAP_START_MIB" \
    conv=notrunc,sparse status=none || return 1
  rm -rf "$tmp"
}

# guests_timer_start / guests_timer_end WHAT: elapsed seconds on stderr.
guests_timer_start () { _guests_t0=$(date +%s); }
guests_timer_end () {
  guests_log "$1 took $(( $(date +%s) - _guests_t0 )) s"
}
# Releases (bullseye, trixie): see release.sh.
. "$GUESTS_DIR/release.sh"  # @release
guests_release_valid || guests_die "unknown Debian release '$GUESTS_SUITE' (V2KVM_GUEST_RELEASE; known: $GUESTS_RELEASES)"  # @release
