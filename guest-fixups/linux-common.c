/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Linux conversion shared by every family.
 *
 * Order matters, so that a guest we cannot convert is left as it was:
 *   1. checks that write nothing: a bootable non-Xen kernel
 *      (linux-kernel.c), an initramfs tool in the guest;
 *   2. file edits, undone by fx_rollback if a later step fails: Xen driver
 *      settings, device names, console, interface names;
 *   3. the virtio drivers into the chosen kernel's initramfs: an
 *      initramfs-tools image is patched when it can be
 *      (linux-initramfs.c), otherwise the guest's own tool rebuilds it
 *      in the appliance (update-initramfs, dracut --add-drivers,
 *      mkinitrd --with / -m);
 *   4. removal of the old hypervisor's tools (cannot be undone, so last).
 * Family differences are data (struct linux_family in linux-debian.c,
 * linux-rhel.c, linux-suse.c).
 *
 * Debian's initramfs-tools with MODULES=list or MODULES=dep would leave the
 * virtio drivers out (dep looks at the appliance's hardware), so they are
 * always written to /etc/initramfs-tools/modules.  Likewise for dracut: a
 * guest whose dracut.conf(5) gives an exclusive drivers= list, or builds
 * hostonly, would drop them at its next rebuild, so they also go to
 * add_drivers in /etc/dracut.conf.d/90-v2kvm-virtio.conf.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

const char *const virtio_modules[] = {
  "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net", "virtio_console",
  NULL
};

bool
linux_family_matches (const struct linux_family *fam,
                      const struct inspect *in)
{
  if (strcmp (in->type, "linux") != 0)
    return false;
  for (size_t i = 0; fam->distros[i]; ++i)
    if (strcmp (in->distro, fam->distros[i]) == 0)
      return true;
  return false;
}

static const char *
base_name (const char *path)
{
  const char *s = strrchr (path, '/');
  return s ? s + 1 : path;
}

/* The virtio modules the chosen kernel has (as modules or built in). */
static size_t
kernel_virtio (struct fx *fx, const char **out)
{
  size_t n = 0;

  for (size_t i = 0; virtio_modules[i]; ++i)
    if (linux_kernel_has_module (fx, fx->kernel, virtio_modules[i]))
      out[n++] = virtio_modules[i];
  out[n] = NULL;
  return n;
}

static bool
has_line (const char *text, const char *word)
{
  size_t n = strlen (word);

  for (const char *p = text; p; p = strchr (p, '\n')) {
    p += *p == '\n';
    if (strncmp (p, word, n) == 0 && (p[n] == '\n' || p[n] == ' ' ||
                                      p[n] == '\0'))
      return true;
  }
  return false;
}

/* Append the virtio modules to /etc/initramfs-tools/modules. */
static int
debian_modules_file (struct fx *fx, const char **mods)
{
  static const char path[] = "/etc/initramfs-tools/modules";
  CLEANUP_FREE char *text = NULL;
  CLEANUP_FREE char *added = xstrdup ("");
  char *out;
  int r = fx_read (fx, path, &text, NULL);

  if (r == -1)
    return -1;
  out = xstrdup (text ? text : "");
  for (size_t i = 0; mods[i]; ++i) {
    char *t;
    if (has_line (out, mods[i]))
      continue;
    t = xasprintf ("%s%s%s\n", out,
                   out[0] && out[strlen (out) - 1] != '\n' ? "\n" : "",
                   mods[i]);
    free (out);
    out = t;
    t = xasprintf ("%s%s%s", added, added[0] ? " " : "", mods[i]);
    free (added);
    added = t;
  }
  if (added[0]) {
    CLEANUP_FREE char *what = xasprintf ("added %s", added);
    r = fx_write (fx, path, out, strlen (out), what);
  }
  free (out);
  return r < 0 ? -1 : 0;
}

/* A family initrd pattern with "%s" replaced by the kernel version. */
static char *
expand (const char *pattern, const char *version)
{
  const char *at = strstr (pattern, "%s");

  return xasprintf ("%.*s%s%s", (int) (at - pattern), pattern, version, at + 2);
}

static char *
initrd_path (struct fx *fx)
{
  const char *const *names = fx->fam->initrd_names;

  for (size_t i = 0; names && names[i]; ++i) {
    char *p = expand (names[i], fx->kernel);
    if (fx_is_file (fx, p))
      return p;
    free (p);
  }
  return expand (names[0], fx->kernel);
}

static char *
join_words (const char **w, const char *prefix, const char *sep)
{
  char *s = xstrdup ("");

  for (size_t i = 0; w[i]; ++i) {
    char *t = xasprintf ("%s%s%s%s", s, i ? sep : "", prefix, w[i]);
    free (s);
    s = t;
  }
  return s;
}

/* The virtio modules as dracut add_drivers in a file of their own. */
static int
dracut_conf_file (struct fx *fx, const char **mods)
{
  static const char path[] = "/etc/dracut.conf.d/90-v2kvm-virtio.conf";
  CLEANUP_FREE char *list = join_words (mods, "", " ");
  CLEANUP_FREE char *old = NULL;
  CLEANUP_FREE char *text = NULL;
  int r;

  if (mods[0] == NULL)
    return 0;
  text = xasprintf ("# v2kvm: keep the virtio drivers in the initramfs "
                    "(dracut.conf(5))\nadd_drivers+=\" %s \"\n", list);
  r = fx_read (fx, path, &old, NULL);
  if (r == -1)
    return -1;
  if (r == 1 && strcmp (old, text) == 0)
    return 0;
  return fx_write (fx, path, text, strlen (text), "added the virtio drivers");
}

int
linux_rebuild_initramfs (struct fx *fx)
{
  const char *tool = fx_first_file (fx, fx->fam->initramfs_tools);
  const char *base = base_name (tool);
  const char *mods[8], *argv[24];
  CLEANUP_FREE char *initrd = NULL;
  CLEANUP_FREE char *list = NULL;
  CLEANUP_FREE char *vmlinuz = NULL;
  size_t n = 0, nm = kernel_virtio (fx, mods);

  argv[n++] = tool;
  if (strcmp (base, "update-initramfs") == 0) {
    CLEANUP_FREE char *img = xasprintf ("/boot/initrd.img-%s", fx->kernel);
    int patched;
    if (debian_modules_file (fx, mods) == -1)
      return -1;
    patched = linux_patch_initramfs (fx, mods);
    if (patched != 0)
      return patched == 1 ? 0 : -1;
    argv[n++] = fx_is_file (fx, img) ? "-u" : "-c";
    argv[n++] = "-k";
    argv[n++] = fx->kernel;
  }
  else if (strcmp (base, "dracut") == 0) {
    if (dracut_conf_file (fx, mods) == -1)
      return -1;
    initrd = initrd_path (fx);
    list = join_words (mods, "", " ");
    argv[n++] = "-f";
    if (nm) {
      argv[n++] = "--add-drivers";
      argv[n++] = list;
    }
    argv[n++] = initrd;
    argv[n++] = fx->kernel;
  }
  else if (fx->fam->suse_mkinitrd) {
    initrd = initrd_path (fx);
    vmlinuz = xasprintf ("/boot/vmlinuz-%s", fx->kernel);
    list = join_words (mods, "", " ");
    argv[n++] = "-k"; argv[n++] = vmlinuz;
    argv[n++] = "-i"; argv[n++] = initrd;
    if (nm) {
      argv[n++] = "-m"; argv[n++] = list;
    }
  }
  else {                        /* RHEL 5 mkinitrd */
    initrd = initrd_path (fx);
    argv[n++] = "-f";
    for (size_t i = 0; i < nm; ++i)
      argv[n++] = xasprintf ("--with=%s", mods[i]);
    argv[n++] = initrd;
    argv[n++] = fx->kernel;
  }
  argv[n] = NULL;
  int r = fx_command (fx, argv);
  if (strcmp (base, "mkinitrd") == 0 && !fx->fam->suse_mkinitrd)
    for (size_t i = 0; i < nm; ++i)
      free ((char *) argv[2 + i]);
  if (r == -1)
    prepend_error ("cannot rebuild the initramfs of kernel '%s': ",
                   fx->kernel);
  return r;
}

/* /etc/adjtime's third line is "LOCAL" when the RTC keeps local time. */
static bool
rtc_is_utc (struct fx *fx)
{
  CLEANUP_FREE char *text = NULL;

  if (fx_read (fx, "/etc/adjtime", &text, NULL) != 1)
    return true;
  return strstr (text, "\nLOCAL") == NULL;
}

static int
check_initramfs_tool (struct fx *fx)
{
  const char *const *t = fx->fam->initramfs_tools;
  CLEANUP_FREE char *names = NULL;

  if (fx_first_file (fx, t))
    return 0;
  names = join_words ((const char **) t, "", ", ");
  set_error (ENOENT, "no initramfs tool found in the %s guest (looked for "
             "%s): the virtio drivers cannot be added", fx->fam->name, names);
  error_set_kind (V2K_ERR_GUEST);
  error_set_code ("no-initramfs-tool");
  return -1;
}

int
linux_convert (struct fx *fx, const struct linux_family *fam)
{
  struct error_checks ck = { 0 };

  fx->fam = fam;
  /* independent refusals: every one is reported (error.h) */
  error_check (&ck, linux_choose_kernel (fx));
  error_check (&ck, check_initramfs_tool (fx));
  if (error_checks_end (&ck) == -1 || linux_efi_check (fx) == -1 ||
      fx_mount_writable (fx) == -1)
    return -1;
  if (linux_set_default_kernel (fx) == -1 ||
      linux_fix_xen_drivers (fx) == -1 || linux_remap_devices (fx) == -1 ||
      linux_fix_console (fx) == -1 || linux_efi_fallback (fx) == -1 ||
      linux_pin_interfaces (fx) == -1)
    return -1;
  if (linux_rebuild_initramfs (fx) == -1 || linux_remove_tools (fx) == -1)
    return -1;
  fx->caps->machine = fam->i440fx_below && fx->in->major < fam->i440fx_below
    ? CAPS_MACHINE_PC : CAPS_MACHINE_Q35;
  fx->caps->rtc_utc = rtc_is_utc (fx);
  return 0;
}
