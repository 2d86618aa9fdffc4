/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the table of guest fixups and the conversion of one guest.
 *
 * fixup_disks() is virt-v2v's conversion phase (virt-v2v(1) "CONVERTING A
 * GUEST"): launch the appliance, inspect, choose the root, mount it, pick
 * the first fixup whose matches() accepts the inspection result, run it,
 * schedule an SELinux relabel, trim every filesystem (so a copy afterwards
 * skips the free space) and report the guest's capabilities.
 *
 * A failing fixup has its file edits rolled back before the error is
 * returned, so an in-place conversion that fails leaves the guest as it
 * was where that is possible (commands already run are not undone; the
 * family code runs them last).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "inspect.h"
#include "xalloc.h"

static bool
linux_matches (const struct fixup *f, const struct inspect *in)
{
  return linux_family_matches (f->family, in);
}

static int
linux_fixup_convert (const struct fixup *f, struct fx *fx)
{
  return linux_convert (fx, f->family);
}

#define LINUX_FIXUP(fam) {                                      \
    .name = #fam, .family = &fam##_family,                      \
    .matches = linux_matches, .convert = linux_fixup_convert,   \
  }
static const struct fixup debian_fixup = LINUX_FIXUP (debian);
static const struct fixup rhel_fixup = LINUX_FIXUP (rhel);
static const struct fixup suse_fixup = LINUX_FIXUP (suse);

/* Ordered: the first whose matches() is true converts the guest. */
const struct fixup *const fixup_table[] = {
  &debian_fixup,
  &rhel_fixup,
  &suse_fixup,
  &windows_fixup,               /* fixup-windows.c */
  NULL
};

static const struct fixup *
choose_fixup (const struct inspect *in)
{
  for (size_t i = 0; fixup_table[i]; ++i)
    if (fixup_table[i]->matches (fixup_table[i], in))
      return fixup_table[i];
  set_error (ENOTSUP, "cannot convert guest of type '%s' distro '%s' (%s)",
             in->type, in->distro, in->product_name);
  error_set_kind (V2K_ERR_GUEST);
  error_set_code ("unknown-os");
  return NULL;
}

/* /.autorelabel when SELinux is enforcing or permissive. */
static int
selinux_relabel (struct fx *fx)
{
  CLEANUP_FREE char *cfg = NULL;
  const char *p;
  int r = fx_read (fx, "/etc/selinux/config", &cfg, NULL);

  if (r <= 0)
    return r;
  for (p = cfg; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL) {
    if (strncmp (p, "SELINUX=enforcing", 17) == 0 ||
        strncmp (p, "SELINUX=permissive", 18) == 0) {
      if (fx_is_file (fx, "/.autorelabel"))
        return 0;
      return fx_write (fx, "/.autorelabel", "", 0,
                       "SELinux relabel at next boot");
    }
  }
  return 0;
}

/* Discard free space in every mounted filesystem (best effort: a
 * filesystem or format without discard support only loses the saving). */
static void
trim_all (struct fx *fx)
{
  for (size_t i = 0; i < fx->in->mountpoints.len; i += 2) {
    const char *mp = fx->in->mountpoints.ptr[i];
    if (!fx_is_dir (fx, mp))
      continue;
    if (guestfs_fstrim (fx->g, mp, -1) == -1)
      debug ("fstrim %s: %s", mp, guestfs_last_error (fx->g));
  }
}

/* Swap holds nothing across a shutdown and fstrim does not reach it:
 * discard each swap device and write a new header with its UUID and
 * label (as virt-sparsify treats swap), so stale pages are neither
 * copied nor, from a remote source, fetched.  A hibernation image
 * (blkid type "swsuspend", not "swap") and a swap without a UUID (the
 * guest may name it only by its header) are left alone. */
static void
trim_swap (struct fx *fx)
{
  char **fs = guestfs_list_filesystems (fx->g);

  for (size_t i = 0; fs && fs[i] && fs[i + 1]; i += 2) {
    const char *dev = fs[i];
    if (strcmp (fs[i + 1], "swap") != 0)
      continue;
    CLEANUP_FREE char *uuid = guestfs_vfs_uuid (fx->g, dev);
    CLEANUP_FREE char *label = guestfs_vfs_label (fx->g, dev);
    if (!uuid || !*uuid || !label || guestfs_blkdiscard (fx->g, dev) == -1) {
      debug ("swap %s not discarded: %s", dev, guestfs_last_error (fx->g));
      continue;
    }
    if (guestfs_mkswap_opts (fx->g, dev,
                             GUESTFS_MKSWAP_OPTS_UUID, uuid,
                             *label ? GUESTFS_MKSWAP_OPTS_LABEL : -1, label,
                             -1) == -1)
      warning ("swap-no-header", "swap %s: discarded but no new header: %s (run mkswap in "
               "the guest)", dev, guestfs_last_error (fx->g));
    else
      debug ("swap %s discarded, header rewritten (UUID %s)", dev, uuid);
  }
  for (size_t i = 0; fs && fs[i]; i++)
    free (fs[i]);
  free (fs);
}

int
fx_mount_writable (struct fx *fx)
{
  return inspect_mount (fx->g, fx->in, false);
}

static int
finish (struct fx *fx)
{
  if (guestfs_umount_all (fx->g) == -1 || guestfs_shutdown (fx->g) == -1) {
    set_error (EIO, "cannot write the guest's disks: %s",
               guestfs_last_error (fx->g));
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

static int
convert_mounted (struct fx *fx)
{
  const struct fixup *f = choose_fixup (fx->in);

  if (f == NULL)
    return -1;
  debug ("guest %s (%s): using the '%s' fixup", fx->in->product_name,
         fx->in->root, f->name);
  inspect_firmware (fx->in, fx->caps, &fx->res->esp);
  fx->caps->arch = fx->in->arch;
  if (f->convert (f, fx) == -1 || selinux_relabel (fx) == -1) {
    fx_rollback (fx);
    return -1;
  }
  if (!fx->opts->dry_run && !fx->opts->no_trim) {
    trim_all (fx);
    trim_swap (fx);
  }
  return 0;
}

/* Choose the root, fill the inspection and mount it read-only.  When
 * LUKS devices are open, first reopen them under the guest's crypttab
 * names and inspect again (luks.c). */
static char *
inspect_root (struct fx *fx, luks_dev_list *luks)
{
  char *root = inspect_choose_root (fx->g, fx->opts->root);

  if (root && luks->len) {
    int r = luks_names_from_crypttab (fx->g, root, luks, fx->opts->dry_run);
    if (r != 0) {
      free (root);
      root = r == 1 ? inspect_choose_root (fx->g, fx->opts->root) : NULL;
    }
  }
  if (root && (inspect_fill (fx->g, root, fx->in) == -1 ||
               inspect_mount (fx->g, fx->in, true) == -1)) {
    free (root);
    return NULL;
  }
  return root;
}

int
fixup_disks (const char *const *disks, const char *const *formats, size_t n,
             const struct fixup_options *opts, struct fixup_result *res)
{
  struct fx fx = {
    .opts = opts, .in = &res->inspect, .caps = &res->caps, .res = res,
    .changes = &res->changes, .nr_disks = n,
  };
  CLEANUP_FREE char *root = NULL;
  luks_dev_list luks = empty_vector;
  int r = -1;

  fx.g = inspect_launch (disks, formats, n, opts, &res->used_tcg);
  if (fx.g == NULL)
    return -1;
  res->smp = (unsigned) guestfs_get_smp (fx.g);
  if (luks_open_all (fx.g, opts, &luks) == 0 &&
      (root = inspect_root (&fx, &luks)) != NULL &&
      (!opts->describe || fixup_describe (&fx) == 0) &&
      ((res->facts.luks |= luks.len > 0), true) &&
      convert_mounted (&fx) == 0)
    r = finish (&fx);
  else if (fx.backups.len) {
    /* the restored files must reach the disk: shut down cleanly */
    guestfs_umount_all (fx.g);
    guestfs_shutdown (fx.g);
  }
  fx_backups_free (&fx);
  luks_dev_list_free (&luks);
  free (fx.kernel);
  free (fx.efi_loader_dir);
  free (fx.modlist_version);
  free (fx.modlist);
  fx_windows_free (&fx);
  inspect_close (fx.g);
  return r;
}

void
inspect_free (struct inspect *in)
{
  free (in->root);
  free (in->type);
  free (in->distro);
  free (in->product_name);
  free (in->arch);
  string_vector_free_all (&in->mountpoints);
}

void
fixup_result_free (struct fixup_result *res)
{
  inspect_free (&res->inspect);
  free (res->esp);
  free (res->kernel);
  for (size_t i = 0; i < res->changes.len; ++i) {
    free (res->changes.ptr[i].file);
    free (res->changes.ptr[i].what);
  }
  fixup_change_list_reset (&res->changes);
  string_vector_free_all (&res->facts.kernels);
  string_vector_free_all (&res->facts.filesystems);
  string_vector_free_all (&res->facts.addresses);
  string_vector_free_all (&res->guest_macs);
}
