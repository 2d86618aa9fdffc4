/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVA / OVF appliances, read in place (see archive.h).
 *
 * An OVA is a tar holding the .ovf descriptor (normally first), an
 * optional .mf manifest, an optional .cert and the disk files (DMTF
 * DSP0243 "Open Virtualization Format Specification" §5; virt-v2v
 * input/OVA.ml, input/parse_ova.ml for what the field produces).  We
 * also accept the .ovf itself, or a directory holding one, with the
 * disks beside it.
 *
 * The "ova" block-source driver opens the chosen disk (a File referenced
 * by a Disk of the DiskSection, in document order) as a tar member read
 * in place and hands it to the usual readers (usually streamOptimized
 * VMDK), so nothing is extracted.  Exceptions, and why:
 *   - ovf:compression="gzip" members: a gzip stream has no index, and the
 *     disk readers need random access (a streamOptimized VMDK's grain
 *     directory is at its end).  The member is decompressed once into an
 *     anonymous O_TMPFILE in $TMPDIR (default /var/tmp), zero blocks left
 *     as holes, which disappears when closed even after a crash.  That is
 *     the only case that uses scratch space.
 *   - ovf:chunkSize (split files): refused (ENOTSUP).
 *
 * Integrity: the manifest (stem.mf, else the only .mf member) is checked
 * with one sequential read of each listed member.  Hashing inside the
 * conversion's own reads is not possible in general: the disk readers
 * skip bytes (unallocated grains, footers, descriptors) and read out of
 * order.  By default the check runs when the driver opens, before any
 * conversion read (and warms the page cache for it).  With the open
 * option verify_later (disk convert; blk.h) it runs in a thread beside
 * the copy instead, so both read the same bytes at about the same time
 * (one read from disk, the other from the page cache) and the wall time
 * is the longer of the two, not their sum; the caller then waits for it
 * with archive_verify_finish() before keeping the output.  A mismatch or
 * a listed file that is absent is EBADMSG (exit 6) and the output is
 * dropped; the option no_verify skips the check with a warning.
 *
 * Capacity: the OVF's capacity (× capacityAllocationUnits) is compared
 * with the size in the disk's own header; a mismatch is a warning and the
 * header wins, because it is what the data was written against (OVFs
 * lie: ${property} capacities, hand-edited descriptors).
 */
#include <config.h>

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "cfg.h"
#include "cfg-ovf.h"
#include "guest.h"
#include "blk.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "iszero.h"
#include "archive-manifest.h"
#include "archive-ova.h"
#include "archive-tar.h"
#include "vector.h"
#include "xalloc.h"

extern const struct blk_driver ova_blk;


struct ova {
  /* Background manifest check (verify_later). */
  pthread_t thread;
  bool thread_running;
  volatile sig_atomic_t cancel;
  int verify_errno;             /* result: 0, or errno + message */
  char *verify_msg;

  struct tar *tar;              /* NULL for a plain .ovf */
  struct bfile *ovf;            /* the descriptor */
  bool own_ovf;                 /* ovf is a member we opened */
  ovf_disk_vector disks;
  struct blk *inner;            /* the chosen disk (driver only) */
};

/* ---- Opening ---- */

static bool
has_suffix (const char *s, const char *suffix)
{
  size_t n = strlen (s), k = strlen (suffix);

  return n >= k && strcasecmp (s + n - k, suffix) == 0;
}

static bool
head_is_tar (const uint8_t *h, size_t len)
{
  return len >= TAR_BLOCK && memcmp (h + 257, "ustar", 5) == 0;
}

static void
ova_free (struct ova *o)
{
  if (!o)
    return;
  if (o->thread_running) {
    o->cancel = 1;
    pthread_join (o->thread, NULL);
  }
  free (o->verify_msg);
  blk_close (o->inner);
  for (size_t i = 0; i < o->disks.len; ++i) {
    free (o->disks.ptr[i].id);
    free (o->disks.ptr[i].href);
  }
  ovf_disk_vector_reset (&o->disks);
  if (o->own_ovf)
    bfile_close (o->ovf);
  tar_close (o->tar);
  free (o);
}

/* Open file (borrowed) as an OVA tar or a plain .ovf. */
static struct ova *
ova_load (struct bfile *file)
{
  struct ova *o = xzalloc (sizeof *o);
  uint8_t h[TAR_BLOCK];
  size_t len = MIN (file->size, (uint64_t) TAR_BLOCK);

  if (bfile_pread (file, h, len, 0) == -1)
    goto err;
  if (!head_is_tar (h, len)) {
    o->ovf = file;
    return ovf_disk_refs (o->ovf, &o->disks) == -1 ? (ova_free (o), NULL) : o;
  }
  o->tar = tar_open (file);
  if (!o->tar)
    goto err;
  for (size_t i = 0; i < tar_count (o->tar); ++i) {
    const struct tar_member *m = tar_member (o->tar, i);
    if (m->type == TAR_FILE && has_suffix (m->name, ".ovf")) {
      if (i > 0)
        debug ("'%s': the descriptor '%s' is not the first member",
               file->name, m->name);
      o->ovf = tar_open_member (o->tar, m->name);
      if (!o->ovf)
        goto err;
      o->own_ovf = true;
      break;
    }
  }
  if (!o->ovf) {
    set_error (EINVAL, "'%s': no .ovf descriptor in the archive",
               file->name);
    goto err;
  }
  if (ovf_disk_refs (o->ovf, &o->disks) == -1)
    goto err;
  return o;

 err:
  ova_free (o);
  return NULL;
}

/* The descriptor's name with its suffix replaced. */
static char *
sibling_name (const struct ova *o, const char *suffix)
{
  const char *name = strrchr (o->ovf->name, '/');
  const char *colon = strrchr (o->ovf->name, ':');
  const char *base = name ? name + 1 : o->ovf->name;

  if (colon && colon + 1 > base)
    base = colon + 1;
  return xasprintf ("%.*s%s", (int) (strlen (base) - 4), base, suffix);
}

/* The manifest: stem.mf, else the only .mf member.  NULL if none. */
static struct bfile *
open_manifest (const struct ova *o)
{
  CLEANUP_FREE char *name = sibling_name (o, ".mf");
  struct bfile *f = bfile_open_sibling (o->ovf, name);

  if (f || !o->tar)
    return f;
  for (size_t i = 0; i < tar_count (o->tar); ++i) {
    const struct tar_member *m = tar_member (o->tar, i);
    if (m->type == TAR_FILE && has_suffix (m->name, ".mf"))
      return tar_open_member (o->tar, m->name);
  }
  return NULL;
}

struct report_ctx {
  archive_report_fn fn;
  void *opaque;
};

static void
report_entry (void *opaque, const struct manifest_entry *e, const char *got)
{
  struct report_ctx *c = opaque;

  if (!c->fn)
    return;
  if (!got)
    c->fn (c->opaque, e->algo, e->file, false, "missing or unreadable");
  else if (strcmp (got, e->hex) != 0)
    c->fn (c->opaque, e->algo, e->file, false, got);
  else
    c->fn (c->opaque, e->algo, e->file, true, got);
}

static int
verify_loaded (struct ova *o, archive_report_fn fn, void *opaque,
               volatile sig_atomic_t *cancel)
{
  struct bfile *mf_file = open_manifest (o);
  CLEANUP_FREE char *cert = sibling_name (o, ".cert");
  struct bfile *cf;
  struct manifest *mf;
  struct report_ctx ctx = { fn, opaque };
  int r;

  if (!mf_file) {
    warning ("ova-no-manifest", "'%s': no manifest (.mf): the files cannot be verified",
             o->ovf->name);
    return 0;
  }
  cf = bfile_open_sibling (o->ovf, cert);
  if (cf) {
    warning ("ova-signature-unchecked", "'%s' is present but its signature is not checked", cf->name);
    if (fn)
      fn (opaque, "cert", cert, true, "present, not checked");
    bfile_close (cf);
  }
  mf = manifest_read (mf_file);
  if (!mf) {
    bfile_close (mf_file);
    return -1;
  }
  r = manifest_verify (mf, mf_file, report_entry, &ctx, cancel);
  manifest_free (mf);
  bfile_close (mf_file);
  return r;
}

static char *ova_dir_descriptor (const char *dir);

/* Open path as an OVA, a .ovf or a directory holding one. */
static struct ova *
ova_open_path (const char *path, struct bfile **filep)
{
  CLEANUP_FREE char *ovf = NULL;
  struct stat st;
  struct ova *o;

  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
    ovf = ova_dir_descriptor (path);
    if (!ovf)
      return NULL;
    path = ovf;
  }
  *filep = bfile_open (path);
  if (!*filep)
    return NULL;
  o = ova_load (*filep);
  if (!o) {
    bfile_close (*filep);
    *filep = NULL;
  }
  return o;
}

int
ova_verify (const char *path, archive_report_fn report, void *opaque)
{
  struct bfile *file;
  struct ova *o = ova_open_path (path, &file);
  int r;

  if (!o)
    return -1;
  r = verify_loaded (o, report, opaque, NULL);
  ova_free (o);
  bfile_close (file);
  return r;
}

int
archive_read_guest (const char *path, struct guest **out)
{
  enum archive_kind kind;
  struct bfile *file = NULL;
  struct ova *o = NULL;
  CLEANUP_FREE char *xml = NULL;
  CLEANUP_FREE char *abs = NULL;
  size_t len = 0;
  int r = -1;

  *out = NULL;
  if (archive_probe (path, &kind) == -1)
    return -1;
  if (kind == ARCHIVE_XVA) {
    if (xva_read_ova_xml (path, &xml, &len) == -1 ||
        cfg_xva_read_buffer (xml, len, path, out) == -1)
      return -1;
  }
  else if (kind == ARCHIVE_OVA || kind == ARCHIVE_OVF_DIR) {
    o = ova_open_path (path, &file);
    if (!o)
      return -1;
    if (o->ovf->size > OVF_MAX_SIZE)
      set_error (EINVAL, "'%s': the OVF descriptor is larger than %d bytes",
                 path, OVF_MAX_SIZE);
    else {
      len = (size_t) o->ovf->size;
      xml = xmalloc (len + 1);
      if (bfile_pread (o->ovf, xml, len, 0) == 0)
        r = cfg_ovf_read_buffer (xml, len, path, out);
    }
    ova_free (o);
    bfile_close (file);
    if (r == -1)
      return -1;
  }
  else {
    set_error (EINVAL, "'%s' is neither an OVA/OVF nor an XVA archive",
               path);
    return -1;
  }
  /* Every disk is read out of the archive itself (stdin stays "-"). */
  abs = strcmp (path, "-") ? guest_abs_path (NULL, path) : xstrdup (path);
  for (size_t i = 0; i < (*out)->disks.len; ++i) {
    struct guest_disk *d = &(*out)->disks.ptr[i];
    free (d->path);
    d->path = xstrdup (abs);
  }
  return 0;
}

/* The single .ovf in directory dir ("dir/name.ovf", caller frees), or
 * NULL + set_error (EISDIR if there is none, EINVAL if several). */
static char *
ova_dir_descriptor (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  char *found = NULL;

  if (!d) {
    set_error_errno ("cannot open directory '%s'", dir);
    return NULL;
  }
  while ((e = readdir (d)) != NULL) {
    if (!has_suffix (e->d_name, ".ovf"))
      continue;
    if (found) {
      set_error (EINVAL, "'%s' holds more than one .ovf descriptor: name "
                 "the one to use", dir);
      free (found);
      closedir (d);
      return NULL;
    }
    found = xasprintf ("%s/%s", dir, e->d_name);
  }
  closedir (d);
  if (!found)
    set_error (EISDIR, "'%s' is a directory, not a disk image (and holds no "
               ".ovf descriptor)", dir);
  return found;
}

int
archive_probe (const char *path, enum archive_kind *kind)
{
  uint8_t h[TAR_BLOCK];
  struct stat st;
  struct bfile *f;
  size_t len;

  *kind = ARCHIVE_NONE;
  if (strcmp (path, "-") == 0) {
    *kind = ARCHIVE_XVA;
    return 0;
  }
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
    *kind = ARCHIVE_OVF_DIR;
    return 0;
  }
  f = bfile_open (path);
  if (!f)
    return -1;
  len = MIN (f->size, (uint64_t) sizeof h);
  if (bfile_pread (f, h, len, 0) == -1) {
    bfile_close (f);
    return -1;
  }
  bfile_close (f);
  if ((len >= 2 && h[0] == 0x1f && h[1] == 0x8b) ||
      (len >= 4 && memcmp (h, "\x28\xb5\x2f\xfd", 4) == 0))
    *kind = ARCHIVE_XVA;
  else if (head_is_tar (h, len))
    *kind = strncmp ((const char *) h, "ova.xml", 100) == 0 ?
      ARCHIVE_XVA : ARCHIVE_OVA;
  else if (len > 0 && h[0] == '<' && memmem (h, len, "Envelope", 8))
    *kind = ARCHIVE_OVF_DIR;
  return 0;
}

/* ---- The block-source driver ---- */

static int
ova_probe (const uint8_t *head, size_t head_len,
           const uint8_t *tail, size_t tail_len)
{
  if (head_is_tar (head, head_len)) {
    if (strncmp ((const char *) head, "ova.xml", 100) == 0)
      return 0;                         /* an XVA */
    return has_suffix (strndupa ((const char *) head, 100), ".ovf") ? 95 : 50;
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

  if (verify_loaded (o, NULL, NULL, &o->cancel) == -1) {
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

static int ova_probe (const uint8_t *head, size_t head_len,
                      const uint8_t *tail, size_t tail_len);

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
  else if (verify_loaded (o, NULL, NULL, NULL) == -1)
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
