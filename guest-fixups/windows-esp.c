/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the fallback boot loader of a UEFI Windows guest.
 *
 * Windows Setup registers \EFI\Microsoft\Boot\bootmgfw.efi as a Boot####
 * entry in the firmware's NVRAM, which stays on the old hypervisor.  On
 * the new machine OVMF finds no entry and tries the removable-media path
 * \EFI\Boot\bootx64.efi (UEFI specification 2.10, 3.5.1.1 "Removable
 * Media Boot Behavior"; bootaa64.efi on arm64).  Windows Setup usually
 * writes that copy too, but a system whose ESP was rebuilt with bcdboot
 * /f UEFI (no /f ALL) or cleaned has only bootmgfw.efi.
 *
 * win_esp_check (read-only phase): finds the ESP on the system disk (GPT
 * type C12A7328-...), and when its fallback is missing notes that
 * bootmgfw.efi must be copied there; an ESP with neither is refused (the
 * converted guest could not boot).  win_esp_fallback (write phase) makes
 * the copy, with the system volume unmounted while the ESP is mounted at
 * /, and mounts the system volume back.  FAT looks names up without
 * case, so "EFI/Boot/bootx64.efi" finds "EFI/BOOT/BOOTX64.EFI".
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "windows.h"
#include "xalloc.h"

#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define BOOTMGFW "/EFI/Microsoft/Boot/bootmgfw.efi"

static const char *
fallback_path (const struct fx *fx)
{
  const struct fx_windows *w = fx->win;

  return strcmp (w->arch, "ARM64") == 0 ? "/EFI/Boot/bootaa64.efi"
                                        : "/EFI/Boot/bootx64.efi";
}

/* The ESP partition of the system disk (owned), or NULL. */
static char *
find_esp (struct fx *fx)
{
  CLEANUP_FREE char *disk = guestfs_part_to_dev (fx->g, fx->in->root);
  char **parts = guestfs_list_partitions (fx->g);
  char *esp = NULL;

  for (size_t i = 0; disk && parts && parts[i]; ++i) {
    CLEANUP_FREE char *d = guestfs_part_to_dev (fx->g, parts[i]);
    int num = guestfs_part_to_partnum (fx->g, parts[i]);
    CLEANUP_FREE char *type = NULL;
    if (esp || !d || strcmp (d, disk) != 0 || num < 1)
      continue;
    type = guestfs_part_get_gpt_type (fx->g, disk, num);
    if (type && strcasecmp (type, GPT_ESP) == 0)
      esp = xstrdup (parts[i]);
  }
  for (size_t i = 0; parts && parts[i]; ++i)
    free (parts[i]);
  free (parts);
  return esp;
}

int
win_esp_check (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  bool has_fallback, has_bootmgfw;

  if (!w->uefi)
    return 0;
  w->esp = find_esp (fx);
  if (w->esp == NULL)
    return 0;                   /* ESP elsewhere: nothing we can check */
  if (guestfs_mount_ro (fx->g, w->esp, "/") == -1)
    return gfs_error (fx->g, w->esp);
  has_fallback = guestfs_is_file (fx->g, fallback_path (fx)) > 0;
  has_bootmgfw = guestfs_is_file (fx->g, BOOTMGFW) > 0;
  if (guestfs_umount_all (fx->g) == -1)
    return gfs_error (fx->g, w->esp);
  if (!has_fallback && !has_bootmgfw) {
    set_error (ENOENT, "'%s': the UEFI system partition has neither %s nor "
               "%s: converted, the guest could not boot", w->esp,
               fallback_path (fx) + 1, BOOTMGFW + 1);
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  w->esp_fallback = !has_fallback;
  return 0;
}

int
win_esp_fallback (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  const char *to = fallback_path (fx);

  if (!w->esp_fallback)
    return 0;
  if (guestfs_umount_all (fx->g) == -1 ||
      guestfs_mount (fx->g, w->esp, "/") == -1 ||
      guestfs_mkdir_p (fx->g, "/EFI/Boot") == -1 ||
      guestfs_cp (fx->g, BOOTMGFW, to) == -1 ||
      guestfs_umount_all (fx->g) == -1 ||
      guestfs_mount (fx->g, fx->in->root, "/") == -1)
    return gfs_error (fx->g, w->esp);
  w->esp_fallback_added = true;
  return 0;
}
