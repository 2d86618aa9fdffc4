/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: raw disk images.  The virtual disk is the file; the allocation
 * map comes from the file system (SEEK_DATA/SEEK_HOLE, see bfile.c). */
#include <config.h>

#include "blk.h"

static int
raw_probe (const uint8_t *head, size_t head_len,
           const uint8_t *tail, size_t tail_len)
{
  return 1;                     /* anything can be raw: the fallback */
}

static void *
raw_open (struct blk *self, struct bfile *file)
{
  blk_set_size (self, file->size);
  return file;
}

static int
raw_pread (void *h, void *buf, size_t count, uint64_t offset)
{
  return bfile_pread (h, buf, count, offset);
}

static int
raw_extents (void *h, uint64_t offset, uint64_t count, extent_list *out)
{
  return bfile_extents (h, offset, count, out);
}

static void
raw_close (void *h)
{
  /* The file belongs to the core. */
}

const struct blk_driver raw_blk = {
  .name    = "raw",
  .probe   = raw_probe,
  .open    = raw_open,
  .pread   = raw_pread,
  .extents = raw_extents,
  .close   = raw_close,
};
