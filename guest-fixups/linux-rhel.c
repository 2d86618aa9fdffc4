/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Red Hat family data (RHEL, CentOS, Fedora, Rocky, Alma, Oracle,
 * Scientific Linux).
 *
 * dracut(8) --add-drivers on RHEL 6 and later (/boot/initramfs-VER.img),
 * mkinitrd --with=MODULE on RHEL 5 (/boot/initrd-VER.img); grub2
 * grub.cfg, BLS entries (RHEL 8+: /boot/loader/entries, grubenv
 * kernelopts) and legacy grub.conf are edited as text (linux-edit.c).
 * RHEL 5 and older get the i440fx machine (no q35/AHCI support). */
#include <config.h>

#include <stddef.h>

#include "fixup-internal.h"

static const char *const distros[] = {
  "rhel", "centos", "fedora", "rocky", "almalinux", "oraclelinux",
  "scientificlinux", "circle", "redhat-based", NULL
};
static const char *const tools[] = {
  "/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut",
  "/sbin/mkinitrd", "/usr/sbin/mkinitrd", NULL
};
static const char *const initrds[] = {
  "/boot/initramfs-%s.img", "/boot/initrd-%s.img", NULL
};
static const char *const packages[] = {
  "open-vm-tools", "open-vm-tools-desktop", "open-vm-tools-sdmp",
  "xe-guest-utilities", "xe-guest-utilities-xenstore",
  "VirtualBox-guest-additions", "virtualbox-guest-additions", NULL
};
static const char *const extra[] = { NULL };

const struct linux_family rhel_family = {
  .name = "rhel",
  .distros = distros,
  .initramfs_tools = tools,
  .initrd_names = initrds,
  .tool_packages = packages,
  .pkg_remove = { "rpm", "-e", NULL },
  .extra_config = extra,
  .i440fx_below = 6,
};
