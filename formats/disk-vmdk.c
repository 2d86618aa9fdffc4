/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VMDK block source (every variant; see vmdk.h for the files).
 *
 * Follows docs/formats.md §1 (§1.1 dispatch, §1.5 flat extents,
 * §1.8 chains), after qemu block/vmdk.c and VMware's "Virtual
 * Disk Format 5.0" technote.  Probes by content: "KDMV", "COWD", the
 * SEsparse magic, or a text descriptor containing createType.  The disk
 * is a list of regions, one per extent line, in order: FLAT/VMFS (bytes
 * of a file, its holes reported from the file system), ZERO, or a sparse
 * extent of any kind.  Ranges a sparse extent does not hold come from the
 * parent link (parentFileNameHint, opened with blk_open_backing), or read
 * as zeros.
 *
 * Not supported, with an ENOTSUP error rather than a silent skip: raw
 * device mappings and whole-device disks (the data is on a LUN, not in
 * a file), NOACCESS extents.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blk.h"
#include "checked.h"
#include "error.h"
#include "iszero.h"
#include "strindex.h"
#include "vmdk.h"
#include "xalloc.h"

extern const struct blk_driver vmdk_blk;

enum region_kind { REG_FLAT, REG_ZERO, REG_SPARSE };

struct region {
  uint64_t start, len;          /* guest bytes */
  enum region_kind kind;
  struct bfile *file;           /* NULL for ZERO */
  bool own_file;                /* opened by us (not the core's file) */
  uint64_t file_off;            /* FLAT: byte of the file at start */
  struct vmdk_sparse *sp;       /* SPARSE */
};

DEFINE_VECTOR_TYPE (region_list, struct region);

struct vmdk {
  struct blk *self;
  region_list regions;
  uint64_t size;
  struct blk *parent;           /* == self->backing, or NULL */
  uint32_t cid;                 /* this link's content id */
  bool has_cid;
  /* While opening the extents: "dev:ino:base" of each sparse file. */
  string_vector sparse_ids;
  struct strindex sparse_ix;
};

static const char *
sparse_id_at (const void *opaque, size_t i)
{
  const struct vmdk *h = opaque;

  return h->sparse_ids.ptr[i];
}

/* Stop an extents() answer after this many entries (the contract allows
 * stopping early) so a fragmented 2 TB disk is not listed in one call. */
#define MAX_EXTENTS_PER_CALL 4096

/* A text descriptor: printable text up to the first NUL; whatever
 * follows the NUL is ignored, as qemu and VMware read the descriptor as
 * a C string.  qemu pads descriptor files to a sector, and when it
 * rewrites the CID (printf %x, no zero padding) a shorter CID leaves
 * bytes of the old text after the new NUL (seen in CI: one run in ~16). */
static bool
is_text (const uint8_t *p, size_t len)
{
  const uint8_t *nul = memchr (p, '\0', len);
  size_t n = nul ? (size_t) (nul - p) : len;

  if (n == 0)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
      return false;
  return true;
}

static int
vmdk_probe (const uint8_t *head, size_t head_len,
            const uint8_t *tail, size_t tail_len)
{
  if (vmdk_is_kdmv (head, head_len) || vmdk_is_cowd (head, head_len) ||
      vmdk_is_sesparse (head, head_len))
    return 100;
  if (head_len == 0 || !is_text (head, head_len))
    return 0;
  if (memmem (head, head_len, "createType", 10) ||
      memmem (head, head_len, "# Disk DescriptorFile", 21))
    return 90;
  return 0;
}

static void
free_regions (struct vmdk *h)
{
  for (size_t i = 0; i < h->regions.len; ++i) {
    struct region *r = &h->regions.ptr[i];
    vmdk_sparse_free (r->sp);
    if (r->own_file)
      bfile_close (r->file);
  }
  region_list_reset (&h->regions);
}

static int
add_region (struct vmdk *h, struct region r)
{
  uint64_t end;

  if (ADD_OVERFLOW (h->size, r.len, &end) || end > MAX_CAPACITY) {
    set_error (EINVAL, "'%s': virtual size is too large (extents add up to "
               "more than %" PRIu64 " bytes)", h->self->name, MAX_CAPACITY);
    vmdk_sparse_free (r.sp);
    if (r.own_file)
      bfile_close (r.file);
    return -1;
  }
  r.start = h->size;
  h->size = end;
  region_list_append (&h->regions, r);
  return 0;
}

/* createType values whose data is not in files. */
static bool
is_device_type (const char *t)
{
  static const char *const types[] = {
    "vmfsRaw", "vmfsRDM", "vmfsRDMP", "vmfsRawDeviceMap",
    "vmfsPassthroughRawDeviceMap", "fullDevice", "partitionedDevice",
    NULL
  };

  for (size_t i = 0; types[i]; ++i)
    if (strcasecmp (t, types[i]) == 0)
      return true;
  return false;
}

/* Open the sparse extent file f (of any kind) for descriptor line e. */
static struct vmdk_sparse *
open_sparse_file (struct vmdk *h, struct bfile *f,
                  const struct vmdk_desc_extent *e)
{
  uint8_t magic[8] = { 0 };
  struct vmdk_kdmv_info info;
  struct vmdk_sparse *sp;

  if (bfile_pread (f, magic, MIN (f->size, sizeof magic), 0) == -1)
    return NULL;
  if (vmdk_is_kdmv (magic, sizeof magic)) {
    sp = vmdk_kdmv_open (f, &info);
    free (info.descriptor);     /* names in it are not used */
    if (sp && info.capacity == 0) {
      set_error (EINVAL, "'%s': extent '%s' has no data (capacity 0)",
                 h->self->name, f->name);
      vmdk_sparse_free (sp);
      return NULL;
    }
    return sp;
  }
  if (vmdk_is_cowd (magic, sizeof magic))
    return vmdk_cowd_open (f);
  if (vmdk_is_sesparse (magic, sizeof magic))
    return vmdk_sesparse_open (f);
  set_error (EINVAL, "'%s': extent '%s' (line %u, type %s) is not a sparse "
             "extent file", h->self->name, f->name, e->line, e->type);
  return NULL;
}

static int
open_extent (struct vmdk *h, const struct vmdk_desc_extent *e)
{
  const char *name = h->self->name;
  struct region r = { .len = e->sectors * VMDK_SECTOR };
  const char *t = e->type;

  if (e->access == VMDK_NOACCESS) {
    set_error (ENOTSUP, "'%s': extent on line %u is NOACCESS (its data is "
               "not readable)", name, e->line);
    return -1;
  }
  if (strcasecmp (t, "VMFSRDM") == 0 || strcasecmp (t, "VMFSRAW") == 0 ||
      strcasecmp (t, "VMFSRDMP") == 0) {
    set_error (ENOTSUP, "'%s': extent on line %u is a raw device mapping "
               "(%s): the data is on a LUN, not in a file; copy the LUN "
               "instead", name, e->line, t);
    error_set_code ("raw-device-mapping");
    return -1;
  }
  if (e->sectors > MAX_CAPACITY / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': extent on line %u is too large (%" PRIu64
               " sectors)", name, e->line, e->sectors);
    return -1;
  }
  if (e->sectors == 0)
    return 0;
  if (strcasecmp (t, "ZERO") == 0) {
    r.kind = REG_ZERO;
    return add_region (h, r);
  }
  bool flat = strcasecmp (t, "FLAT") == 0 || strcasecmp (t, "VMFS") == 0;
  bool sparse = strcasecmp (t, "SPARSE") == 0 ||
    strcasecmp (t, "VMFSSPARSE") == 0 || strcasecmp (t, "SESPARSE") == 0;
  if (!flat && !sparse) {
    set_error (ENOTSUP, "'%s': extent on line %u has an unsupported type "
               "'%s'", name, e->line, t);
    return -1;
  }
  if (!e->file || !e->file[0]) {
    set_error (EINVAL, "'%s': invalid descriptor: extent on line %u has no "
               "file name", name, e->line);
    return -1;
  }
  r.file = blk_open_sibling (h->self, e->file);
  if (!r.file) {
    prepend_error ("'%s': extent on line %u: ", name, e->line);
    return -1;
  }
  r.own_file = true;
  if (flat) {
    r.kind = REG_FLAT;
    if (e->offset > MAX_CAPACITY / VMDK_SECTOR) {
      set_error (EINVAL, "'%s': extent on line %u: offset %" PRIu64
                 " sectors is too large", name, e->line, e->offset);
      bfile_close (r.file);
      return -1;
    }
    r.file_off = e->offset * VMDK_SECTOR;
    if (r.file_off + r.len > r.file->size)
      warning ("vmdk-extent-short", "'%s': extent '%s' is shorter than the descriptor says; "
               "reading the rest as zeros", name, r.file->name);
    return add_region (h, r);
  }
  /* Each sparse extent has its own grain directory in its own file; a
   * file named by several lines (directly or under other names) would
   * load the same directory once per line: up to MAX_EXTENTS times its
   * memory, and as many descriptors.  No writer does that: refuse. */
  char *id = xasprintf ("%ju:%ju:%" PRIu64, (uintmax_t) r.file->dev,
                        (uintmax_t) r.file->ino, r.file->base);
  if (strindex_find (&h->sparse_ix, id) >= 0) {
    set_error (EINVAL, "'%s': extent on line %u uses the sparse file '%s' "
               "of an earlier extent: each sparse extent needs its own "
               "file", name, e->line, r.file->name);
    free (id);
    bfile_close (r.file);
    return -1;
  }
  string_vector_append (&h->sparse_ids, id);
  strindex_add (&h->sparse_ix, h->sparse_ids.len - 1);
  r.kind = REG_SPARSE;
  r.sp = open_sparse_file (h, r.file, e);
  if (!r.sp) {
    bfile_close (r.file);
    return -1;
  }
  return add_region (h, r);
}

static int
check_create_type (struct vmdk *h, const struct vmdk_descriptor *d)
{
  if (d->create_type && is_device_type (d->create_type)) {
    set_error (ENOTSUP, "'%s': createType '%s' is a raw device or raw "
               "device mapping: the data is on a LUN, not in a file; copy "
               "the LUN instead", h->self->name, d->create_type);
    error_set_code ("raw-device-mapping");
    return -1;
  }
  return 0;
}

static int
open_extents (struct vmdk *h, const struct vmdk_descriptor *d)
{
  int r = 0;

  if (check_create_type (h, d) == -1)
    return -1;
  h->sparse_ix = (struct strindex) STRINDEX_INIT (false, sparse_id_at, h);
  for (size_t i = 0; r == 0 && i < d->extents.len; ++i)
    r = open_extent (h, &d->extents.ptr[i]);
  strindex_free (&h->sparse_ix);
  for (size_t i = 0; i < h->sparse_ids.len; ++i)
    free (h->sparse_ids.ptr[i]);
  string_vector_reset (&h->sparse_ids);
  return r;
}

/* Open the parent link named by d.  A CID mismatch is an error, not a
 * warning: it means the parent was written after the snapshot was taken,
 * so the merged view mixes two points in time and the guest sees a
 * corrupt disk.  VMware refuses to power such a VM on and qemu refuses to
 * open it (vmdk_is_cid_valid); docs/formats.md §1.8. */
static int
open_parent (struct vmdk *h, const struct vmdk_descriptor *d)
{
  struct blk *p = blk_open_backing (h->self, d->parent_hint, NULL);

  if (!p)
    return -1;
  h->parent = p;
  if (p->drv == &vmdk_blk) {
    const struct vmdk *ph = p->handle;
    if (!d->has_parent_cid || !ph->has_cid)
      warning ("vmdk-parent-no-cid", "'%s': cannot check that parent '%s' is unmodified (no CID)",
               h->self->name, p->name);
    else if (ph->cid != d->parent_cid) {
      set_error (EINVAL, "'%s': parent '%s' was modified after the snapshot "
                 "was taken (its CID is %08" PRIx32 ", parentCID is %08"
                 PRIx32 ")", h->self->name, p->name, ph->cid,
                 d->parent_cid);
      return -1;
    }
  }
  return 0;
}

/* A hosted sparse file: the extent itself, or (capacity 0) a descriptor
 * naming other extents. */
static int
open_kdmv (struct vmdk *h, struct bfile *file, struct vmdk_descriptor *d,
           bool *has_desc)
{
  struct vmdk_kdmv_info info;
  struct vmdk_sparse *sp = vmdk_kdmv_open (file, &info);
  int r = 0;

  if (!sp)
    return -1;
  if (info.descriptor) {
    r = vmdk_descriptor_parse (file->name, info.descriptor,
                               strlen (info.descriptor), d);
    free (info.descriptor);
    if (r == -1) {
      vmdk_sparse_free (sp);
      return -1;
    }
    *has_desc = true;
    if (check_create_type (h, d) == -1) {
      vmdk_sparse_free (sp);
      return -1;
    }
  }
  blk_set_subformat (h->self, d->create_type ? d->create_type
                     : sp->compressed ? "streamOptimized"
                     : "monolithicSparse");
  if (info.capacity == 0) {             /* descriptor-only sparse file */
    vmdk_sparse_free (sp);
    return open_extents (h, d);
  }
  /* The extent names of an embedded descriptor are often stale: the
   * data is this file. */
  return add_region (h, (struct region) {
      .kind = REG_SPARSE, .file = file, .len = sp->capacity, .sp = sp });
}

static int
open_text (struct vmdk *h, struct bfile *file, struct vmdk_descriptor *d)
{
  char *text;
  int r;

  if (file->size > MAX_DESCRIPTOR) {
    set_error (EINVAL, "'%s': not a VMDK descriptor (larger than %" PRIu64
               " bytes)", file->name, MAX_DESCRIPTOR);
    return -1;
  }
  text = malloc (file->size + 1);       /* <= MAX_DESCRIPTOR */
  if (!text) {
    set_error (ENOMEM, "'%s': out of memory for the descriptor", file->name);
    return -1;
  }
  if (bfile_pread (file, text, file->size, 0) == -1) {
    free (text);
    return -1;
  }
  text[file->size] = '\0';
  if (!is_text ((const uint8_t *) text, file->size)) {
    set_error (EINVAL, "'%s': not a VMDK descriptor (contains binary data)",
               file->name);
    free (text);
    return -1;
  }
  r = vmdk_descriptor_parse (file->name, text, file->size, d);
  free (text);
  if (r == -1)
    return -1;
  if (!d->create_type) {
    set_error (EINVAL, "'%s': invalid descriptor: no createType",
               file->name);
    return -1;
  }
  blk_set_subformat (h->self, d->create_type);
  return open_extents (h, d);
}

static void
vmdk_close (void *hv)
{
  struct vmdk *h = hv;

  free_regions (h);
  blk_close (h->parent);
  if (h->self->backing == h->parent)
    h->self->backing = NULL;
  free (h);
}

static void *
vmdk_open (struct blk *self, struct bfile *file)
{
  struct vmdk *h = xzalloc (sizeof *h);
  struct vmdk_descriptor d;
  bool has_desc = false;
  uint8_t magic[8] = { 0 };
  int r;

  memset (&d, 0, sizeof d);
  h->self = self;
  if (bfile_pread (file, magic, MIN (file->size, sizeof magic), 0) == -1)
    goto err;
  if (vmdk_is_kdmv (magic, sizeof magic))
    r = open_kdmv (h, file, &d, &has_desc);
  else if (vmdk_is_cowd (magic, sizeof magic) ||
           vmdk_is_sesparse (magic, sizeof magic)) {
    bool cowd = vmdk_is_cowd (magic, sizeof magic);
    struct vmdk_sparse *sp = cowd ? vmdk_cowd_open (file)
      : vmdk_sesparse_open (file);
    r = -1;
    if (sp) {
      blk_set_subformat (self, cowd ? "vmfsSparse" : "seSparse");
      r = add_region (h, (struct region) {
          .kind = REG_SPARSE, .file = file, .len = sp->capacity, .sp = sp });
    }
  }
  else {
    r = open_text (h, file, &d);
    has_desc = true;
  }
  if (r == -1)
    goto err;
  if (has_desc) {
    h->cid = d.cid;
    h->has_cid = d.has_cid;
    if (d.parent_hint && open_parent (h, &d) == -1)
      goto err;
  }
  vmdk_descriptor_free (&d);
  blk_set_size (self, h->size);
  return h;

 err:
  vmdk_descriptor_free (&d);
  vmdk_close (h);
  return NULL;
}

/* The region holding guest byte off (off < size). */
static const struct region *
find_region (const struct vmdk *h, uint64_t off)
{
  size_t lo = 0, hi = h->regions.len;

  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (h->regions.ptr[mid].start <= off)
      lo = mid;
    else
      hi = mid;
  }
  return &h->regions.ptr[lo];
}

/* Unallocated in this link: the parent's bytes, zeros past its end. */
static int
read_parent (const struct vmdk *h, uint8_t *buf, uint64_t len, uint64_t off)
{
  uint64_t n = 0;

  if (h->parent && off < h->parent->size) {
    n = MIN (len, h->parent->size - off);
    if (blk_pread (h->parent, buf, n, off) == -1)
      return -1;
  }
  memset (buf + n, 0, len - n);
  return 0;
}

static int
read_flat (const struct region *r, uint8_t *buf, uint64_t len, uint64_t local)
{
  uint64_t fo = r->file_off + local, n = 0;

  if (fo < r->file->size) {
    n = MIN (len, r->file->size - fo);
    if (bfile_pread (r->file, buf, n, fo) == -1)
      return -1;
  }
  memset (buf + n, 0, len - n);         /* short extent (warned at open) */
  return 0;
}

static int
read_sparse (const struct vmdk *h, const struct region *r, uint8_t *buf,
             uint64_t len, uint64_t local)
{
  while (len > 0) {
    struct vmdk_run run;
    if (vmdk_sparse_lookup (r->sp, local, len, &run) == -1)
      return -1;
    switch (run.type) {
    case RUN_HOLE:
      if (read_parent (h, buf, run.len, r->start + local) == -1)
        return -1;
      break;
    case RUN_ZERO:
      memset (buf, 0, run.len);
      break;
    case RUN_DATA:
      if (bfile_pread (r->file, buf, run.len, run.file_off) == -1)
        return -1;
      break;
    case RUN_COMPRESSED:
      if (vmdk_sparse_read_compressed (r->sp, &run, buf, local, run.len)
          == -1)
        return -1;
      break;
    }
    buf += run.len;
    local += run.len;
    len -= run.len;
  }
  return 0;
}

static int
vmdk_pread (void *hv, void *bufv, size_t count, uint64_t offset)
{
  const struct vmdk *h = hv;
  uint8_t *buf = bufv;

  while (count > 0) {
    const struct region *r = find_region (h, offset);
    uint64_t local = offset - r->start;
    uint64_t n = MIN ((uint64_t) count, r->len - local);
    int ret = 0;

    switch (r->kind) {
    case REG_ZERO: memset (buf, 0, n); break;
    case REG_FLAT: ret = read_flat (r, buf, n, local); break;
    case REG_SPARSE: ret = read_sparse (h, r, buf, n, local); break;
    }
    if (ret == -1)
      return -1;
    buf += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Append out's view of [off, off+len) where this link has nothing. */
static int
extents_parent (const struct vmdk *h, uint64_t off, uint64_t len,
                extent_list *out)
{
  extent_list tmp = empty_vector;
  uint64_t end = off + len;

  while (h->parent && off < MIN (end, h->parent->size)) {
    tmp.len = 0;
    if (blk_extents (h->parent, off, MIN (end, h->parent->size) - off,
                     &tmp) == -1) {
      extent_list_reset (&tmp);
      return -1;
    }
    for (size_t i = 0; i < tmp.len; ++i)
      extent_list_add (out, tmp.ptr[i].offset, tmp.ptr[i].length,
                       tmp.ptr[i].type);
    off = tmp.ptr[tmp.len - 1].offset + tmp.ptr[tmp.len - 1].length;
  }
  extent_list_reset (&tmp);
  if (off < end)
    extent_list_add (out, off, end - off, EXT_HOLE);
  return 0;
}

static int
extents_flat (const struct region *r, uint64_t local, uint64_t len,
              extent_list *out)
{
  extent_list tmp = empty_vector;
  uint64_t fo = r->file_off + local, base = r->start + local, n = 0;

  if (fo < r->file->size) {
    n = MIN (len, r->file->size - fo);
    if (bfile_extents (r->file, fo, n, &tmp) == -1) {
      extent_list_reset (&tmp);
      return -1;
    }
    for (size_t i = 0; i < tmp.len; ++i) {
      uint64_t s = MAX (tmp.ptr[i].offset, fo);
      uint64_t e = MIN (tmp.ptr[i].offset + tmp.ptr[i].length, fo + n);
      if (s < e)
        extent_list_add (out, base + (s - fo), e - s, tmp.ptr[i].type);
    }
    /* The file may answer for less than asked: the rest is data. */
    uint64_t done = tmp.len ? MIN (tmp.ptr[tmp.len - 1].offset +
                                   tmp.ptr[tmp.len - 1].length, fo + n) - fo
      : 0;
    if (done < n)
      extent_list_add (out, base + done, n - done, EXT_DATA);
    extent_list_reset (&tmp);
  }
  if (n < len)
    extent_list_add (out, base + n, len - n, EXT_HOLE);
  return 0;
}

static int
extents_sparse (const struct vmdk *h, const struct region *r, uint64_t local,
                uint64_t len, extent_list *out)
{
  while (len > 0) {
    struct vmdk_run run;
    uint64_t g = r->start + local;
    int ret = 0;
    if (vmdk_sparse_lookup (r->sp, local, len, &run) == -1)
      return -1;
    switch (run.type) {
    case RUN_HOLE: ret = extents_parent (h, g, run.len, out); break;
    case RUN_ZERO: extent_list_add (out, g, run.len, EXT_ZERO); break;
    case RUN_DATA:
    case RUN_COMPRESSED: extent_list_add (out, g, run.len, EXT_DATA); break;
    }
    if (ret == -1)
      return -1;
    local += run.len;
    len -= run.len;
    if (out->len >= MAX_EXTENTS_PER_CALL)
      break;
  }
  return 0;
}

static int
vmdk_extents (void *hv, uint64_t offset, uint64_t count, extent_list *out)
{
  const struct vmdk *h = hv;
  uint64_t end = offset + count;

  while (offset < end && out->len < MAX_EXTENTS_PER_CALL) {
    const struct region *r = find_region (h, offset);
    uint64_t local = offset - r->start;
    uint64_t n = MIN (end - offset, r->len - local);
    int ret = 0;

    switch (r->kind) {
    case REG_ZERO: extent_list_add (out, offset, n, EXT_ZERO); break;
    case REG_FLAT: ret = extents_flat (r, local, n, out); break;
    case REG_SPARSE: ret = extents_sparse (h, r, local, n, out); break;
    }
    if (ret == -1)
      return -1;
    offset = out->ptr[out->len - 1].offset + out->ptr[out->len - 1].length;
  }
  return 0;
}

const struct blk_driver vmdk_blk = {
  .name    = "vmdk",
  .probe   = vmdk_probe,
  .open    = vmdk_open,
  .pread   = vmdk_pread,
  .extents = vmdk_extents,
  .close   = vmdk_close,
};
