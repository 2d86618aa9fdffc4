/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: disk-writer core (see writer.h): the temporary file, the
 * ordering contract, zero detection and the hand-off of compression to
 * worker threads.
 *
 * The temporary-name-then-rename dance follows the usual POSIX recipe
 * for atomic replacement (write, fsync(file), rename(2), fsync(dir)), so
 * after a crash either the old OUTPUT or the complete new one exists.
 * Devices (a block device, /dev/null) cannot be renamed onto and are
 * written in place.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "iszero.h"
#include "writer.h"
#include "xalloc.h"

#define WRITEBACK_KICK (32 * 1024 * 1024)

struct writer {
  const struct writer_driver *drv;
  void *h;
  int fd;
  char *path;                   /* final name */
  char *tmp;                    /* temporary name, or NULL for a device */
  uint64_t size;
  uint32_t block_size;
  bool zero_init;
  bool compress;
  bool finished;
  uint64_t pos;                 /* end of what was given so far */
  uint64_t unkicked;            /* bytes given since the last writeback kick */
};

struct writer_worker {
  void *c;                      /* driver's compressor state, or NULL */
};

/* Mark the current error as an output error. */
static void
output_error (void)
{
  error_set_kind (V2K_ERR_OUTPUT);
}

/* Create the temporary file next to path: ".NAME.v2kvm-tmp-XXXXXX". */
static int
create_temp (struct writer *w)
{
  CLEANUP_FREE char *d = xstrdup (w->path);
  CLEANUP_FREE char *b = xstrdup (w->path);
  const char *dir = dirname (d);
  const char *base = basename (b);

  w->tmp = xasprintf ("%s/.%s.v2kvm-tmp-XXXXXX", dir, base);
  w->fd = mkostemp (w->tmp, O_CLOEXEC);
  if (w->fd == -1) {
    set_error_errno ("cannot create a file in '%s'", dir);
    free (w->tmp);
    w->tmp = NULL;
    return -1;
  }
  /* mkstemp makes it 0600; a disk image gets the usual 0644 (umask). */
  mode_t mask = umask (0);
  umask (mask);
  fchmod (w->fd, 0666 & ~mask);
  return 0;
}

/* Open the output: an existing device in place, else a temporary file. */
static int
open_output (struct writer *w, bool force, bool *regular)
{
  struct stat st;

  *regular = true;
  if (stat (w->path, &st) == 0) {
    if (!force) {
      set_error (EEXIST, "'%s' already exists (use --force to replace it)",
                 w->path);
      return -1;
    }
    if (S_ISBLK (st.st_mode) || S_ISCHR (st.st_mode)) {
      *regular = false;
      w->fd = open (w->path, O_WRONLY | O_CLOEXEC);
      if (w->fd == -1) {
        set_error_errno ("cannot open '%s' for writing", w->path);
        return -1;
      }
      return 0;
    }
    if (S_ISDIR (st.st_mode)) {
      set_error (EISDIR, "'%s' is a directory", w->path);
      return -1;
    }
  }
  return create_temp (w);
}

struct writer *
writer_create (const char *format, const char *path, uint64_t size,
               const struct writer_options *opts)
{
  const struct writer_driver *drv = writer_find_driver (format);

  if (!drv) {
    set_error (ENOTSUP, "unknown output format '%s'", format);
    output_error ();
    return NULL;
  }
  return writer_create_driver (drv, path, size, opts);
}

struct writer *
writer_create_driver (const struct writer_driver *drv, const char *path,
                      uint64_t size, const struct writer_options *opts)
{
  struct writer *w;
  bool regular;

  w = xzalloc (sizeof *w);
  w->drv = drv;
  w->fd = -1;
  w->path = xstrdup (path);
  w->size = size;
  w->compress = opts->compress && drv->compress;
  if (opts->compress && !drv->compress) {
    set_error (ENOTSUP, "output format '%s' cannot be compressed", drv->name);
    goto fail;
  }
  if (open_output (w, opts->force, &regular) == -1)
    goto fail;
  w->h = drv->create (w->fd, w->tmp ? w->tmp : w->path, regular, size, opts,
                      &w->block_size, &w->zero_init);
  if (!w->h)
    goto fail;
  assert (is_power_of_2 (w->block_size));
  return w;

 fail:
  output_error ();
  writer_close (w);
  return NULL;
}

uint32_t
writer_block_size (const struct writer *w)
{
  return w->block_size;
}

bool
writer_zero_init (const struct writer *w)
{
  return w->zero_init;
}

struct writer_chunk *
writer_chunk_new (struct writer *w, size_t cap)
{
  struct writer_chunk *c = xzalloc (sizeof *c);

  c->cap = ROUND_UP (cap, (size_t) w->block_size);
  c->data = xmalloc (c->cap);
  if (w->compress)
    c->cdata = xmalloc (c->cap);
  c->blocks = xreallocarray (NULL, c->cap / w->block_size,
                             sizeof *c->blocks);
  return c;
}

void
writer_chunk_free (struct writer_chunk *c)
{
  if (!c)
    return;
  free (c->data);
  free (c->cdata);
  free (c->blocks);
  free (c);
}

struct writer_worker *
writer_worker_new (struct writer *w)
{
  struct writer_worker *ww = xzalloc (sizeof *ww);

  if (w->compress) {
    ww->c = w->drv->compressor_new (w->h);
    if (!ww->c) {
      output_error ();
      free (ww);
      return NULL;
    }
  }
  return ww;
}

void
writer_worker_free (struct writer *w, struct writer_worker *ww)
{
  if (!ww)
    return;
  if (ww->c)
    w->drv->compressor_free (ww->c);
  free (ww);
}

void
writer_prepare (struct writer *w, struct writer_worker *ww,
                struct writer_chunk *c)
{
  size_t bs = w->block_size;
  size_t padded = ROUND_UP (c->count, bs);
  size_t cpos = 0;

  assert (c->count > 0 && c->count <= c->cap);
  memset (c->data + c->count, 0, padded - c->count);
  c->nblocks = padded / bs;
  c->data_bytes = 0;
  for (size_t i = 0; i < c->nblocks; ++i) {
    const uint8_t *p = c->data + i * bs;
    struct writer_block *b = &c->blocks[i];

    b->clen = 0;
    if (is_zero (p, bs))
      b->kind = WRITER_BLOCK_ZERO;
    else {
      b->kind = WRITER_BLOCK_DATA;
      c->data_bytes += MIN (bs, c->count - i * bs);
      if (w->compress) {
        b->clen = w->drv->compress (w->h, ww->c, p, c->cdata + cpos, bs);
        if (b->clen > 0) {
          b->kind = WRITER_BLOCK_COMPRESSED;
          cpos += b->clen;
        }
      }
    }
  }
}

/* Check the ordering contract and zero any gap before offset when the
 * output does not read as zeros by itself. */
static int
advance_to (struct writer *w, uint64_t offset)
{
  assert (offset >= w->pos);
  assert (offset % w->block_size == 0 || offset == w->size);
  if (offset > w->pos && !w->zero_init) {
    if (w->drv->zero (w->h, w->pos, offset - w->pos) == -1) {
      output_error ();
      return -1;
    }
  }
  w->pos = offset;
  return 0;
}

/* Start writeback of what the file holds so far, every WRITEBACK_KICK
 * bytes: the disk works while we compute, dirty pages do not pile up to
 * the kernel's throttling limit, and the fsync in writer_finish() has
 * little left to do.  SYNC_FILE_RANGE_WRITE only starts the I/O. */
static void
kick_writeback (struct writer *w, uint64_t n)
{
  w->unkicked += n;
  if (w->unkicked >= WRITEBACK_KICK) {
    sync_file_range (w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    w->unkicked = 0;
  }
}

/* Append a run of n DATA bytes at offset from buf. */
static int
write_data (struct writer *w, const uint8_t *buf, size_t n, uint64_t offset)
{
  if (advance_to (w, offset) == -1)
    return -1;
  if (w->drv->pwrite (w->h, buf, n, offset) == -1) {
    output_error ();
    return -1;
  }
  w->pos = offset + n;
  kick_writeback (w, n);
  return 0;
}

int
writer_write_chunk (struct writer *w, const struct writer_chunk *c)
{
  size_t bs = w->block_size;
  const uint8_t *cp = c->cdata;
  size_t run = 0;               /* DATA blocks pending from run_start */
  size_t run_start = 0;

  assert (c->offset + c->count <= w->size);
  for (size_t i = 0; i <= c->nblocks; ++i) {
    enum writer_block_kind k =
      i < c->nblocks ? c->blocks[i].kind : WRITER_BLOCK_ZERO;

    if (k == WRITER_BLOCK_DATA) {
      if (run == 0)
        run_start = i;
      run++;
      continue;
    }
    if (run > 0) {              /* flush consecutive data blocks at once */
      size_t n = MIN (run * bs, c->count - run_start * bs);
      if (write_data (w, c->data + run_start * bs, n,
                      c->offset + run_start * bs) == -1)
        return -1;
      run = 0;
    }
    if (k == WRITER_BLOCK_COMPRESSED) {
      uint64_t off = c->offset + i * bs;
      if (advance_to (w, off) == -1)
        return -1;
      if (w->drv->pwrite_compressed (w->h, cp, c->blocks[i].clen, off) == -1) {
        output_error ();
        return -1;
      }
      cp += c->blocks[i].clen;
      kick_writeback (w, c->blocks[i].clen);
      w->pos = MIN (off + bs, w->size);
    }
  }
  return 0;
}

int
writer_pwrite (struct writer *w, const void *buf, size_t count,
               uint64_t offset)
{
  struct writer_worker *ww;
  struct writer_chunk *c;
  int r;

  if (count == 0)
    return 0;
  ww = writer_worker_new (w);
  if (!ww)
    return -1;
  c = writer_chunk_new (w, count);
  memcpy (c->data, buf, count);
  c->offset = offset;
  c->count = count;
  writer_prepare (w, ww, c);
  r = writer_write_chunk (w, c);
  writer_chunk_free (c);
  writer_worker_free (w, ww);
  return r;
}

/* fsync the directory holding path, so the rename is durable. */
static int
sync_dir (const char *path)
{
  CLEANUP_FREE char *d = xstrdup (path);
  int fd = open (dirname (d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd == -1)
    return 0;                   /* best effort */
  fsync (fd);
  close (fd);
  return 0;
}

int
writer_finish (struct writer *w)
{
  assert (!w->finished);
  if (advance_to (w, w->size) == -1)
    return -1;
  if (w->drv->finish (w->h) == -1)
    goto fail;
  if (fsync (w->fd) == -1 && errno != EINVAL) {
    set_error_errno ("cannot sync '%s'", w->path);
    goto fail;
  }
  if (w->tmp) {
    if (rename (w->tmp, w->path) == -1) {
      set_error_errno ("cannot rename '%s' to '%s'", w->tmp, w->path);
      goto fail;
    }
    free (w->tmp);
    w->tmp = NULL;
    sync_dir (w->path);
  }
  w->finished = true;
  return 0;

 fail:
  output_error ();
  return -1;
}

uint64_t
writer_disk_usage (const struct writer *w)
{
  struct stat st;

  if (fstat (w->fd, &st) == -1 || !S_ISREG (st.st_mode))
    return 0;
  return (uint64_t) st.st_blocks * 512;
}

void
writer_close (struct writer *w)
{
  if (!w)
    return;
  if (w->h)
    w->drv->close (w->h);
  if (w->fd >= 0)
    close (w->fd);
  if (w->tmp)
    unlink (w->tmp);
  free (w->tmp);
  free (w->path);
  free (w);
}

int
writer_write_all (int fd, const char *name, const void *buf, size_t n,
                  uint64_t off)
{
  const char *p = buf;

  while (n > 0) {
    ssize_t k = pwrite (fd, p, n, (off_t) off);
    if (k == -1) {
      if (errno == EINTR)
        continue;
      set_error_errno ("cannot write '%s'", name);
      return -1;
    }
    p += k;
    n -= (size_t) k;
    off += (uint64_t) k;
  }
  return 0;
}

const struct writer_driver *
writer_find_driver (const char *name)
{
  for (size_t i = 0; writer_drivers[i]; ++i)
    if (strcmp (writer_drivers[i]->name, name) == 0)
      return writer_drivers[i];
  return NULL;
}
