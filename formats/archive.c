/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the archive entry points of archive.h that work on a whole
 * archive, by path: what kind it is (archive_probe), its guest
 * description (archive_read_guest) and an OVA's manifest check
 * (ova_verify).  The disks inside are read by the block-source drivers
 * (disk-ova.c for OVA/OVF; XVA streams: archive-xva.c).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive.h"
#include "cfg.h"
#include "cfg-ovf.h"
#include "guest.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "archive-ova.h"
#include "archive-tar.h"
#include "xalloc.h"

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
  else if (ova_head_is_tar (h, len))
    *kind = strncmp ((const char *) h, "ova.xml", 100) == 0 ?
      ARCHIVE_XVA : ARCHIVE_OVA;
  else if (len > 0 && h[0] == '<' && memmem (h, len, "Envelope", 8))
    *kind = ARCHIVE_OVF_DIR;
  return 0;
}

int
ova_verify (const char *path, archive_report_fn report, void *opaque)
{
  struct bfile *file;
  struct ova *o = ova_open_path (path, &file);
  int r;

  if (!o)
    return -1;
  r = ova_verify_loaded (o, report, opaque, NULL);
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
