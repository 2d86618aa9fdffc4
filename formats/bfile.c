/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: plain-file implementation of bfile (see bfile.h).
 *
 * Extents come from lseek(SEEK_DATA/SEEK_HOLE), as in libnbd's nbdcopy
 * copy/file-ops.c; a filesystem without them reports all data. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bfile.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

static int
plain_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  char *p = buf;

  while (count > 0) {
    ssize_t r = pread (f->fd, p, count, (off_t) (f->base + offset));
    if (r == -1) {
      if (errno == EINTR)
        continue;
      set_error_errno ("cannot read '%s' at offset %" PRIu64, f->name, offset);
      return -1;
    }
    if (r == 0) {
      set_error (EINVAL, "'%s': unexpected end of file at offset %" PRIu64
                 " (file is truncated)", f->name, offset);
      return -1;
    }
    p += r;
    count -= r;
    offset += r;
  }
  return 0;
}

static int
plain_extents (struct bfile *f, uint64_t offset, uint64_t count,
               extent_list *out)
{
  uint64_t end = f->size;
  uint64_t pos = offset;

  /* Only whole plain files: for a range inside an archive, SEEK_DATA
   * answers for the container and the range is reported as data. */
  if (f->base != 0) {
    extent_list_add (out, offset, end - offset, EXT_DATA);
    return 0;
  }
  while (pos < end && pos < offset + count) {
    off_t d = lseek (f->fd, (off_t) pos, SEEK_DATA);
    if (d == -1 && errno == ENXIO)
      d = (off_t) end;                  /* hole up to the end */
    else if (d == -1) {                 /* no SEEK_DATA: all data */
      extent_list_add (out, pos, end - pos, EXT_DATA);
      return 0;
    }
    if ((uint64_t) d > end)
      d = (off_t) end;
    extent_list_add (out, pos, (uint64_t) d - pos, EXT_HOLE);
    pos = (uint64_t) d;
    if (pos >= end)
      break;
    off_t h = lseek (f->fd, (off_t) pos, SEEK_HOLE);
    if (h == -1 || (uint64_t) h > end)
      h = (off_t) end;
    extent_list_add (out, pos, (uint64_t) h - pos, EXT_DATA);
    pos = (uint64_t) h;
  }
  return 0;
}

/* Siblings of a plain file: relative names are relative to its
 * directory.  An absolute name that does not exist (an ESXi descriptor
 * copied off /vmfs/volumes/...) falls back to its basename beside the
 * descriptor, with a warning. */
static struct bfile *
plain_open_sibling (struct bfile *f, const char *name)
{
  CLEANUP_FREE char *dircopy = xstrdup (f->name);
  CLEANUP_FREE char *path = NULL;
  const char *dir = dirname (dircopy);

  if (name[0] == '/') {
    if (access (name, F_OK) == 0)
      return bfile_open (name);
    CLEANUP_FREE char *namecopy = xstrdup (name);
    path = xasprintf ("%s/%s", dir, basename (namecopy));
    if (access (path, F_OK) == 0) {
      warning ("'%s' does not exist, using '%s' instead", name, path);
      return bfile_open (path);
    }
    return bfile_open (name);           /* reports the original name */
  }
  path = xasprintf ("%s/%s", dir, name);
  return bfile_open (path);
}

static void
plain_close (struct bfile *f)
{
  close (f->fd);
  free (f->name);
  free (f);
}

static const struct bfile_ops plain_ops = {
  .pread = plain_pread,
  .extents = plain_extents,
  .open_sibling = plain_open_sibling,
  .close = plain_close,
};

struct bfile *
bfile_open (const char *path)
{
  struct stat st;
  struct bfile *f;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    set_error_errno ("cannot open '%s'", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    set_error_errno ("cannot stat '%s'", path);
    close (fd);
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    set_error (EISDIR, "'%s' is a directory, not a disk image", path);
    close (fd);
    return NULL;
  }
  f = xzalloc (sizeof *f);
  f->ops = &plain_ops;
  f->name = xstrdup (path);
  f->fd = fd;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  if (S_ISBLK (st.st_mode)) {
    off_t end = lseek (fd, 0, SEEK_END);
    f->size = end > 0 ? (uint64_t) end : 0;
  }
  else
    f->size = (uint64_t) st.st_size;
  return f;
}

static int
range_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  return plain_pread (f, buf, count, offset);
}

static const struct bfile_ops range_ops = {
  .pread = range_pread,
};

struct bfile *
bfile_new_range (int fd, uint64_t base, uint64_t size, const char *name,
                 const struct bfile_ops *ops, void *priv)
{
  struct bfile *f = xzalloc (sizeof *f);
  struct stat st;

  f->ops = ops ? ops : &range_ops;
  f->name = xstrdup (name);
  f->fd = fd;
  f->base = base;
  f->size = size;
  f->priv = priv;
  if (fstat (fd, &st) == 0) {
    f->dev = st.st_dev;
    f->ino = st.st_ino;
  }
  return f;
}

int
bfile_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  uint64_t end;

  if (count == 0)
    return 0;
  if (ADD_OVERFLOW (offset, (uint64_t) count, &end) || end > f->size) {
    set_error (EINVAL, "'%s': read of %zu bytes at offset %" PRIu64
               " is past the end of the file (%" PRIu64 " bytes): "
               "file is truncated or corrupt", f->name, count, offset,
               f->size);
    return -1;
  }
  return f->ops->pread (f, buf, count, offset);
}

int
bfile_extents (struct bfile *f, uint64_t offset, uint64_t count,
               extent_list *out)
{
  if (offset >= f->size) {
    set_error (EINVAL, "'%s': extents query past end of file", f->name);
    return -1;
  }
  if (f->ops->extents)
    return f->ops->extents (f, offset, count, out);
  extent_list_add (out, offset, f->size - offset, EXT_DATA);
  return 0;
}

struct bfile *
bfile_open_sibling (struct bfile *f, const char *name)
{
  if (!f->ops->open_sibling) {
    set_error (ENOENT, "'%s': cannot open '%s' next to it", f->name, name);
    return NULL;
  }
  return f->ops->open_sibling (f, name);
}

void
bfile_close (struct bfile *f)
{
  if (!f)
    return;
  if (f->ops->close)
    f->ops->close (f);
  else {
    free (f->name);
    free (f);
  }
}

int
bfile_same (const struct bfile *a, const struct bfile *b)
{
  /* Remote files (bfile-remote.h) have no descriptor; their names are
   * the transport's resolved paths behind one prefix. */
  if (a->fd == -1 || b->fd == -1)
    return a->fd == b->fd && strcmp (a->name, b->name) == 0;
  return a->dev == b->dev && a->ino == b->ino && a->base == b->base;
}
