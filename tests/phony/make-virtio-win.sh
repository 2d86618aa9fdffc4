#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build a fake virtio-win tree (the layout of the virtio-win ISO:
# <driver>/<os>/<arch>/ with .inf/.sys/.cat, guest-agent/*.msi) with
# plausible INF files carrying the real PCI IDs of each virtio device
# (vendor 0x1af4; transitional and modern device IDs from the virtio 1.x
# spec, section 4.1.2).  The .sys/.cat/.msi files are short text stubs.
#
# Usage: make-virtio-win.sh OUTDIR [OSDIR...]   (default OSDIRs: w10 2k19)
set -euo pipefail
out=$1; shift
osdirs=${*:-w10 2k19}

# driver  class        classguid                                 ids (DEV_xxxx)
drivers="
viostor   SCSIAdapter  {4d36e97b-e325-11ce-bfc1-08002be10318}  1001:00021AF4:00 1042:11001AF4:01
vioscsi   SCSIAdapter  {4d36e97b-e325-11ce-bfc1-08002be10318}  1004:00081AF4:00 1048:11001AF4:01
NetKVM    Net          {4d36e972-e325-11ce-bfc1-08002be10318}  1000:00011AF4:00 1041:11001AF4:01
Balloon   System       {4d36e97d-e325-11ce-bfc1-08002be10318}  1002:00051AF4:00 1045:11001AF4:01
vioserial System       {4d36e97d-e325-11ce-bfc1-08002be10318}  1003:00031AF4:00 1043:11001AF4:01
viorng    System       {4d36e97d-e325-11ce-bfc1-08002be10318}  1005:00041AF4:00 1044:11001AF4:01
"
crlf () { sed 's/$/\r/'; }
echo "$drivers" | while read -r drv class guid ids; do
  [ -n "$drv" ] || continue
  sys=$(echo "$drv" | tr 'A-Z' 'a-z')
  [ "$drv" != Balloon ] || sys=balloon
  for os in $osdirs; do
    for arch in amd64 x86; do
      d=$out/$drv/$os/$arch
      mkdir -p "$d"
      {
        echo "; $sys.inf: fake virtio-win package for v2kvm tests"
        echo "[Version]"
        echo "Signature=\"\$WINDOWS NT\$\""
        echo "Class=$class"
        echo "ClassGuid=$guid"
        echo "Provider=%VENDOR%"
        echo "DriverVer=01/01/2024,100.95.104.26200"
        echo "CatalogFile=$sys.cat"
        echo "[Manufacturer]"
        echo "%VENDOR% = models,NT${arch/x86/x86}"
        echo "[models.NT${arch/x86/x86}]"
        for id in $ids; do
          IFS=: read -r dev sub rev <<<"$id"
          echo "%$sys.DeviceDesc% = ${sys}_inst, PCI\\VEN_1AF4&DEV_$dev&SUBSYS_$sub&REV_$rev"
        done
        echo "[${sys}_inst]"
        echo "CopyFiles=${sys}_files"
        echo "[${sys}_inst.Services]"
        echo "AddService = $sys, 0x00000002, ${sys}_service"
        echo "[${sys}_service]"
        echo "ServiceType = 1"
        echo "StartType = 3"
        echo "ErrorControl = 1"
        echo "ServiceBinary = %12%\\$sys.sys"
        echo "[Strings]"
        echo "VENDOR = \"Red Hat, Inc.\""
        echo "$sys.DeviceDesc = \"VirtIO $drv device\""
      } | crlf > "$d/$sys.inf"
      echo "fake $sys.sys for $os/$arch" > "$d/$sys.sys"
      echo "fake $sys.cat" > "$d/$sys.cat"
    done
  done
done
mkdir -p "$out/guest-agent"
echo "fake msi" > "$out/guest-agent/qemu-ga-x86_64.msi"
echo "fake msi" > "$out/guest-agent/qemu-ga-i386.msi"
