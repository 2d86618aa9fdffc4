/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: what the guest is made of, for `v2kvm inspect` (fixup.h struct
 * guest_facts).  Read only, on the root mounted read-only, before any
 * fixup runs (so a guest a fixup refuses is still described).  Sources:
 * libguestfs's list_filesystems and lvs (guestfs(3)), the files each
 * tool or bootloader installs, and the static address settings of
 * ifupdown (interfaces(5)), ifcfg (RHEL/SUSE) and systemd-networkd
 * (systemd.network(5)). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "fixup-internal.h"
#include "xalloc.h"

static const char *const initramfs_tools[] = {
  "/usr/sbin/update-initramfs", "/usr/bin/dracut", "/usr/sbin/dracut",
  "/sbin/dracut", "/sbin/mkinitrd", "/usr/sbin/mkinitrd", NULL
};

/* bootloader name, file that shows it */
static const char *const bootloaders[][2] = {
  { "grub2", "/boot/grub/grub.cfg" },
  { "grub2", "/boot/grub2/grub.cfg" },
  { "grub-legacy", "/boot/grub/menu.lst" },
  { "grub-legacy", "/boot/grub/grub.conf" },
  { "extlinux", "/boot/extlinux/extlinux.conf" },
  { "extlinux", "/boot/syslinux/syslinux.cfg" },
  { "systemd-boot", "/boot/loader/loader.conf" },
  { "systemd-boot", "/boot/efi/loader/loader.conf" },
};

static void
add_address (struct guest_facts *f, const char *iface, const char *addr)
{
  string_vector_append (&f->addresses, xasprintf ("%s=%s", iface, addr));
}

static char *
trim (char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen (s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
                   e[-1] == '"' || e[-1] == '\''))
    *--e = '\0';
  if (*s == '"' || *s == '\'')
    s++;
  return s;
}

/* ifupdown: "iface NAME inet[6] static" then "address A[/P]". */
static void
ifupdown (struct fx *fx, struct guest_facts *f)
{
  CLEANUP_FREE char *text = NULL;
  char iface[64] = "";
  bool is_static = false;

  if (fx_read (fx, "/etc/network/interfaces", &text, NULL) != 1)
    return;
  for (char *save = NULL, *l = strtok_r (text, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    char a[64], b[64], c[64], d[64];
    l = trim (l);
    if (sscanf (l, "iface %63s %63s %63s", a, b, c) == 3) {
      snprintf (iface, sizeof iface, "%s", a);
      is_static = strcmp (c, "static") == 0;
    }
    else if (is_static && sscanf (l, "address %63s", d) == 1)
      add_address (f, iface, d);
  }
}

/* ifcfg-NAME: BOOTPROTO none/static with IPADDR[n] (and PREFIX[n]). */
static void
ifcfg (struct fx *fx, struct guest_facts *f, const char *dir)
{
  string_vector names = empty_vector;

  fx_ls (fx, dir, &names);
  for (size_t i = 0; i < names.len; ++i) {
    CLEANUP_FREE char *path = NULL;
    CLEANUP_FREE char *text = NULL;
    const char *iface = names.ptr[i] + 6;
    bool dhcp = false;
    if (strncmp (names.ptr[i], "ifcfg-", 6) || !strcmp (iface, "lo"))
      continue;
    path = xasprintf ("%s/%s", dir, names.ptr[i]);
    if (fx_read (fx, path, &text, NULL) != 1)
      continue;
    dhcp = strstr (text, "BOOTPROTO=dhcp") ||
      strstr (text, "BOOTPROTO=\"dhcp\"") || strstr (text, "BOOTPROTO='dhcp'");
    for (char *save = NULL, *l = strtok_r (text, "\n", &save); l && !dhcp;
         l = strtok_r (NULL, "\n", &save)) {
      l = trim (l);
      if (strncmp (l, "IPADDR", 6) == 0 && strchr (l, '='))
        add_address (f, iface, trim (strchr (l, '=') + 1));
    }
  }
  string_vector_free_all (&names);
}

/* systemd-networkd: Name= in [Match], Address= in [Network]. */
static void
networkd (struct fx *fx, struct guest_facts *f)
{
  const char *dir = "/etc/systemd/network";
  string_vector names = empty_vector;

  fx_ls (fx, dir, &names);
  for (size_t i = 0; i < names.len; ++i) {
    CLEANUP_FREE char *path = NULL;
    CLEANUP_FREE char *text = NULL;
    char iface[64] = "*";
    size_t len = strlen (names.ptr[i]);
    if (len < 9 || strcmp (names.ptr[i] + len - 8, ".network"))
      continue;
    path = xasprintf ("%s/%s", dir, names.ptr[i]);
    if (fx_read (fx, path, &text, NULL) != 1)
      continue;
    for (char *save = NULL, *l = strtok_r (text, "\n", &save); l;
         l = strtok_r (NULL, "\n", &save)) {
      l = trim (l);
      if (strncmp (l, "Name=", 5) == 0)
        snprintf (iface, sizeof iface, "%s", trim (l + 5));
      else if (strncmp (l, "Address=", 8) == 0)
        add_address (f, iface, trim (l + 8));
    }
  }
  string_vector_free_all (&names);
}

static void
filesystems (struct fx *fx, struct guest_facts *f)
{
  char **fs = guestfs_list_filesystems (fx->g);
  struct guestfs_lvm_lv_list *lvs;

  for (size_t i = 0; fs && fs[i] && fs[i + 1]; i += 2) {
    f->luks |= strcmp (fs[i + 1], "crypto_LUKS") == 0;
    f->bitlocker |= strcasecmp (fs[i + 1], "BitLocker") == 0;
    string_vector_append (&f->filesystems, fs[i]);
    string_vector_append (&f->filesystems, fs[i + 1]);
  }
  free (fs);
  guestfs_push_error_handler (fx->g, NULL, NULL);
  lvs = guestfs_lvs_full (fx->g);
  guestfs_pop_error_handler (fx->g);
  if (lvs) {
    f->lvm = lvs->len > 0;
    guestfs_free_lvm_lv_list (lvs);
  }
}

int
fixup_describe (struct fx *fx)
{
  struct guest_facts *f = &fx->res->facts;
  bool windows = fx->in->type && strcmp (fx->in->type, "windows") == 0;

  f->described = true;
  filesystems (fx, f);
  if (windows) {
    f->init = "windows";
    f->bootloader = "windows-bootmgr";
    return 0;
  }
  fx_ls (fx, "/lib/modules", &f->kernels);
  f->initramfs_tool = fx_first_file (fx, initramfs_tools);
  for (size_t i = 0; i < sizeof bootloaders / sizeof *bootloaders; ++i)
    if (fx_is_file (fx, bootloaders[i][1])) {
      f->bootloader = bootloaders[i][0];
      break;
    }
  f->init = fx->in->has_systemd ? "systemd"
    : fx_is_file (fx, "/sbin/initctl") ? "upstart"
    : fx_is_file (fx, "/etc/inittab") ? "sysvinit" : NULL;
  ifupdown (fx, f);
  ifcfg (fx, f, "/etc/sysconfig/network-scripts");
  ifcfg (fx, f, "/etc/sysconfig/network");
  networkd (fx, f);
  return 0;
}
