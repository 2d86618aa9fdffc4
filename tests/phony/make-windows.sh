#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build a phony Windows disk image that libguestfs inspection takes for
# Windows, as libguestfs' test-data/phony-guests/make-windows-img.sh does
# (facts, not code, carried over).  It boots nothing: it is an MBR disk
# with one NTFS partition holding \Windows\System32\cmd.exe (a 512-byte
# PE32+ header, which `file` reports as x86-64), and SYSTEM and SOFTWARE
# hives built with `hivexregedit --merge` from an empty hive written by
# make-hive.py.
#
# Usage: make-windows.sh OUTPUT.img OS VARIANT
#   OS:      win7 | win10 | win2019 | win2025 (2025 tests the driver
#            fallback; win7 has no DriverDatabase, as before Windows 8)
#   VARIANT: vmware    VMware Tools services/drivers + vmstorfl filter
#            xen       Xen PV drivers, boot-start, xenfilt in class filters
#            bitlocker vmware + a 2nd partition with the BitLocker signature
#            hibernated vmware + \hiberfil.sys starting "HIBR"
#            dynamic   vmware, the partition typed 0x42 (LDM)
#            dirty     vmware, the NTFS "volume is dirty" flag set
#                      (ntfs-set-dirty.py), as Fast Startup leaves it
#            twonic    vmware with the second interface static too
#                      (192.0.2.20/24, no gateway): a guest with two NICs
#            uefi      vmware on GPT: p1 NTFS system volume, p2 ESP (FAT)
#                      holding only EFI/Microsoft/Boot/bootmgfw.efi (4 KiB
#                      of random bytes), no EFI/Boot/bootx64.efi
#            uefi-noloader  the same with an empty EFI/Microsoft/Boot
# The guest has two control sets (Current=1, LastKnownGood=2), a static
# IPv4 address on one interface (on both with twonic), a DriverDatabase
# key (Windows 8+) and MountedDevices mapping C: to the partition (disk
# signature 0x5a11ad0b, offset 1 MiB).  One appliance launch.
set -euo pipefail

out=$1 os=$2 variant=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/phony-win.XXXXXX")
trap 'rm -rf "$work"' EXIT

# UTF-16LE REG_MULTI_SZ as hivexregedit hex(7): bytes.
msz () {
  local s hex=
  for s in "$@"; do
    hex+=$(printf '%s\0' "$s" | iconv -f UTF-8 -t UTF-16LE | od -An -v -tx1)
  done
  hex+=" 00 00"
  echo "hex(7):$(echo $hex | tr ' ' ',')"
}
# REG_EXPAND_SZ as hex(2):.
esz () {
  echo "hex(2):$(printf '%s\0' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -v -tx1 | xargs | tr ' ' ',')"
}

case $os in
  win7)    product="Windows 7 Professional"; itype=Client; build=7601 ;;
  win10)   product="Windows 10 Pro"; itype=Client; build=19045 ;;
  win2019) product="Windows Server 2019 Standard"; itype=Server; build=17763 ;;
  win2025) product="Windows Server 2025 Standard"; itype=Server; build=26100 ;;
  *) echo "make-windows.sh: unknown OS '$os'" >&2; exit 1 ;;
esac

S='HKEY_LOCAL_MACHINE\SOFTWARE'
cat > "$work/software.reg" <<REG
Windows Registry Editor Version 5.00

[$S\\Microsoft]
[$S\\Microsoft\\Windows]
[$S\\Microsoft\\Windows\\CurrentVersion]
"DevicePath"=$(esz '%SystemRoot%\inf')
"ProgramFilesDir"="C:\\\\Program Files"
[$S\\Microsoft\\Windows NT]
[$S\\Microsoft\\Windows NT\\CurrentVersion]
"ProductName"="$product"
$(if [ $os = win7 ]; then echo '"CurrentVersion"="6.1"'; else
  printf '"CurrentVersion"="6.3"\n"CurrentMajorVersionNumber"=dword:0000000a\n"CurrentMinorVersionNumber"=dword:00000000'; fi)
"CurrentBuildNumber"="$build"
"InstallationType"="$itype"
"SystemRoot"="C:\\\\Windows"
REG

# Services and filters per variant.
Y='HKEY_LOCAL_MACHINE\SYSTEM'
svc () {  # svc CS NAME TYPE START [GROUP]
  printf '[%s\\%s\\Services\\%s]\n"Type"=dword:%08x\n"Start"=dword:%08x\n"ErrorControl"=dword:00000001\n"ImagePath"=%s\n' \
    "$Y" "$1" "$2" "$3" "$4" "$(esz "system32\\drivers\\$2.sys")"
  [ -z "${5:-}" ] || printf '"Group"="%s"\n' "$5"
}
vmware_svcs="vmci:1:0 vmhgfs:2:1 vm3dmp:1:3 vmmouse:1:3 vmrawdsk:1:1 vmusbmouse:1:3 vsock:1:3 VMTools:16:2 vmvss:16:3 vmstorfl:1:0 vmxnet3ndis6:1:3"
xen_svcs="xenbus:1:0 xenfilt:1:0 xeniface:1:3 xennet:1:3 xenvbd:1:0 xenvif:1:3"
case $variant in
  xen) svcs=$xen_svcs
       diskf=$(msz PartMgr) scsif=$(msz xenfilt) hdcf=$(msz xenfilt) sysf=$(msz xenfilt) ;;
  *)   svcs=$vmware_svcs
       diskf=$(msz PartMgr vmstorfl) scsif= hdcf= sysf= ;;
esac

{
  printf 'Windows Registry Editor Version 5.00\n\n'
  printf '[%s\\Select]\n"Current"=dword:00000001\n"Default"=dword:00000001\n"LastKnownGood"=dword:00000002\n"Failed"=dword:00000000\n' "$Y"
  printf '[%s\\MountedDevices]\n"\\\\DosDevices\\\\C:"=hex(3):0b,ad,11,5a,00,00,10,00,00,00,00,00\n' "$Y"
  [ $os = win7 ] ||
    printf '[%s\\DriverDatabase]\n[%s\\DriverDatabase\\DeviceIds]\n[%s\\DriverDatabase\\DriverInfFiles]\n[%s\\DriverDatabase\\DriverPackages]\n' "$Y" "$Y" "$Y" "$Y"
  for cs in ControlSet001 ControlSet002; do
    printf '[%s\\%s]\n[%s\\%s\\Control]\n' "$Y" $cs "$Y" $cs
    printf '[%s\\%s\\Control\\CrashControl]\n"AutoReboot"=dword:00000001\n' "$Y" $cs
    printf '[%s\\%s\\Control\\TimeZoneInformation]\n"TimeZoneKeyName"="W. Europe Standard Time"\n' "$Y" $cs
    printf '[%s\\%s\\Control\\Class]\n' "$Y" $cs
    printf '[%s\\%s\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}]\n"Class"="DiskDrive"\n"UpperFilters"=%s\n' "$Y" $cs "$diskf"
    printf '[%s\\%s\\Control\\Class\\{4d36e97b-e325-11ce-bfc1-08002be10318}]\n"Class"="SCSIAdapter"\n' "$Y" $cs
    [ -z "$scsif" ] || printf '"UpperFilters"=%s\n' "$scsif"
    printf '[%s\\%s\\Control\\Class\\{4d36e96a-e325-11ce-bfc1-08002be10318}]\n"Class"="hdc"\n' "$Y" $cs
    [ -z "$hdcf" ] || printf '"UpperFilters"=%s\n' "$hdcf"
    printf '[%s\\%s\\Control\\Class\\{4d36e97d-e325-11ce-bfc1-08002be10318}]\n"Class"="System"\n' "$Y" $cs
    [ -z "$sysf" ] || printf '"UpperFilters"=%s\n' "$sysf"
    printf '[%s\\%s\\Services]\n' "$Y" $cs
    for s in $svcs; do
      IFS=: read -r n t st <<<"$s"
      svc $cs "$n" "$t" "$st"
    done
    svc $cs storahci 1 3 "SCSI miniport"
    printf '[%s\\%s\\Services\\Tcpip]\n[%s\\%s\\Services\\Tcpip\\Parameters]\n"Hostname"="phony-%s"\n' "$Y" $cs "$Y" $cs "$os"
    printf '[%s\\%s\\Services\\Tcpip\\Parameters\\Interfaces]\n' "$Y" $cs
    printf '[%s\\%s\\Services\\Tcpip\\Parameters\\Interfaces\\{0d4f1b2e-7c1a-4c55-9e10-3f1d2a6b7c01}]\n"EnableDHCP"=dword:00000000\n"IPAddress"=%s\n"SubnetMask"=%s\n"DefaultGateway"=%s\n"NameServer"="192.0.2.53,192.0.2.54"\n' \
      "$Y" $cs "$(msz 192.0.2.10)" "$(msz 255.255.255.0)" "$(msz 192.0.2.1)"
    if [ "$variant" = twonic ]; then
      printf '[%s\\%s\\Services\\Tcpip\\Parameters\\Interfaces\\{9a1c2f3e-0000-4c55-9e10-3f1d2a6b7c02}]\n"EnableDHCP"=dword:00000000\n"IPAddress"=%s\n"SubnetMask"=%s\n' \
        "$Y" $cs "$(msz 192.0.2.20)" "$(msz 255.255.255.0)"
    else
      printf '[%s\\%s\\Services\\Tcpip\\Parameters\\Interfaces\\{9a1c2f3e-0000-4c55-9e10-3f1d2a6b7c02}]\n"EnableDHCP"=dword:00000001\n' "$Y" $cs
    fi
  done
} > "$work/system.reg"

python3 "$(dirname "$0")/make-hive.py" "$work/SOFTWARE"
python3 "$(dirname "$0")/make-hive.py" "$work/SYSTEM"
# The .reg grammar wants a blank line before each key.
for f in software system; do sed -i 's/^\[/\n[/' "$work/$f.reg"; done
hivexregedit --merge --prefix "$S" "$work/SOFTWARE" "$work/software.reg"
hivexregedit --merge --prefix "$Y" "$work/SYSTEM" "$work/system.reg"

# cmd.exe: MZ, e_lfanew=0x80, PE, machine 0x8664, optional header 0x20b.
head -c 512 /dev/zero > "$work/cmd.exe"
put () { printf "$2" | dd of="$work/cmd.exe" bs=1 seek=$(($1)) conv=notrunc status=none; }
put 0 'MZ'; put 0x3c '\200'; put 0x80 'PE'; put 0x84 '\144\206'
put 0x94 '\360'; put 0x96 '\042'; put 0x98 '\013\002'; put 0xdc '\003'

printf 'HIBR' > "$work/hiberfil.sys"; head -c 4092 /dev/zero >> "$work/hiberfil.sys"
printf 'stub\r\n' > "$work/stub.sys"

head -c 4096 /dev/urandom > "$work/bootmgfw.efi"

uefi=false
case $variant in uefi|uefi-noloader) uefi=true ;; esac
cmds=(-N "$out"=disk:256M)
if $uefi; then
  # GPT: the system volume stays partition 1 (readback mounts sdX1);
  # the ESP is partition 2.
  cmds+=(part-init /dev/sda gpt : part-add /dev/sda p 2048 409599 :
         part-add /dev/sda p 409600 522239 :
         part-set-gpt-type /dev/sda 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B :
         mkfs vfat /dev/sda2 :)
elif [ "$variant" = bitlocker ]; then
  cmds+=(part-init /dev/sda mbr :
         part-add /dev/sda p 2048 409599 : part-add /dev/sda p 409600 522239 :)
else
  cmds+=(part-init /dev/sda mbr : part-add /dev/sda p 2048 522239 :)
fi
cmds+=(
  mkfs ntfs /dev/sda1 : mount /dev/sda1 / :
  mkdir-p /Windows/System32/config : mkdir-p /Windows/System32/drivers :
  mkdir-p /Windows/Temp : mkdir-p "/Program Files" :
  upload "$work/cmd.exe" /Windows/System32/cmd.exe :
  upload "$work/SYSTEM" /Windows/System32/config/SYSTEM :
  upload "$work/SOFTWARE" /Windows/System32/config/SOFTWARE :
  upload "$work/stub.sys" /Windows/System32/drivers/disk.sys :
)
case $variant in
  xen) for s in $xen_svcs; do cmds+=(upload "$work/stub.sys" "/Windows/System32/drivers/${s%%:*}.sys" :); done ;;
  *)   cmds+=(mkdir-p "/Program Files/VMware/VMware Tools" :)
       for s in $vmware_svcs; do cmds+=(upload "$work/stub.sys" "/Windows/System32/drivers/${s%%:*}.sys" :); done ;;
esac
[ "$variant" != hibernated ] || cmds+=(upload "$work/hiberfil.sys" /hiberfil.sys :)
[ "$variant" != bitlocker ] || cmds+=(pwrite-device /dev/sda2 $'\xeb\x58\x90-FVE-FS-' 0 :)
if $uefi; then
  cmds+=(umount-all : mount /dev/sda2 / : mkdir-p /EFI/Microsoft/Boot :)
  [ "$variant" = uefi-noloader ] ||
    cmds+=(upload "$work/bootmgfw.efi" /EFI/Microsoft/Boot/bootmgfw.efi :)
  cmds+=(umount-all)
else
  cmds+=(umount-all : pwrite-device /dev/sda $'\x0b\xad\x11\x5a' 0x1b8)
fi
[ "$variant" != dynamic ] || cmds+=(: part-set-mbr-id /dev/sda 1 0x42)
guestfish "${cmds[@]}"
[ "$variant" != dirty ] || "$(dirname "$0")/ntfs-set-dirty.py" "$out" $((2048 * 512))
