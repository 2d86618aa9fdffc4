/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Debian family data (Debian, Ubuntu, Mint, Kali).
 *
 * initramfs-tools: update-initramfs(8) rebuilds /boot/initrd.img-VERSION
 * from /etc/initramfs-tools/modules (initramfs-tools(7)).  Debian's dracut
 * package (which conflicts with initramfs-tools) writes the same file name
 * from its kernel hook (/etc/kernel/postinst.d/dracut: dracut --force
 * /boot/initrd.img-VERSION VERSION), so a guest without update-initramfs
 * but with /usr/bin/dracut gets dracut --add-drivers there; grub2 is edited
 * as text (linux-edit.c), update-grub is not run in the appliance.  Tools
 * are purged with dpkg (no network needed). */
#include <config.h>

#include <stddef.h>

#include "fixup-internal.h"

static const char *const distros[] = {
  "debian", "ubuntu", "linuxmint", "kalilinux", NULL
};
static const char *const tools[] = {
  "/usr/sbin/update-initramfs", "/sbin/update-initramfs",
  "/usr/bin/dracut", "/usr/sbin/dracut", NULL
};
static const char *const initrds[] = { "/boot/initrd.img-%s", NULL };
static const char *const packages[] = {
  "open-vm-tools", "open-vm-tools-desktop", "open-vm-tools-dev",
  "open-vm-tools-sdmp", "xe-guest-utilities", "xen-guest-agent",
  "xenstore-utils", "virtualbox-guest-utils", "virtualbox-guest-x11",
  "virtualbox-guest-dkms", NULL
};
static const char *const extra[] = { NULL };

const struct linux_family debian_family = {
  .name = "debian",
  .distros = distros,
  .initramfs_tools = tools,
  .initrd_names = initrds,
  .tool_packages = packages,
  .pkg_remove = { "dpkg", "--purge", NULL },
  .extra_config = extra,
};
