/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: remove the old hypervisor's guest tools and driver settings.
 *
 * Driver settings (files, done before the initramfs is rebuilt):
 *   - modprobe aliases to Xen PV drivers (RHEL 5 "alias scsi_hostadapter
 *     xenblk", "alias eth0 xennet") point to virtio_blk/virtio_net, the way
 *     virt-v2v does, since old mkinitrd builds its driver list from them;
 *   - Xen PV driver names are dropped from initramfs module lists
 *     (/etc/initramfs-tools/modules, /etc/modules, dracut add_drivers,
 *     SUSE INITRD_MODULES);
 *   - the X11 "vmware" and "vboxvideo" drivers become "modesetting".
 * Tools (after the rebuild, since package removal cannot be undone):
 *   - packages (open-vm-tools, xe-guest-utilities, VirtualBox additions)
 *     are removed with the guest's own package manager in the appliance;
 *   - a tarball VMware Tools install is removed with its
 *     vmware-uninstall-tools.pl;
 *   - when removal fails or is impossible offline, their systemd units are
 *     disabled instead (symlinks in /etc/systemd/system/X.wants), with a
 *     warning.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

static const char *const xen_block[] = {
  "xenblk", "xen-vbd", "xen_vbd", "xen-blkfront", "xen_blkfront", NULL
};
static const char *const xen_net[] = {
  "xennet", "xen-vnif", "xen_vnif", "xen-netfront", "xen_netfront", NULL
};

static bool
in_list (const char *const *list, const char *w, size_t n)
{
  for (; *list; ++list)
    if (strlen (*list) == n && strncmp (*list, w, n) == 0)
      return true;
  return false;
}

static bool
is_xen_driver (const char *w, size_t n)
{
  return in_list (xen_block, w, n) || in_list (xen_net, w, n);
}

/* "alias scsi_hostadapter xenblk" -> "... virtio_blk". */
static char *
modprobe_line (struct fx *fx, const char *path, const char *line, void *d)
{
  const char *mod;
  size_t n;

  if (strncmp (line, "alias ", 6) != 0)
    return NULL;
  mod = strrchr (line, ' ') + 1;
  n = strcspn (mod, " \t");
  if (!is_xen_driver (mod, n))
    return NULL;
  const char *nw = in_list (xen_block, mod, n) ? "virtio_blk" : "virtio_net";
  fx_log (fx, path, "alias to %.*s -> %s", (int) n, mod, nw);
  return xasprintf ("%.*s%s", (int) (mod - line), line, nw);
}

/* A module-list line holding only a Xen driver is deleted; Xen driver
 * words inside a longer line (add_drivers+=" xen-blkfront foo ") go. */
static char *
module_list_line (struct fx *fx, const char *path, const char *line, void *d)
{
  char *out = xstrdup (line);
  bool changed = false;
  char *p = out;

  if (line[0] == '#')
    goto keep;
  while (*p) {
    size_t n;
    while (*p && !isalnum ((unsigned char) *p))
      ++p;
    n = 0;
    while (p[n] && (isalnum ((unsigned char) p[n]) || p[n] == '_' ||
                    p[n] == '-'))
      ++n;
    if (n && is_xen_driver (p, n)) {
      fx_log (fx, path, "removed Xen driver %.*s", (int) n, p);
      memmove (p, p + n, strlen (p + n) + 1);
      changed = true;
    }
    else
      p += n;
  }
  if (changed) {
    const char *q = out;
    while (*q && (isspace ((unsigned char) *q)))
      ++q;
    if (*q == '\0') {
      free (out);
      return FX_DELETE_LINE;
    }
    return out;
  }
keep:
  free (out);
  return NULL;
}

/* Driver "vmware"/"vboxvideo" -> "modesetting" in X11 config. */
static char *
xorg_line (struct fx *fx, const char *path, const char *line, void *d)
{
  static const char *const old[] = { "\"vmware\"", "\"vboxvideo\"", NULL };
  const char *v = line + strspn (line, " \t");

  if (strncmp (v, "Driver", 6) != 0)
    return NULL;
  for (size_t i = 0; old[i]; ++i) {
    const char *hit = strstr (v, old[i]);
    if (hit) {
      fx_log (fx, path, "X11 driver %s -> \"modesetting\"", old[i]);
      return xasprintf ("%.*s\"modesetting\"%s", (int) (hit - line), line,
                        hit + strlen (old[i]));
    }
  }
  return NULL;
}

static int
edit_dir (struct fx *fx, const char *dir, const char *suffix, fx_line_fn fn)
{
  string_vector names = empty_vector;
  int r = fx_ls (fx, dir, &names);

  for (size_t i = 0; r == 0 && i < names.len; ++i) {
    size_t l = strlen (names.ptr[i]), ls = strlen (suffix);
    CLEANUP_FREE char *p = xasprintf ("%s/%s", dir, names.ptr[i]);
    if (l >= ls && strcmp (names.ptr[i] + l - ls, suffix) == 0)
      r = fx_edit_lines (fx, p, fn, NULL);
  }
  string_vector_free_all (&names);
  return r;
}

int
linux_fix_xen_drivers (struct fx *fx)
{
  static const char *const lists[] = {
    "/etc/initramfs-tools/modules", "/etc/modules", "/etc/dracut.conf",
    "/etc/sysconfig/kernel", NULL
  };
  int r = 0;

  r |= fx_edit_lines (fx, "/etc/modprobe.conf", modprobe_line, NULL);
  r |= fx_edit_lines (fx, "/etc/modules.conf", modprobe_line, NULL);
  if (r == 0)
    r = edit_dir (fx, "/etc/modprobe.d", ".conf", modprobe_line);
  for (size_t i = 0; r == 0 && lists[i]; ++i)
    r = fx_edit_lines (fx, lists[i], module_list_line, NULL);
  if (r == 0)
    r = edit_dir (fx, "/etc/dracut.conf.d", ".conf", module_list_line);
  if (r == 0)
    r = fx_edit_lines (fx, "/etc/X11/xorg.conf", xorg_line, NULL);
  if (r == 0)
    r = edit_dir (fx, "/etc/X11/xorg.conf.d", ".conf", xorg_line);
  return r ? -1 : 0;
}

/* Units of the tools, disabled when their packages cannot be removed. */
static const char *const tool_units[] = {
  "open-vm-tools.service", "vmtoolsd.service", "vgauth.service",
  "vmware-tools.service", "run-vmblock\\x2dfuse.mount",
  "xe-linux-distribution.service", "xen-guest-agent.service",
  "vboxadd.service", "vboxadd-service.service", NULL
};
static const char *const wants_dirs[] = {
  "/etc/systemd/system/multi-user.target.wants",
  "/etc/systemd/system/graphical.target.wants",
  "/etc/systemd/system/default.target.wants",
  "/etc/systemd/system/sysinit.target.wants", NULL
};

static int
disable_units (struct fx *fx)
{
  for (size_t d = 0; wants_dirs[d]; ++d)
    for (size_t u = 0; tool_units[u]; ++u) {
      CLEANUP_FREE char *p = xasprintf ("%s/%s", wants_dirs[d], tool_units[u]);
      if (fx_is_symlink (fx, p) &&
          fx_unlink (fx, p, "disabled hypervisor tools unit") == -1)
        return -1;
    }
  return 0;
}

/* Installed packages among the family's tool packages. */
static int
installed_tools (struct fx *fx, string_vector *out)
{
  struct guestfs_application2_list *apps;

  if (fx->fam->tool_packages == NULL)
    return 0;
  apps = guestfs_inspect_list_applications2 (fx->g, fx->in->root);
  if (apps == NULL) {           /* no package database: nothing to remove */
    debug ("cannot list the guest's packages: %s",
           guestfs_last_error (fx->g));
    return 0;
  }
  for (size_t i = 0; i < apps->len; ++i) {
    const char *n = apps->val[i].app2_name;
    if (in_list (fx->fam->tool_packages, n, strlen (n)))
      string_vector_append (out, xstrdup (n));
  }
  guestfs_free_application2_list (apps);
  return 0;
}

static void
try_command (struct fx *fx, const char *const *argv, const char *what)
{
  if (fx_command (fx, argv) == -1) {
    warning ("tools-not-removed", "could not remove %s offline (%s); disabling its services "
             "instead", what, get_error ());
    clear_error ();
  }
}

int
linux_remove_tools (struct fx *fx)
{
  static const char *const uninstall[] = {
    "/usr/bin/vmware-uninstall-tools.pl", "/usr/sbin/vmware-uninstall-tools.pl",
    NULL
  };
  string_vector pkgs = empty_vector;
  const char *argv[MAX_TOOL_PACKAGES + 8];
  const char *u;
  size_t n = 0;

  if (installed_tools (fx, &pkgs) == -1)
    return -1;
  if (pkgs.len) {
    for (size_t i = 0; fx->fam->pkg_remove[i]; ++i)
      argv[n++] = fx->fam->pkg_remove[i];
    for (size_t i = 0; i < pkgs.len && i < MAX_TOOL_PACKAGES; ++i)
      argv[n++] = pkgs.ptr[i];
    argv[n] = NULL;
    try_command (fx, argv, "the hypervisor tools packages");
  }
  string_vector_free_all (&pkgs);
  if ((u = fx_first_file (fx, uninstall)) != NULL) {
    const char *const un[] = { u, "--default", NULL };
    try_command (fx, un, "the VMware Tools");
  }
  return fx->opts->dry_run || fx->opts->list_commands ? 0
    : disable_units (fx);
}
