/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the "ova" block-source driver: the chosen disk of an OVA (tar,
 * .ovf or directory; opened by archive-ova.c) read in place as a tar
 * member and handed to the usual readers.  Why gzip members are the one
 * exception, and when the manifest is checked, is told at the top of
 * archive-ova.c; the options are blk_open_options' archive members
 * (blk.h).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "blk.h"
#include "cfg-ovf.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "archive-ova.h"
#include "xalloc.h"

extern const struct blk_driver ova_blk;

static int
ova_probe (const uint8_t *head, size_t head_len,
           const uint8_t *tail, size_t tail_len)
{
  if (ova_head_is_tar (head, head_len)) {
    if (strncmp ((const char *) head, "ova.xml", 100) == 0)
      return 0;                         /* an XVA */
    return ova_has_suffix (strndupa ((const char *) head, 100), ".ovf")
      ? 95 : 50;
  }
  if (head_len > 0 && head[0] == '<' &&
      memmem (head, head_len, "Envelope", 8) &&
      memmem (head, head_len, "dmtf.org/ovf/envelope", 21))
    return 95;
  return 0;
}

/* The manifest check running beside the copy: it reads the members on
 * its own (pread on the shared descriptor is thread-safe), and leaves
 * its result for archive_verify_finish(). */
static void *
verify_thread (void *arg)
{
  struct ova *o = arg;

  if (ova_verify_loaded (o, NULL, NULL, &o->cancel) == -1) {
    o->verify_errno = get_errno () ? get_errno () : EIO;
    o->verify_msg = xstrdup (get_error ());
  }
  return NULL;
}

int
archive_verify_finish (struct blk *b)
{
  struct ova *o;

  if (b->drv != &ova_blk)
    return 0;
  o = b->handle;
  if (o->thread_running) {
    pthread_join (o->thread, NULL);
    o->thread_running = false;
  }
  if (o->verify_msg) {
    set_error (o->verify_errno, "%s", o->verify_msg);
    return -1;
  }
  return 0;
}

/* Index (0-based) of the disk chosen by sel (blk_open_options.disk). */
static int
choose_disk (const struct ova *o, const char *sel)
{
  size_t n = o->disks.len;
  char *end;
  unsigned long i;

  if (n == 0) {
    set_error (EINVAL, "'%s': the OVF lists no disks", o->ovf->name);
    return -1;
  }
  if (!sel) {
    if (n == 1)
      return 0;
    set_error (EINVAL, "'%s' has %zu disks: choose one with --disk N "
               "(1 to %zu, in OVF order)", o->ovf->name, n, n);
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  /* The converter names disks by their File href (guest_disk.ref). */
  for (size_t k = 0; k < n; ++k)
    if (o->disks.ptr[k].href && strcmp (o->disks.ptr[k].href, sel) == 0)
      return (int) k;
  i = strtoul (sel, &end, 10);
  if (*end || end == sel || i < 1 || i > n) {
    set_error (EINVAL, "--disk %s: '%s' has disks 1 to %zu", sel,
               o->ovf->name, n);
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  return (int) i - 1;
}

/* A disk that is itself an OVA or OVF (by the probe that would pick this
 * driver for it) is refused: opening it would recurse, forever when an
 * OVF names itself or its own archive, and an appliance is never a disk.
 * 0, or -1 + set_error. */
static int
check_not_appliance (struct ova *o, const struct ovf_disk *d,
                     struct bfile *f)
{
  uint8_t head[BLK_PROBE_HEAD], tail[BLK_PROBE_TAIL];
  size_t head_len = MIN (f->size, (uint64_t) sizeof head);
  size_t tail_len = MIN (f->size, (uint64_t) sizeof tail);

  if (bfile_pread (f, head, head_len, 0) == -1 ||
      bfile_pread (f, tail, tail_len, f->size - tail_len) == -1)
    return -1;
  if (ova_probe (head, head_len, tail, tail_len) > 0) {
    set_error (EINVAL, "'%s': disk '%s' is an OVA or OVF itself, not a disk "
               "image (a reference back to the appliance?)", o->ovf->name,
               d->href);
    return -1;
  }
  return 0;
}

static struct blk *
open_inner (struct ova *o, const struct ovf_disk *d,
            const struct blk_open_options *opts)
{
  struct blk_open_options inner = *opts;
  struct bfile *f;

  if (!d->href) {
    set_error (ENOTSUP, "'%s': disk '%s' has no file (an empty disk to "
               "create)", o->ovf->name, d->id ? d->id : "?");
    return NULL;
  }
  if (d->chunked) {
    set_error (ENOTSUP, "'%s': file '%s' is split in chunks (ovf:chunkSize),"
               " which is not supported", o->ovf->name, d->href);
    return NULL;
  }
  f = bfile_open_sibling (o->ovf, d->href);
  if (!f) {
    prepend_error ("'%s': disk '%s': ", o->ovf->name, d->href);
    return NULL;
  }
  if (d->gzip) {
    uint64_t max = ova_gunzip_limit (f->name, d->capacity);
    if (max == 0) {
      bfile_close (f);
      return NULL;
    }
    if (!(f = ova_gunzip_member (f, max)))
      return NULL;
  }
  if (check_not_appliance (o, d, f) == -1) {
    bfile_close (f);
    return NULL;
  }
  /* The member is probed; the archive options stop here. */
  inner.format = NULL;
  inner.disk = NULL;
  return blk_open_file (f, &inner);
}

static void *
ova_open (struct blk *self, struct bfile *file)
{
  const struct blk_open_options *opts = self->opts;
  struct ova *o = ova_load (file);
  const struct ovf_disk *d;
  CLEANUP_FREE char *sub = NULL;
  int i;

  if (!o)
    return NULL;
  if (opts->verified_elsewhere)
    ;
  else if (opts->no_verify)
    warning ("no-verify", "'%s': --no-verify: the manifest is not checked", file->name);
  else if (opts->verify_later) {
    if (pthread_create (&o->thread, NULL, verify_thread, o) != 0) {
      set_error (EAGAIN, "cannot start the manifest check thread");
      goto err;
    }
    o->thread_running = true;
  }
  else if (ova_verify_loaded (o, NULL, NULL, NULL) == -1)
    goto err;
  if ((i = choose_disk (o, opts->disk)) == -1)
    goto err;
  d = &o->disks.ptr[i];
  o->inner = open_inner (o, d, opts);
  if (!o->inner)
    goto err;
  if (d->capacity >= 0 && (uint64_t) d->capacity != o->inner->size)
    warning ("ova-capacity-mismatch", "'%s': the OVF gives disk '%s' a capacity of %" PRId64
             " bytes but its header says %" PRIu64 ": using the header",
             file->name, d->href, d->capacity, o->inner->size);
  blk_set_size (self, o->inner->size);
  sub = xasprintf ("%s%s%s", o->inner->drv->name,
                                      o->inner->subformat ? " " : "",
                                      o->inner->subformat ?
                                      o->inner->subformat : "");
  blk_set_subformat (self, sub);
  /* Every file the disk reads, its parents' too (disk info lists them). */
  for (const struct blk *l = o->inner; l; l = l->backing)
    for (size_t k = 0; k < l->files.len; ++k)
      string_vector_append (&self->files, xstrdup (l->files.ptr[k]));
  return o;

 err:
  ova_free (o);
  return NULL;
}

static int
ova_pread (void *h, void *buf, size_t count, uint64_t offset)
{
  struct ova *o = h;

  return blk_pread (o->inner, buf, count, offset);
}

static int
ova_extents (void *h, uint64_t offset, uint64_t count, extent_list *out)
{
  struct ova *o = h;

  return blk_extents (o->inner, offset, count, out);
}

static void
ova_close (void *h)
{
  ova_free (h);
}

/* A directory holding an .ovf is an unpacked OVA. */
static int
ova_open_dir (const char *dir, char **file)
{
  *file = ova_dir_descriptor (dir);
  if (*file)
    return 1;
  return get_errno () == EISDIR ? 0 : -1;
}

const struct blk_driver ova_blk = {
  .name    = "ova",
  .probe   = ova_probe,
  .open    = ova_open,
  .pread   = ova_pread,
  .extents = ova_extents,
  .close   = ova_close,
  .open_dir = ova_open_dir,
};
