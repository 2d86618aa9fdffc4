/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Linux initramfs images, read and rewritten in memory.
 *
 * What the kernel unpacks at boot (Documentation/driver-api/early-userspace/
 * buffer-format.rst, init/initramfs.c): a concatenation of "newc" cpio
 * archives (cpio(5): 110-byte ASCII header "070701"/"070702", name and
 * data each padded to 4 bytes, ended by "TRAILER!!!"), each optionally
 * compressed, separated by NUL padding.  Later entries overwrite earlier
 * ones.  initramfs-tools writes [early uncompressed cpios (microcode)] +
 * one compressed main archive; dracut the same.
 *
 * This module lets the Linux fixup change a few files of the main archive
 * (add the virtio modules, update the module indexes and copied config)
 * without running the guest's initramfs generator under emulation:
 *   - initramfs_parse keeps the early segments verbatim and decompresses
 *     the last one (gzip or zstd; anything else is ENOTSUP: the caller
 *     falls back to the guest's own tool);
 *   - initramfs_put/initramfs_remove edit its entry list;
 *   - initramfs_write emits early segments + the main archive with the
 *     same compression, untouched entries byte for byte.
 * Input is the guest's, so untrusted: every size and offset is checked,
 * a corrupt image is EINVAL naming it, nothing is ever extracted to disk.
 */
#ifndef V2K_INITRAMFS_H
#define V2K_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vector.h"

/* Caps on untrusted values. */
/* Bytes of the unpacked main archive: at most IRD_MAX_RATIO times its
 * compressed size (IRD_MIN_UNPACKED is always allowed), and never more
 * than IRD_MAX_UNPACKED.  Debian 12's image for its 6.1 kernel is 32 MiB
 * of zstd unpacking to 136 MiB (4.2x); a 32 KiB archive that unpacks to
 * a GiB is a bomb. */
#define IRD_MAX_UNPACKED ((size_t) 1 << 30)
#define IRD_MIN_UNPACKED ((size_t) 64 << 20)
#define IRD_MAX_RATIO 32
#define IRD_MAX_ENTRIES 1000000

enum ird_codec { IRD_NONE, IRD_GZIP, IRD_ZSTD };

struct ird_entry {
  char *name;                   /* no leading "./" or "/"; "." is the root */
  uint32_t ino, mode, uid, gid, nlink, mtime;
  const uint8_t *raw;           /* an untouched entry's header..padded data */
  size_t raw_len;               /* (NULL for added or replaced entries) */
  const uint8_t *data;          /* file bytes, or a symlink's target */
  size_t size;
  uint8_t *owned;               /* data allocated by initramfs_put */
  bool removed;
};
DEFINE_VECTOR_TYPE (ird_entry_list, struct ird_entry);

struct initramfs {
  char *name;                   /* the image, for messages */
  uint8_t *early;               /* segments before the last, verbatim */
  size_t early_len;
  enum ird_codec codec;         /* of the last segment */
  uint8_t *main;                /* the last segment, uncompressed */
  size_t main_len;
  ird_entry_list entries;       /* of the last segment, in order */
};

/* Parse the image buf[0..len) (borrowed only during the call).  0, or -1
 * after set_error: EINVAL for a corrupt image, ENOTSUP for a compression
 * or layout this module does not rewrite, EFBIG past the caps. */
int initramfs_parse (const char *name, const uint8_t *buf, size_t len,
                     struct initramfs *ird);

/* The live entry called name (normalised like entry names), or NULL. */
struct ird_entry *initramfs_find (struct initramfs *ird, const char *name);

/* Make name a regular file (mode: permission bits) holding a copy of
 * data, replacing an entry of that name, creating missing parent
 * directories (0755).  -1 + ENOTSUP if name is a hard-linked file or a
 * directory (we do not rewrite those), else 0. */
int initramfs_put (struct initramfs *ird, const char *name, uint32_t perm,
                   const void *data, size_t size);

/* Drop the entry called name, if any (not a directory's children). */
void initramfs_remove (struct initramfs *ird, const char *name);

/* The whole image: early segments, then the main archive compressed with
 * ird->codec at level (0: the codec's default).  *out is owned by the
 * caller.  0, or -1 after set_error. */
int initramfs_write (const struct initramfs *ird, int level,
                     uint8_t **out, size_t *out_len);

const char *initramfs_codec_name (enum ird_codec codec);
void initramfs_free (struct initramfs *ird);

#endif /* V2K_INITRAMFS_H */
