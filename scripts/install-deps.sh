#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian 12 package v2kvm needs to build and to run its
# whole test suite.  Idempotent; needs root (or sudo).
set -euo pipefail

PKGS=(
  # build
  build-essential autoconf automake libtool pkg-config
  zlib1g-dev libdeflate-dev libzstd-dev libxml2-dev libssl-dev
  libguestfs-dev libvirt-dev
  # the Debian package (debian/, scripts/package-smoke.sh)
  debhelper dpkg-dev fakeroot bash-completion
  # remote inputs (remote/: HTTPS, the vSphere API)
  libcurl4-openssl-dev
  # remote/ssh.c: SFTP and exec channels (-it ssh)
  libssh-dev
  # run-time helpers and test oracles
  qemu-utils qemu-system-x86 ovmf
  libguestfs-tools guestfish linux-image-amd64
  # (tests/libvirt-functions.sh runs libvirtd -d + virtlogd -d itself)
  libvirt-clients libvirt-daemon-system libvirt-daemon-driver-qemu
  python3
  libxml2-utils nbdkit nbdkit-plugin-dev libnbd-bin
  debootstrap jq zstd xz-utils file libhivex-bin
  # initramfs oracles (tests/test-initramfs.sh)
  cpio initramfs-tools
  # benchmarks (bench/): peak RSS, ratios
  time bc openssl
  xxhash
  # Windows fixup: NTFS in the appliance, virtio-win ISO unpacking
  ntfs-3g libarchive-tools
  # test guests (tests/guests/): sfdisk, mkfs.ext4 -d, unshare/flock
  fdisk e2fsprogs util-linux
  # XFS guests (tests/guests/shape-xfs.sh, test-shape-xfs.sh): mkfs.xfs,
  # xfs_repair; XFS in the libguestfs appliance
  xfsprogs libguestfs-xfs
  # vSphere API simulator for the -ic esx:// tests (tests/vsphere-sim,
  # built offline from /usr/share/gocode)
  golang-go golang-github-vmware-govmomi-dev
  # tests/ssh-functions.sh: a throwaway sshd on 127.0.0.1, its keys and
  # agent (virt-v2v -it ssh uses nbdkit's ssh plugin, in package nbdkit)
  openssh-server openssh-client
  # the incumbent, for side-by-side tests and benchmarks
  virt-v2v
  # make fuzz: clang with libFuzzer (its runtime is in libclang-rt-14-dev)
  clang libclang-rt-14-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
  --no-install-recommends "${missing[@]}"
