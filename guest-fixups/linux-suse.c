/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: SUSE family data (SLES, SLED, openSUSE).
 *
 * dracut(8) on SLES 12 and later, mkinitrd -k/-i/-m on older releases
 * (/boot/initrd-VER); perl-Bootloader keeps kernel options in
 * /etc/sysconfig/bootloader (DEFAULT_APPEND...), edited with the grub
 * files.  SLES 10 and older get the i440fx machine. */
#include <config.h>

#include <stddef.h>

#include "fixup-internal.h"

static const char *const distros[] = {
  "sles", "suse-based", "opensuse", "sled", NULL
};
static const char *const tools[] = {
  "/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut", "/sbin/mkinitrd",
  NULL
};
static const char *const initrds[] = { "/boot/initrd-%s", NULL };
static const char *const packages[] = {
  "open-vm-tools", "open-vm-tools-desktop", "xen-tools-domU",
  "xe-guest-utilities", "virtualbox-guest-tools", "virtualbox-guest-x11",
  "virtualbox-kmp-default", NULL
};
static const char *const extra[] = { "/etc/sysconfig/bootloader", NULL };

const struct linux_family suse_family = {
  .name = "suse",
  .distros = distros,
  .initramfs_tools = tools,
  .initrd_names = initrds,
  .suse_mkinitrd = true,
  .tool_packages = packages,
  .pkg_remove = { "rpm", "-e", NULL },
  .extra_config = extra,
  .i440fx_below = 11,
};
