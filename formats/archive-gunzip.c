/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: gzip-compressed OVA members (ovf:compression="gzip"; see archive-ova.h
 * and archive-ova.c for why they are the one case that uses scratch space).
 * Concatenated gzip members are accepted (RFC 1952 §2.2).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>

#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "iszero.h"
#include "archive-ova.h"
#include "xalloc.h"

/* Decompressed sizes: the declared capacity, capped at the largest
 * virtual disk any reader accepts (1 PiB), plus overhead (archive-ova.h). */
#define MAX_GUNZIP_CAPACITY ((uint64_t) 1 << 50)
#define GUNZIP_SLACK ((uint64_t) 64 << 20)

static int
tmp_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  ssize_t r = pread (f->fd, buf, count, (off_t) offset);

  if (r != (ssize_t) count) {
    set_error_errno ("cannot read the decompressed copy of '%s'", f->name);
    return -1;
  }
  return 0;
}

static void
tmp_close (struct bfile *f)
{
  close (f->fd);
  free (f->name);
  free (f);
}

static const struct bfile_ops tmp_ops = {
  .pread = tmp_pread,
  .close = tmp_close,
};

uint64_t
ova_gunzip_limit (const char *name, int64_t capacity)
{
  if (capacity < 0) {
    set_error (ENOTSUP, "'%s' is gzip-compressed and the OVF gives its disk "
               "no capacity: its decompressed size cannot be bounded "
               "(decompress it first)", name);
    return 0;
  }
  if ((uint64_t) capacity > MAX_GUNZIP_CAPACITY)
    capacity = (int64_t) MAX_GUNZIP_CAPACITY;
  return (uint64_t) capacity + (uint64_t) capacity / 8 + GUNZIP_SLACK;
}

struct bfile *
ova_gunzip_member (struct bfile *member, uint64_t max_out)
{
  const size_t chunk = 1024 * 1024;
  const char *dir = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/var/tmp";
  CLEANUP_FREE unsigned char *in = xmalloc (chunk), *out = xmalloc (chunk);
  CLEANUP_FREE char *name = xasprintf ("%s (gunzipped)", member->name);
  z_stream z = { 0 };
  uint64_t inpos = 0, outpos = 0;
  int fd, zr = Z_OK;

  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd == -1) {
    set_error_errno ("cannot create a temporary file in '%s' to decompress "
                     "'%s'", dir, member->name);
    goto err;
  }
  inflateInit2 (&z, 15 + 16);
  while (zr != Z_STREAM_END || inpos < member->size || z.avail_in > 0) {
    if (zr == Z_STREAM_END)             /* concatenated gzip members */
      inflateReset (&z);
    if (z.avail_in == 0 && inpos < member->size) {
      size_t n = MIN ((uint64_t) chunk, member->size - inpos);
      if (bfile_pread (member, in, n, inpos) == -1)
        goto err_z;
      z.next_in = in;
      z.avail_in = (uInt) n;
      inpos += n;
    }
    z.next_out = out;
    z.avail_out = (uInt) chunk;
    zr = inflate (&z, Z_NO_FLUSH);
    size_t have = chunk - z.avail_out;
    if (zr != Z_OK && zr != Z_STREAM_END &&
        !(zr == Z_BUF_ERROR && z.avail_in == 0 && inpos < member->size)) {
      set_error (EINVAL, "'%s': gzip data is corrupt or truncated%s%s",
                 member->name, z.msg ? ": " : "", z.msg ? z.msg : "");
      goto err_z;
    }
    if (have > max_out - outpos) {
      set_error (EINVAL, "'%s': gzip data inflates to more than %" PRIu64
                 " bytes, more than the disk's declared capacity allows",
                 member->name, max_out);
      goto err_z;
    }
    if (have > 0 && !is_zero (out, have) &&
        pwrite (fd, out, have, (off_t) outpos) != (ssize_t) have) {
      set_error_errno ("cannot write the decompressed copy of '%s'",
                       member->name);
      error_set_kind (V2K_ERR_OUTPUT);
      goto err_z;
    }
    outpos += have;
    if (check_interrupted () == -1)
      goto err_z;
  }
  inflateEnd (&z);
  if (ftruncate (fd, (off_t) outpos) == -1) {
    set_error_errno ("cannot size the decompressed copy of '%s'",
                     member->name);
    goto err;
  }
  debug ("'%s': decompressed %" PRIu64 " bytes into a temporary file",
         member->name, outpos);
  bfile_close (member);
  return bfile_new_range (fd, 0, outpos, name, &tmp_ops, NULL);

 err_z:
  inflateEnd (&z);
 err:
  if (fd >= 0)
    close (fd);
  bfile_close (member);
  return NULL;
}
