/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: libguestfs handle, root choice, inspection and mounting (see
 * inspect.c).  Internal to guest-fixups/.  Each returns NULL/-1 after
 * set_error. */
#ifndef V2K_INSPECT_H
#define V2K_INSPECT_H

#include <stdbool.h>

#include <guestfs.h>

#include "fixup.h"

/* Create a handle with the disks added (read-only overlay when
 * opts->dry_run) and launch the appliance, retrying with TCG when KVM
 * fails and opts->accel is auto.  *used_tcg says which ran. */
guestfs_h *inspect_launch (const char *const *disks,
                           const char *const *formats, size_t n,
                           const struct fixup_options *opts, bool *used_tcg);

/* Close a handle from inspect_launch (and forget its appliance, which a
 * SIGINT/SIGTERM would otherwise kill). */
void inspect_close (guestfs_h *g);

/* Run inspection and choose the root per how ("single", "first" or a
 * device).  Returns the root (owned). */
char *inspect_choose_root (guestfs_h *g, const char *how);

/* Fill *in for root (strings owned by *in). */
int inspect_fill (guestfs_h *g, const char *root, struct inspect *in);

/* (Re)mount the root's filesystems (shortest mountpoint first), read-only
 * or read-write.  Only the root filesystem failing to mount is an error.
 * Checks run on a read-only mount, so a guest refused is not touched
 * (not even its superblock's mount count). */
int inspect_mount (guestfs_h *g, struct inspect *in, bool readonly);

/* BIOS or UEFI from the mounted layout; *esp (owned) the ESP's guest
 * device name for UEFI. */
void inspect_firmware (const struct inspect *in, struct guestcaps *caps,
                       char **esp);

/* "/dev/sdb2" (appliance) -> "/dev/vdb2" (guest on virtio-blk). */
char *inspect_guest_device (const char *dev);

void inspect_free (struct inspect *in);

#endif /* V2K_INSPECT_H */
