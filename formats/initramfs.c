/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Linux initramfs images (see initramfs.h for the format and the
 * contract).  Sources: the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst and
 * init/initramfs.c (unpack_to_rootfs: NUL padding between segments, a
 * segment starts with "070701"/"070702" or a compression magic), cpio(5)
 * for the "newc" header, RFC 1952 (gzip) and RFC 8878 (zstd frames).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "checked.h"
#include "error.h"
#include "initramfs.h"
#include "xalloc.h"

#define NEWC_HDR 110
#define S_IFMT_ 0170000
#define S_IFDIR_ 0040000
#define S_IFREG_ 0100000

static size_t
pad4 (size_t n)
{
  return (n + 3) & ~(size_t) 3;
}

const char *
initramfs_codec_name (enum ird_codec codec)
{
  switch (codec) {
  case IRD_NONE: return "uncompressed";
  case IRD_GZIP: return "gzip";
  case IRD_ZSTD: return "zstd";
  }
  return "?";
}

/* Names as the kernel sees them: "./a" and "/a" are "a". */
static const char *
norm (const char *name)
{
  for (;;) {
    if (name[0] == '/')
      name++;
    else if (name[0] == '.' && name[1] == '/')
      name += 2;
    else
      break;
  }
  return name[0] ? name : ".";
}

static bool
hex8 (const uint8_t *p, uint32_t *out)
{
  uint32_t v = 0;

  for (int i = 0; i < 8; ++i) {
    int c = p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v << 4 | (uint32_t) d;
  }
  *out = v;
  return true;
}

static bool
is_newc (const uint8_t *p, size_t len)
{
  return len >= 6 && (memcmp (p, "070701", 6) == 0 ||
                      memcmp (p, "070702", 6) == 0);
}

/* Walk one cpio archive at buf[0..len).  *end: offset just past its
 * trailer entry.  With list non-NULL, record the entries. */
static int
parse_cpio (const char *img, const uint8_t *buf, size_t len,
            ird_entry_list *list, size_t *end)
{
  size_t pos = 0;

  for (;;) {
    uint32_t f[13];
    if (len - pos < NEWC_HDR || !is_newc (buf + pos, len - pos)) {
      set_error (EINVAL, "%s: cpio header expected at offset %zu of an "
                 "archive", img, pos);
      return -1;
    }
    for (int i = 0; i < 13; ++i)
      if (!hex8 (buf + pos + 6 + 8 * i, &f[i])) {
        set_error (EINVAL, "%s: bad cpio header at offset %zu", img, pos);
        return -1;
      }
    uint32_t filesize = f[6], namesize = f[11];
    size_t name_end = pos + NEWC_HDR + namesize;
    if (namesize == 0 || namesize > 4096 || name_end > len ||
        buf[name_end - 1] != '\0' ||
        memchr (buf + pos + NEWC_HDR, '\0', namesize) !=
        buf + name_end - 1) {
      set_error (EINVAL, "%s: bad cpio entry name at offset %zu", img, pos);
      return -1;
    }
    const char *name = (const char *) buf + pos + NEWC_HDR;
    size_t data = pos + pad4 (NEWC_HDR + namesize);
    if (data > len || filesize > len - data) {
      set_error (EINVAL, "%s: cpio entry '%s' runs past the end of the "
                 "image", img, name);
      return -1;
    }
    size_t next = data + pad4 (filesize);
    if (next > len)
      next = len;             /* a last entry's padding may be cut */
    if (strcmp (name, "TRAILER!!!") == 0) {
      *end = next;
      return 0;
    }
    if (list) {
      if (list->len >= IRD_MAX_ENTRIES) {
        set_error (EFBIG, "%s: more than %d cpio entries", img,
                   IRD_MAX_ENTRIES);
        return -1;
      }
      struct ird_entry e = {
        .name = xstrdup (norm (name)), .ino = f[0], .mode = f[1],
        .uid = f[2], .gid = f[3], .nlink = f[4], .mtime = f[5],
        .raw = buf + pos, .raw_len = next - pos,
        .data = buf + data, .size = filesize,
      };
      ird_entry_list_append (list, e);
    }
    pos = next;
  }
}

/* The unpacked size allowed for a main archive of len compressed bytes
 * (initramfs.h). */
static size_t
unpacked_limit (size_t len)
{
  size_t lim = len > IRD_MAX_UNPACKED / IRD_MAX_RATIO ? IRD_MAX_UNPACKED
    : len * IRD_MAX_RATIO;

  return MAX (lim, IRD_MIN_UNPACKED);
}

static int
grow (const char *img, uint8_t **out, size_t *cap, size_t need, size_t lim)
{
  if (need <= *cap)
    return 0;
  if (need > lim) {
    set_error (EFBIG, "%s: main archive unpacks to more than %zu MiB "
               "(%d times its compressed size, at most %zu MiB): not an "
               "initramfs", img, lim >> 20, IRD_MAX_RATIO,
               IRD_MAX_UNPACKED >> 20);
    return -1;
  }
  size_t ncap = *cap ? *cap : 1 << 20;
  while (ncap < need)
    ncap *= 2;
  if (ncap > lim)
    ncap = lim;
  *out = xreallocarray (*out, ncap, 1);
  *cap = ncap;
  return 0;
}

/* Decompress one gzip member; *used: compressed bytes consumed. */
static int
gunzip (const char *img, const uint8_t *in, size_t len,
        uint8_t **out, size_t *out_len, size_t *used)
{
  z_stream z = { 0 };
  size_t cap = 0, lim = unpacked_limit (len);
  int r;

  *out = NULL;
  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK) {
    set_error (ENOMEM, "%s: cannot start zlib", img);
    return -1;
  }
  z.next_in = (Bytef *) in;
  z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt) len;
  do {
    if (grow (img, out, &cap, z.total_out + (1 << 20), lim) == -1)
      goto fail;
    z.next_out = *out + z.total_out;
    z.avail_out = (uInt) (cap - z.total_out);
    r = inflate (&z, Z_NO_FLUSH);
    if (r != Z_OK && r != Z_STREAM_END) {
      set_error (EINVAL, "%s: corrupt gzip data: %s", img,
                 z.msg ? z.msg : "truncated");
      goto fail;
    }
  } while (r != Z_STREAM_END);
  *out_len = z.total_out;
  *used = z.total_in;
  inflateEnd (&z);
  return 0;
 fail:
  inflateEnd (&z);
  free (*out);
  *out = NULL;
  return -1;
}

/* Decompress consecutive zstd frames; *used: compressed bytes consumed. */
static int
unzstd (const char *img, const uint8_t *in, size_t len,
        uint8_t **out, size_t *out_len, size_t *used)
{
  ZSTD_DCtx *dc = ZSTD_createDCtx ();
  size_t cap = 0, pos = 0, total = 0, lim = unpacked_limit (len);

  *out = NULL;
  if (dc == NULL) {
    set_error (ENOMEM, "%s: cannot start zstd", img);
    return -1;
  }
  while (pos < len && len - pos >= 4 &&
         memcmp (in + pos, "\x28\xb5\x2f\xfd", 4) == 0) {
    size_t fsz = ZSTD_findFrameCompressedSize (in + pos, len - pos);
    if (ZSTD_isError (fsz)) {
      set_error (EINVAL, "%s: corrupt zstd data: %s", img,
                 ZSTD_getErrorName (fsz));
      goto fail;
    }
    ZSTD_inBuffer zin = { in + pos, fsz, 0 };
    size_t r;
    do {
      if (grow (img, out, &cap, total + (1 << 20), lim) == -1)
        goto fail;
      ZSTD_outBuffer zout = { *out + total, cap - total, 0 };
      r = ZSTD_decompressStream (dc, &zout, &zin);
      if (ZSTD_isError (r)) {
        set_error (EINVAL, "%s: corrupt zstd data: %s", img,
                   ZSTD_getErrorName (r));
        goto fail;
      }
      total += zout.pos;
      if (r != 0 && zin.pos == zin.size && zout.pos < zout.size) {
        set_error (EINVAL, "%s: truncated zstd frame", img);
        goto fail;
      }
    } while (r != 0);
    pos += fsz;
  }
  ZSTD_freeDCtx (dc);
  *out_len = total;
  *used = pos;
  return 0;
 fail:
  ZSTD_freeDCtx (dc);
  free (*out);
  *out = NULL;
  return -1;
}

static enum ird_codec
sniff (const uint8_t *p, size_t len, const char **other)
{
  static const struct { const char *magic; size_t n; const char *name; }
  unsupported[] = {
    { "\xfd" "7zXZ\0", 6, "xz" }, { "\x5d\0\0", 3, "lzma" },
    { "\x02\x21\x4c\x18", 4, "lz4" }, { "BZh", 3, "bzip2" },
    { "\x89LZO", 4, "lzo" },
  };

  *other = NULL;
  if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
    return IRD_GZIP;
  if (len >= 4 && memcmp (p, "\x28\xb5\x2f\xfd", 4) == 0)
    return IRD_ZSTD;
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; ++i)
    if (len >= unsupported[i].n &&
        memcmp (p, unsupported[i].magic, unsupported[i].n) == 0)
      *other = unsupported[i].name;
  return IRD_NONE;
}

int
initramfs_parse (const char *name, const uint8_t *buf, size_t len,
                 struct initramfs *ird)
{
  size_t pos = 0, last = SIZE_MAX, end;

  memset (ird, 0, sizeof *ird);
  ird->name = xstrdup (name);
  /* Find the last segment: uncompressed ones are walked, the first
   * compressed one must be the last. */
  for (;;) {
    while (pos < len && buf[pos] == '\0')
      pos++;
    if (pos == len)
      break;
    last = pos;
    if (is_newc (buf + pos, len - pos)) {
      if (parse_cpio (name, buf + pos, len - pos, NULL, &end) == -1)
        goto fail;
      pos += end;
      continue;
    }
    const char *other;
    ird->codec = sniff (buf + pos, len - pos, &other);
    if (ird->codec == IRD_NONE) {
      if (other)
        set_error (ENOTSUP, "%s: %s-compressed initramfs (only gzip and "
                   "zstd are rewritten)", name, other);
      else
        set_error (EINVAL, "%s: not an initramfs (unknown data at offset "
                   "%zu)", name, pos);
      goto fail;
    }
    size_t used;
    int r = ird->codec == IRD_GZIP
      ? gunzip (name, buf + pos, len - pos, &ird->main, &ird->main_len, &used)
      : unzstd (name, buf + pos, len - pos, &ird->main, &ird->main_len, &used);
    if (r == -1)
      goto fail;
    for (size_t i = pos + used; i < len; ++i)
      if (buf[i] != '\0') {
        set_error (ENOTSUP, "%s: more data after the compressed archive "
                   "(offset %zu)", name, i);
        goto fail;
      }
    break;
  }
  if (last == SIZE_MAX) {
    set_error (EINVAL, "%s: empty initramfs", name);
    goto fail;
  }
  if (ird->main == NULL) {      /* all uncompressed: the last one is main */
    if (parse_cpio (name, buf + last, len - last, NULL, &end) == -1)
      goto fail;
    ird->main_len = end;
    ird->main = xmalloc (end);
    memcpy (ird->main, buf + last, end);
  }
  ird->early_len = last;
  ird->early = xmalloc (last ? last : 1);
  memcpy (ird->early, buf, last);
  if (parse_cpio (name, ird->main, ird->main_len, &ird->entries, &end) == -1)
    goto fail;
  return 0;
 fail:
  initramfs_free (ird);
  return -1;
}

struct ird_entry *
initramfs_find (struct initramfs *ird, const char *name)
{
  name = norm (name);
  for (size_t i = ird->entries.len; i-- > 0; ) {
    struct ird_entry *e = &ird->entries.ptr[i];
    if (!e->removed && strcmp (e->name, name) == 0)
      return e;
  }
  return NULL;
}

static uint32_t
next_ino (const struct initramfs *ird)
{
  uint32_t max = 0;

  for (size_t i = 0; i < ird->entries.len; ++i)
    if (ird->entries.ptr[i].ino > max)
      max = ird->entries.ptr[i].ino;
  return max + 1;
}

static void
add_dirs (struct initramfs *ird, const char *name)
{
  char *dir = xstrdup (name);

  for (char *s = strchr (dir, '/'); s; s = strchr (s + 1, '/')) {
    *s = '\0';
    if (initramfs_find (ird, dir) == NULL) {
      struct ird_entry e = {
        .name = xstrdup (dir), .ino = next_ino (ird),
        .mode = S_IFDIR_ | 0755, .nlink = 2,
      };
      ird_entry_list_append (&ird->entries, e);
    }
    *s = '/';
  }
  free (dir);
}

int
initramfs_put (struct initramfs *ird, const char *name, uint32_t perm,
               const void *data, size_t size)
{
  struct ird_entry *e = initramfs_find (ird, name);
  uint32_t mtime = 0;

  name = norm (name);
  if (e) {
    if ((e->mode & S_IFMT_) == S_IFDIR_ ||
        ((e->mode & S_IFMT_) == S_IFREG_ && e->nlink > 1)) {
      set_error (ENOTSUP, "%s: '%s' is a %s", ird->name, name,
                 (e->mode & S_IFMT_) == S_IFDIR_ ? "directory"
                 : "hard-linked file");
      return -1;
    }
    mtime = e->mtime;
    e->removed = true;
  }
  else
    add_dirs (ird, name);
  struct ird_entry n = {
    .name = xstrdup (name), .ino = next_ino (ird),
    .mode = S_IFREG_ | (perm & 07777), .nlink = 1, .mtime = mtime,
    .owned = xmalloc (size ? size : 1), .size = size,
  };
  if (size)
    memcpy (n.owned, data, size);
  n.data = n.owned;
  ird_entry_list_append (&ird->entries, n);
  return 0;
}

void
initramfs_remove (struct initramfs *ird, const char *name)
{
  struct ird_entry *e = initramfs_find (ird, name);

  if (e)
    e->removed = true;
}

/* Append n bytes to a growing buffer. */
struct buf { uint8_t *p; size_t len, cap; };

static void
put_bytes (struct buf *b, const void *data, size_t n)
{
  if (n == 0)
    return;                     /* data may be NULL (a directory's) */
  if (b->len + n > b->cap) {
    size_t ncap = b->cap ? b->cap : 1 << 20;
    while (ncap < b->len + n)
      ncap *= 2;
    b->p = xreallocarray (b->p, ncap, 1);
    b->cap = ncap;
  }
  memcpy (b->p + b->len, data, n);
  b->len += n;
}

static void
put_pad (struct buf *b)
{
  static const uint8_t zero[4];
  put_bytes (b, zero, pad4 (b->len) - b->len);
}

static void
put_header (struct buf *b, const struct ird_entry *e, const char *name,
            size_t size)
{
  char h[NEWC_HDR + 64];         /* room for what -Wformat-truncation fears */

  snprintf (h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
            "%08X%08X%08X", e->ino, e->mode, e->uid, e->gid, e->nlink,
            e->mtime, (uint32_t) size, 0u, 0u, 0u, 0u,
            (uint32_t) strlen (name) + 1, 0u);
  put_bytes (b, h, NEWC_HDR);
  put_bytes (b, name, strlen (name) + 1);
  put_pad (b);
}

/* The main archive as uncompressed newc. */
static void
write_cpio (const struct initramfs *ird, struct buf *b)
{
  static const struct ird_entry trailer = { .nlink = 1 };

  for (size_t i = 0; i < ird->entries.len; ++i) {
    const struct ird_entry *e = &ird->entries.ptr[i];
    if (e->removed)
      continue;
    if (e->raw) {
      put_bytes (b, e->raw, e->raw_len);
      put_pad (b);
      continue;
    }
    put_header (b, e, e->name, e->size);
    put_bytes (b, e->data, e->size);
    put_pad (b);
  }
  put_header (b, &trailer, "TRAILER!!!", 0);
  /* cpio(1) writes 512-byte blocks and unmkinitramfs reads them */
  static const uint8_t zero[512];
  put_bytes (b, zero, (512 - b->len % 512) % 512);
}

static int
compress_gzip (const char *img, const struct buf *in, int level,
               struct buf *out)
{
  z_stream z = { 0 };

  if (deflateInit2 (&z, level ? level : 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
                    Z_DEFAULT_STRATEGY) != Z_OK) {
    set_error (EINVAL, "%s: cannot start zlib at level %d", img, level);
    return -1;
  }
  size_t bound = deflateBound (&z, in->len);
  size_t base = out->len;
  if (out->len + bound > out->cap) {
    out->p = xreallocarray (out->p, out->len + bound, 1);
    out->cap = out->len + bound;
  }
  z.next_in = in->p;
  z.avail_in = (uInt) in->len;
  z.next_out = out->p + base;
  z.avail_out = (uInt) bound;
  int r = deflate (&z, Z_FINISH);
  out->len = base + z.total_out;
  deflateEnd (&z);
  if (r != Z_STREAM_END) {
    set_error (EIO, "%s: gzip compression failed", img);
    return -1;
  }
  return 0;
}

static int
compress_zstd (const char *img, const struct buf *in, int level,
               struct buf *out)
{
  ZSTD_CCtx *cc = ZSTD_createCCtx ();
  size_t bound = ZSTD_compressBound (in->len), r;

  if (cc == NULL) {
    set_error (ENOMEM, "%s: cannot start zstd", img);
    return -1;
  }
  /* As the zstd command does: a content checksum, one frame. */
  ZSTD_CCtx_setParameter (cc, ZSTD_c_compressionLevel, level ? level : 9);
  ZSTD_CCtx_setParameter (cc, ZSTD_c_checksumFlag, 1);
  if (out->len + bound > out->cap) {
    out->p = xreallocarray (out->p, out->len + bound, 1);
    out->cap = out->len + bound;
  }
  r = ZSTD_compress2 (cc, out->p + out->len, bound, in->p, in->len);
  ZSTD_freeCCtx (cc);
  if (ZSTD_isError (r)) {
    set_error (EIO, "%s: zstd compression failed: %s", img,
               ZSTD_getErrorName (r));
    return -1;
  }
  out->len += r;
  return 0;
}

int
initramfs_write (const struct initramfs *ird, int level,
                 uint8_t **out, size_t *out_len)
{
  struct buf cpio = { 0 }, img = { 0 };
  int r = 0;

  write_cpio (ird, &cpio);
  put_bytes (&img, ird->early, ird->early_len);
  switch (ird->codec) {
  case IRD_NONE: put_bytes (&img, cpio.p, cpio.len); break;
  case IRD_GZIP: r = compress_gzip (ird->name, &cpio, level, &img); break;
  case IRD_ZSTD: r = compress_zstd (ird->name, &cpio, level, &img); break;
  }
  free (cpio.p);
  if (r == -1) {
    free (img.p);
    return -1;
  }
  *out = img.p;
  *out_len = img.len;
  return 0;
}

void
initramfs_free (struct initramfs *ird)
{
  for (size_t i = 0; i < ird->entries.len; ++i) {
    free (ird->entries.ptr[i].name);
    free (ird->entries.ptr[i].owned);
  }
  ird_entry_list_reset (&ird->entries);
  free (ird->name);
  free (ird->early);
  free (ird->main);
  memset (ird, 0, sizeof *ird);
}
