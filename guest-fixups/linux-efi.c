/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the fallback boot loader of a UEFI Linux guest.
 *
 * grub-install(8) on a UEFI machine puts the loader in \EFI\<id>\ on the
 * EFI system partition (Debian: shimx64.efi, grubx64.efi, mmx64.efi,
 * fbx64.efi, BOOTX64.CSV and a small grub.cfg) and registers it as a
 * Boot#### variable in the firmware's NVRAM.  That variable stays on the
 * old hypervisor.  A new OVMF with empty variables boots the disk through
 * the removable-media path \EFI\BOOT\BOOTX64.EFI (UEFI specification
 * 2.10, 3.5.1.1 "Removable Media Boot Behavior"; BOOTAA64.EFI on arm64),
 * which a plain grub-install does not write (only --removable or
 * --force-extra-removable does).
 *
 * linux_efi_fallback copies the guest's own loader there, as
 * grub-install --removable lays it out:
 *   with shim:    shimX64.efi -> BOOTX64.EFI, grubX64.efi and mmX64.efi
 *                 beside it (shim loads grub from its own directory)
 *   without:      grubX64.efi -> BOOTX64.EFI
 *   and the directory's grub.cfg, if any, beside them (a signed grub
 *   whose prefix is its own directory reads it there).
 * fbX64.efi is NOT copied: shim started as BOOTX64.EFI runs a fallback
 * found beside it, which writes new Boot#### variables from BOOTX64.CSV
 * and resets the machine; the loader is enough to boot.
 *
 * The loader directory is the one named after the distribution (ID= of
 * os-release, what Debian's grub-install uses as its --bootloader-id),
 * else the only one holding a loader.  Several candidates and none named
 * after the distribution, or none at all, stop the conversion before
 * anything is written (the converted guest could not be said to boot).
 * The checks run while the guest is still mounted read-only
 * (linux_efi_check); the copy happens in the write phase.
 *
 * FAT (the ESP's file system) looks names up without case, so the
 * existence checks find "EFI/boot/bootx64.efi" too.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

struct efi_names {
  const char *fallback, *shim, *grub, *mok;
};

static const struct efi_names x64 = {
  "BOOTX64.EFI", "shimx64.efi", "grubx64.efi", "mmx64.efi",
};
static const struct efi_names aa64 = {
  "BOOTAA64.EFI", "shimaa64.efi", "grubaa64.efi", "mmaa64.efi",
};

static const struct efi_names *
names_for (const struct fx *fx)
{
  const char *arch = fx->in->arch;
  return arch && strcmp (arch, "aarch64") == 0 ? &aa64 : &x64;
}

const char *
linux_esp_mountpoint (const struct fx *fx)
{
  for (size_t i = 0; i < fx->in->mountpoints.len; i += 2) {
    const char *mp = fx->in->mountpoints.ptr[i];
    if (strcmp (mp, "/boot/efi") == 0 || strcmp (mp, "/efi") == 0)
      return mp;
  }
  return NULL;
}

int
linux_esp_grub_configs (struct fx *fx, string_vector *out)
{
  const char *esp = linux_esp_mountpoint (fx);
  CLEANUP_FREE char *efi = NULL;
  string_vector dirs = empty_vector;

  if (esp == NULL)
    return 0;
  efi = xasprintf ("%s/EFI", esp);
  if (fx_ls (fx, efi, &dirs) == -1)
    return -1;
  for (size_t i = 0; i < dirs.len; ++i) {
    char *p = xasprintf ("%s/%s/grub.cfg", efi, dirs.ptr[i]);
    if (fx_is_file (fx, p) && !fx_is_symlink (fx, p))
      string_vector_append (out, p);
    else
      free (p);
  }
  string_vector_free_all (&dirs);
  return 0;
}

static bool
has (struct fx *fx, const char *dir, const char *name)
{
  CLEANUP_FREE char *p = xasprintf ("%s/%s", dir, name);
  return fx_is_file (fx, p);
}

int
linux_efi_check (struct fx *fx)
{
  const struct efi_names *n = names_for (fx);
  const char *esp = linux_esp_mountpoint (fx);
  CLEANUP_FREE char *efi = NULL;
  CLEANUP_FREE char *boot = NULL;
  string_vector dirs = empty_vector;
  char *pick = NULL, *named = NULL;
  size_t candidates = 0;

  if (esp == NULL)
    return 0;
  efi = xasprintf ("%s/EFI", esp);
  boot = xasprintf ("%s/BOOT", efi);
  if (has (fx, boot, n->fallback))
    return 0;                   /* the firmware finds it already */
  if (fx_ls (fx, efi, &dirs) == -1)
    return -1;
  for (size_t i = 0; i < dirs.len; ++i) {
    const char *d = dirs.ptr[i];
    CLEANUP_FREE char *dir = xasprintf ("%s/%s", efi, d);
    if (strcasecmp (d, "BOOT") == 0 || !has (fx, dir, n->grub))
      continue;                 /* shim alone cannot boot anything */
    ++candidates;
    if (pick == NULL)
      pick = xstrdup (dir);
    if (named == NULL && fx->in->distro && strcasecmp (d, fx->in->distro) == 0)
      named = xstrdup (dir);
  }
  string_vector_free_all (&dirs);
  if (named) {
    free (pick);
    pick = named;
  }
  else if (candidates != 1) {
    if (candidates == 0)
      set_error (ENOENT, "the EFI system partition (%s) has no %s/%s and no "
                 "EFI/<id>/%s or %s to copy there: the converted guest could "
                 "not boot", esp, "EFI/BOOT", n->fallback, n->shim, n->grub);
    else
      set_error (ENOTSUP, "the EFI system partition (%s) has no %s/%s and "
                 "%zu loader directories, none named '%s': which one to "
                 "boot is in the old firmware's NVRAM", esp, "EFI/BOOT",
                 n->fallback, candidates, fx->in->distro ? fx->in->distro
                 : "?");
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("no-efi-fallback");
    free (pick);
    return -1;
  }
  free (fx->efi_loader_dir);
  fx->efi_loader_dir = pick;
  return 0;
}

/* Copy dir/name to to (a new file, removed again by fx_rollback). */
static int
copy (struct fx *fx, const char *dir, const char *name, const char *to)
{
  CLEANUP_FREE char *from = xasprintf ("%s/%s", dir, name);
  return fx_copy (fx, from, to, "fallback boot loader");
}

int
linux_efi_fallback (struct fx *fx)
{
  const struct efi_names *n = names_for (fx);
  const char *dir = fx->efi_loader_dir;
  const char *esp = linux_esp_mountpoint (fx);
  CLEANUP_FREE char *boot = NULL;
  CLEANUP_FREE char *to = NULL;
  bool shim;

  if (dir == NULL || esp == NULL)
    return 0;
  boot = xasprintf ("%s/EFI/BOOT", esp);
  to = xasprintf ("%s/%s", boot, n->fallback);
  shim = has (fx, dir, n->shim);
  if (copy (fx, dir, shim ? n->shim : n->grub, to) == -1)
    return -1;
  if (shim) {
    CLEANUP_FREE char *grub = xasprintf ("%s/%s", boot, n->grub);
    CLEANUP_FREE char *mok = xasprintf ("%s/%s", boot, n->mok);
    if (copy (fx, dir, n->grub, grub) == -1 ||
        (has (fx, dir, n->mok) && copy (fx, dir, n->mok, mok) == -1))
      return -1;
  }
  if (has (fx, dir, "grub.cfg") && !has (fx, boot, "grub.cfg")) {
    CLEANUP_FREE char *cfg = xasprintf ("%s/grub.cfg", boot);
    if (copy (fx, dir, "grub.cfg", cfg) == -1)
      return -1;
  }
  return 0;
}
