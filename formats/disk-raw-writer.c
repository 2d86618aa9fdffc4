/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: raw (sparse) disk writer.
 *
 * A new regular file is ftruncate'd to the virtual size, so it reads as
 * zeros and every range that is never written stays a hole: only data
 * is written.  A device (a block device, /dev/null) given with --force is
 * written in place; it may hold old data, so ranges that must read as
 * zero are zeroed: fallocate(FALLOC_FL_ZERO_RANGE), else
 * ioctl(BLKZEROOUT), else plain writes of zeros (nbdcopy file-ops.c uses
 * the same fallbacks).  Zero detection granularity is 4 KiB, as qemu-img
 * convert's default min_sparse.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked.h"
#include "error.h"
#include "writer.h"
#include "xalloc.h"

#define RAW_BLOCK_SIZE 4096
#define ZERO_BUF_SIZE (1024 * 1024)

struct raww {
  int fd;
  char *name;
  uint64_t size;
  bool is_blk;
};

/* pwrite all of buf at off. */
static int
raww_write_all (struct raww *r, const void *buf, size_t n, uint64_t off)
{
  return writer_write_all (r->fd, r->name, buf, n, off);
}

static void *
raww_create (int fd, const char *name, bool regular, uint64_t size,
             const struct writer_options *opts,
             uint32_t *block_size, bool *zero_init)
{
  struct raww *r;
  struct stat st;

  if (regular && ftruncate (fd, (off_t) size) == -1) {
    set_error_errno ("cannot set the size of '%s'", name);
    return NULL;
  }
  r = xzalloc (sizeof *r);
  r->fd = fd;
  r->name = xstrdup (name);
  r->size = size;
  r->is_blk = fstat (fd, &st) == 0 && S_ISBLK (st.st_mode);
  *block_size = RAW_BLOCK_SIZE;
  *zero_init = regular;
  return r;
}

static int
raww_pwrite (void *h, const void *buf, size_t count, uint64_t offset)
{
  return raww_write_all (h, buf, count, offset);
}

/* Only for devices: make [offset, offset+count) read as zeros. */
static int
raww_zero (void *h, uint64_t offset, uint64_t count)
{
  struct raww *r = h;
  static const char zeros[ZERO_BUF_SIZE];

  if (fallocate (r->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
                 (off_t) offset, (off_t) count) == 0)
    return 0;
  if (r->is_blk) {
    uint64_t range[2] = { offset, count };
    if (ioctl (r->fd, BLKZEROOUT, range) == 0)
      return 0;
  }
  while (count > 0) {
    size_t n = MIN (count, (uint64_t) sizeof zeros);
    if (raww_write_all (r, zeros, n, offset) == -1)
      return -1;
    offset += n;
    count -= n;
  }
  return 0;
}

static int
raww_finish (void *h)
{
  return 0;                     /* no metadata; the core fsyncs */
}

static void
raww_close (void *h)
{
  struct raww *r = h;

  free (r->name);
  free (r);
}

const struct writer_driver raw_writer = {
  .name   = "raw",
  .create = raww_create,
  .pwrite = raww_pwrite,
  .zero   = raww_zero,
  .finish = raww_finish,
  .close  = raww_close,
};
