/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVA / OVF appliances, read in place (see archive.h): opening
 * the package (tar, .ovf or directory), its disk list and its manifest
 * check (archive-ova.h).  The "ova" block-source driver that reads the
 * chosen member is disk-ova.c; the archive entry points are archive.c.
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
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "blk.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "archive-manifest.h"
#include "archive-ova.h"
#include "archive-tar.h"
#include "xalloc.h"

/* ---- Opening ---- */

bool
ova_has_suffix (const char *s, const char *suffix)
{
  size_t n = strlen (s), k = strlen (suffix);

  return n >= k && strcasecmp (s + n - k, suffix) == 0;
}

bool
ova_head_is_tar (const uint8_t *h, size_t len)
{
  return len >= TAR_BLOCK && memcmp (h + 257, "ustar", 5) == 0;
}

void
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

struct ova *
ova_load (struct bfile *file)
{
  struct ova *o = xzalloc (sizeof *o);
  uint8_t h[TAR_BLOCK];
  size_t len = MIN (file->size, (uint64_t) TAR_BLOCK);

  if (bfile_pread (file, h, len, 0) == -1)
    goto err;
  if (!ova_head_is_tar (h, len)) {
    o->ovf = file;
    return ovf_disk_refs (o->ovf, &o->disks) == -1 ? (ova_free (o), NULL) : o;
  }
  o->tar = tar_open (file);
  if (!o->tar)
    goto err;
  for (size_t i = 0; i < tar_count (o->tar); ++i) {
    const struct tar_member *m = tar_member (o->tar, i);
    if (m->type == TAR_FILE && ova_has_suffix (m->name, ".ovf")) {
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
    if (m->type == TAR_FILE && ova_has_suffix (m->name, ".mf"))
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

int
ova_verify_loaded (struct ova *o, archive_report_fn fn, void *opaque,
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


char *
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
    if (!ova_has_suffix (e->d_name, ".ovf"))
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

struct ova *
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
