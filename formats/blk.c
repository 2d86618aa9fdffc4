/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: block-source core: probe, open, checked calls (see blk.h). */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "blk.h"
#include "cleanup.h"
#include "checked.h"
#include "error.h"
#include "xalloc.h"

/* Pick the driver for file by probing its head and tail. */
static const struct blk_driver *
probe (struct bfile *file, bool *by_fallback)
{
  uint8_t head[BLK_PROBE_HEAD], tail[BLK_PROBE_TAIL];
  size_t head_len = MIN (file->size, (uint64_t) sizeof head);
  size_t tail_len = MIN (file->size, (uint64_t) sizeof tail);
  const struct blk_driver *best = NULL;
  int best_score = -1;

  if (bfile_pread (file, head, head_len, 0) == -1 ||
      bfile_pread (file, tail, tail_len, file->size - tail_len) == -1)
    return NULL;
  for (size_t i = 0; blk_drivers[i]; ++i) {
    int score = blk_drivers[i]->probe (head, head_len, tail, tail_len);
    debug ("probe %s: %s scores %d", file->name, blk_drivers[i]->name, score);
    if (score > best_score) {
      best = blk_drivers[i];
      best_score = score;
    }
  }
  *by_fallback = best_score <= 1;
  return best;
}

static const struct blk_open_options no_options;

static struct blk *
open_at_depth (struct bfile *file, const struct blk_open_options *opts,
               struct blk *child, struct blk *override)
{
  const char *format = opts->format;
  const struct blk_driver *drv;
  bool fallback = false;
  struct blk *b;

  if (format) {
    drv = blk_find_driver (format);
    if (!drv) {
      set_error (ENOTSUP, "unknown disk format '%s'", format);
      bfile_close (file);
      return NULL;
    }
  }
  else {
    drv = probe (file, &fallback);
    if (!drv) {
      bfile_close (file);
      return NULL;
    }
  }
  if (fallback && !child && !opts->raw_expected)
    warning ("format-unknown", "'%s': format not recognised, reading it as raw", file->name);

  b = xzalloc (sizeof *b);
  b->drv = drv;
  b->file = file;
  b->name = xstrdup (file->name);
  b->child = child;
  b->depth = child ? child->depth + 1 : 0;
  b->backing_override = override;
  b->opts = opts;
  string_vector_append (&b->files, xstrdup (file->name));
  b->handle = drv->open (b, file);
  b->opts = NULL;
  if (!b->handle) {
    b->drv = NULL;
    blk_close (b);
    return NULL;
  }
  return b;
}

struct blk *
blk_open_file (struct bfile *file, const struct blk_open_options *opts)
{
  if (opts && opts->allow_external_refs)
    bfile_allow_external_refs (file);   /* local or remote alike */
  return open_at_depth (file, opts ? opts : &no_options, NULL, NULL);
}

struct blk *
blk_open_overlay (const char *path, struct blk *base)
{
  const struct blk_open_options opts = { .format = "qcow2" };
  struct bfile *file = bfile_open (path);

  if (!file)
    return NULL;
  return open_at_depth (file, &opts, NULL, base);
}

/* The file a driver opens in directory dir (malloc'd), or NULL +
 * set_error when no driver claims it. */
static char *
file_in_dir (const char *dir)
{
  char *file = NULL;

  for (size_t i = 0; blk_drivers[i]; ++i) {
    int r;
    if (!blk_drivers[i]->open_dir)
      continue;
    r = blk_drivers[i]->open_dir (dir, &file);
    if (r == -1)
      return NULL;
    if (r == 1)
      return file;
  }
  set_error (EISDIR, "'%s' is a directory, not a disk image", dir);
  return NULL;
}

struct blk *
blk_open (const char *path, const struct blk_open_options *opts)
{
  CLEANUP_FREE char *inner = NULL;
  struct bfile *file;
  struct stat st;

  if (!opts)
    opts = &no_options;
  if (opts->format && !blk_find_driver (opts->format)) {
    set_error (ENOTSUP, "unknown disk format '%s'", opts->format);
    return NULL;
  }
  if (opts->referrer) {
    file = bfile_open_ref (opts->referrer, path, opts->allow_external_refs);
    return file ? blk_open_file (file, opts) : NULL;
  }
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
    inner = file_in_dir (path);
    if (!inner)
      return NULL;
    path = inner;
  }
  file = bfile_open (path);
  if (!file)
    return NULL;
  return blk_open_file (file, opts);
}

struct blk *
blk_open_backing (struct blk *self, const char *name, const char *format)
{
  struct blk_open_options opts = *self->opts;
  struct bfile *file;
  struct blk *b;

  if (self->depth + 1 >= BLK_MAX_CHAIN) {
    set_error (ELOOP, "'%s': backing chain is longer than %d files "
               "(a loop?)", self->name, BLK_MAX_CHAIN);
    return NULL;
  }
  file = bfile_open_sibling (self->file, name);
  if (!file) {
    if (get_errno () != EACCES)   /* a refusal names both already */
      prepend_error ("'%s': cannot open its parent '%s': ", self->name,
                     name);
    return NULL;
  }
  for (struct blk *p = self; p; p = p->child) {
    if (bfile_same (p->file, file)) {
      set_error (ELOOP, "'%s': backing chain loops: its parent '%s' is "
                 "already in the chain", self->name, file->name);
      bfile_close (file);
      return NULL;
    }
  }
  opts.format = format;
  b = open_at_depth (file, &opts, self, NULL);
  if (b)
    self->backing = b;
  return b;
}

struct bfile *
blk_open_sibling (struct blk *self, const char *name)
{
  struct bfile *f = bfile_open_sibling (self->file, name);

  if (f)
    string_vector_append (&self->files, xstrdup (f->name));
  return f;
}

void
blk_set_size (struct blk *self, uint64_t size)
{
  self->size = size;
}

void
blk_set_subformat (struct blk *self, const char *subformat)
{
  free (self->subformat);
  self->subformat = subformat ? xstrdup (subformat) : NULL;
}

int
blk_pread (struct blk *b, void *buf, size_t count, uint64_t offset)
{
  uint64_t end;

  if (count == 0)
    return 0;
  if (ADD_OVERFLOW (offset, (uint64_t) count, &end) || end > b->size) {
    set_error (EINVAL, "'%s': read past the end of the virtual disk "
               "(offset %" PRIu64 ", %zu bytes, size %" PRIu64 ")",
               b->name, offset, count, b->size);
    return -1;
  }
  return b->drv->pread (b->handle, buf, count, offset);
}

int
blk_extents (struct blk *b, uint64_t offset, uint64_t count,
             extent_list *out)
{
  extent_list tmp = empty_vector;
  uint64_t end;
  size_t i;

  if (count == 0 || offset >= b->size)
    return 0;
  end = MIN (offset + count, b->size);
  if (!b->drv->extents) {
    extent_list_add (out, offset, end - offset, EXT_DATA);
    return 0;
  }
  if (b->drv->extents (b->handle, offset, end - offset, &tmp) == -1) {
    extent_list_reset (&tmp);
    return -1;
  }
  /* A violation here is a driver bug, not bad input. */
  assert (extent_list_valid (&tmp, offset));
  for (i = 0; i < tmp.len; ++i) {
    uint64_t s = MAX (tmp.ptr[i].offset, offset);
    uint64_t e = MIN (tmp.ptr[i].offset + tmp.ptr[i].length, end);
    if (s < e) {
      if (out->len > 0) {
        const struct extent *last = &out->ptr[out->len - 1];
        if (last->offset + last->length != s) {
          /* Caller's list did not end at offset: start a fresh run. */
          extent_list_append (out, (struct extent) {
              .offset = s, .length = e - s, .type = tmp.ptr[i].type });
          continue;
        }
      }
      extent_list_add (out, s, e - s, tmp.ptr[i].type);
    }
  }
  extent_list_reset (&tmp);
  return 0;
}

int
blk_backing_pread (struct blk *backing, void *buf, size_t count,
                   uint64_t offset)
{
  size_t n = 0;

  if (backing && offset < backing->size) {
    n = MIN ((uint64_t) count, backing->size - offset);
    if (blk_pread (backing, buf, n, offset) == -1)
      return -1;
  }
  memset ((char *) buf + n, 0, count - n);
  return 0;
}

int
blk_backing_extents (struct blk *backing, uint64_t offset, uint64_t len,
                     extent_list *out)
{
  uint64_t end = offset + len;

  while (backing && offset < MIN (end, backing->size)) {
    /* blk_extents adds at least one extent, merged or not. */
    if (blk_extents (backing, offset, MIN (end, backing->size) - offset,
                     out) == -1)
      return -1;
    offset = out->ptr[out->len - 1].offset + out->ptr[out->len - 1].length;
  }
  if (offset < end)
    extent_list_add (out, offset, end - offset, EXT_HOLE);
  return 0;
}

int64_t
blk_allocated (struct blk *b)
{
  extent_list list = empty_vector;
  uint64_t pos = 0, total = 0;

  while (pos < b->size) {
    list.len = 0;
    if (blk_extents (b, pos, b->size - pos, &list) == -1) {
      extent_list_reset (&list);
      return -1;
    }
    for (size_t i = 0; i < list.len; ++i)
      if (list.ptr[i].type == EXT_DATA)
        total += list.ptr[i].length;
    pos = list.ptr[list.len - 1].offset + list.ptr[list.len - 1].length;
  }
  extent_list_reset (&list);
  return (int64_t) total;
}

void
blk_close (struct blk *b)
{
  if (!b)
    return;
  if (b->drv && b->handle)
    b->drv->close (b->handle);
  bfile_close (b->file);
  free (b->name);
  free (b->subformat);
  string_vector_free_all (&b->files);
  free (b);
}
