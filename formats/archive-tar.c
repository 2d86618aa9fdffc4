/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: tar member index and forward tar stream (see archive-tar.h).
 *
 * Follows POSIX.1-2017 pax (ustar header layout: name 0/100, size
 * 124/12, chksum 148/8, typeflag 156, magic 257/6, prefix 345/155; pax
 * "LEN KEY=VALUE\n" records) and the GNU tar manual (long name 'L',
 * "ustar  " magic without prefix, base-256 numbers flagged by 0x80).
 * Not supported (ignored, with the member treated as data of type
 * "other"): GNU sparse members, multi-volume archives.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "refs.h"
#include "archive-tar.h"
#include "vector.h"
#include "xalloc.h"

/* ---- Header parsing, shared by the index and the stream ---- */

struct tar_stream {
  tar_read_fn read;
  /* Optional: skip n bytes without reading them (index over a bfile). */
  int (*skip) (void *opaque, uint64_t n);
  void *opaque;
  char *name;                   /* archive, for messages */
  uint64_t pos;                 /* bytes consumed */
  uint64_t left;                /* data bytes left in the current member */
  uint64_t pad;                 /* padding after them */
  char *cur_name;               /* name of the current member */
};

/* Read exactly n bytes; EOF is a truncation error. */
static int
ts_read_full (struct tar_stream *ts, void *buf, size_t n, const char *what)
{
  char *p = buf;
  size_t got = 0;

  while (got < n) {
    ssize_t r = ts->read (ts->opaque, p + got, n - got);
    if (r == -1)
      return -1;
    if (r == 0) {
      set_error (EINVAL, "'%s': archive is truncated (end of input at "
                 "offset %" PRIu64 " while reading %s)", ts->name,
                 ts->pos + got, what);
      return -1;
    }
    got += (size_t) r;
  }
  ts->pos += n;
  return 0;
}

static int
ts_skip (struct tar_stream *ts, uint64_t n, const char *what)
{
  char buf[4096];

  if (ts->skip) {
    if (ts->skip (ts->opaque, n) == -1)
      return -1;
    ts->pos += n;
    return 0;
  }
  while (n > 0) {
    size_t k = MIN (n, (uint64_t) sizeof buf);
    if (ts_read_full (ts, buf, k, what) == -1)
      return -1;
    n -= k;
  }
  return 0;
}

/* Parse an octal or GNU base-256 number field.  -1 if malformed. */
static int
parse_number (const uint8_t *f, size_t len, uint64_t *out)
{
  uint64_t v = 0;
  size_t i = 0;

  if (f[0] & 0x80) {                    /* base-256, big-endian */
    if (f[0] != 0x80)
      return -1;                        /* negative or > 2^(8*11) */
    for (i = 1; i < len; ++i) {
      if (v >> 55)
        return -1;
      v = (v << 8) | f[i];
    }
    *out = v;
    return 0;
  }
  while (i < len && f[i] == ' ')
    ++i;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (v >> 60)
      return -1;
    v = v * 8 + (f[i] - '0');
  }
  if (i < len && f[i] != ' ' && f[i] != '\0')
    return -1;
  *out = v;
  return 0;
}

static bool
header_checksum_ok (const uint8_t *h)
{
  uint64_t want;
  uint32_t usum = 0;
  int32_t ssum = 0;

  if (parse_number (h + 148, 8, &want) == -1)
    return false;
  for (size_t i = 0; i < TAR_BLOCK; ++i) {
    uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];
    usum += c;
    ssum += (int8_t) c;
  }
  return want == usum || (int64_t) want == ssum;
}

char *
tar_normalise_name (const char *archive, const char *name)
{
  char *out = xmalloc (strlen (name) + 1);
  size_t o = 0;
  const char *p = name;

  if (name[0] == '/') {
    set_error (EINVAL, "'%s': member '%s' has an absolute name: refusing "
               "the archive", archive, name);
    free (out);
    return NULL;
  }
  while (*p) {
    const char *e = strchrnul (p, '/');
    size_t n = (size_t) (e - p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      set_error (EINVAL, "'%s': member '%s' has a '..' component: refusing "
                 "the archive", archive, name);
      free (out);
      return NULL;
    }
    if (n > 0 && !(n == 1 && p[0] == '.')) {
      if (o > 0)
        out[o++] = '/';
      memcpy (out + o, p, n);
      o += n;
    }
    p = *e ? e + 1 : e;
  }
  out[o] = '\0';
  return out;
}

/* Apply the records of a pax extended header (path, size). */
static int
parse_pax (struct tar_stream *ts, char *buf, size_t len,
           char **path, uint64_t *size, bool *have_size)
{
  size_t i = 0;

  while (i < len && buf[i] != '\0') {
    /* "%d %s=%s\n", the length in decimal digits only, counting the
     * whole record (POSIX pax "extended header records"): strtoul
     * would skip leading whitespace, so a record whose length ends
     * before its keyword starts could be taken. */
    size_t rlen = 0, d = i;
    while (d < len && buf[d] >= '0' && buf[d] <= '9' && rlen <= len)
      rlen = rlen * 10 + (size_t) (buf[d++] - '0');
    char *end = buf + d;
    if (d == i || d >= len || *end != ' ' || rlen > len - i ||
        rlen < d - i + 2 || buf[i + rlen - 1] != '\n') {
      set_error (EINVAL, "'%s': malformed pax extended header record at "
                 "offset %" PRIu64, ts->name, ts->pos);
      return -1;
    }
    char *kv = end + 1, *rec_end = buf + i + rlen - 1;
    char *eq = memchr (kv, '=', (size_t) (rec_end - kv));
    if (eq) {
      *rec_end = '\0';
      *eq = '\0';
      if (strcmp (kv, "path") == 0) {
        free (*path);
        *path = xstrdup (eq + 1);
      }
      else if (strcmp (kv, "size") == 0) {
        char *e2;
        errno = 0;
        *size = strtoull (eq + 1, &e2, 10);
        if (errno || *e2 || e2 == eq + 1 || *size > INT64_MAX) {
          set_error (EINVAL, "'%s': bad pax size '%s'", ts->name, eq + 1);
          return -1;
        }
        *have_size = true;
      }
    }
    i += rlen;
  }
  return 0;
}

/* Read the data of an extension header ('x' or 'L') into a string. */
static char *
read_ext_data (struct tar_stream *ts, uint64_t size, uint64_t cap,
               const char *what)
{
  char *buf;

  if (size > cap) {
    set_error (EINVAL, "'%s': %s of %" PRIu64 " bytes at offset %" PRIu64
               " is larger than the limit (%" PRIu64 ")", ts->name, what,
               size, ts->pos, cap);
    return NULL;
  }
  buf = xmalloc (size + 1);
  if (ts_read_full (ts, buf, size, what) == -1 ||
      ts_skip (ts, ROUND_UP (size, TAR_BLOCK) - size, what) == -1) {
    free (buf);
    return NULL;
  }
  buf[size] = '\0';
  return buf;
}

static enum tar_type
type_of (uint8_t flag)
{
  switch (flag) {
  case '0': case '\0': case '7': return TAR_FILE;
  case '5': return TAR_DIR;
  case '1': case '2': return TAR_LINK;
  default: return TAR_OTHER;
  }
}

/* The name in a ustar header (prefix "/" name), or the GNU one. */
static char *
header_name (const uint8_t *h)
{
  char name[101], prefix[156];

  memcpy (name, h, 100);
  name[100] = '\0';
  if (memcmp (h + 257, "ustar\0", 6) == 0 && h[345] != '\0') {
    memcpy (prefix, h + 345, 155);
    prefix[155] = '\0';
    return xasprintf ("%s/%s", prefix, name);
  }
  return xstrdup (name);
}

static bool
is_zero_block (const uint8_t *h)
{
  for (size_t i = 0; i < TAR_BLOCK; ++i)
    if (h[i])
      return false;
  return true;
}

struct tar_stream *
tar_stream_new (tar_read_fn read, void *opaque, const char *name)
{
  struct tar_stream *ts = xzalloc (sizeof *ts);

  ts->read = read;
  ts->opaque = opaque;
  ts->name = xstrdup (name);
  return ts;
}

/* Parse one real header (after any extension headers). */
static int
next_header (struct tar_stream *ts, struct tar_member *m)
{
  uint8_t h[TAR_BLOCK];
  CLEANUP_FREE char *long_name = NULL;
  uint64_t pax_size = 0, size;
  bool have_pax_size = false;

  for (;;) {
    uint64_t hdr_pos = ts->pos;
    char *data;

    if (ts_read_full (ts, h, TAR_BLOCK, "a member header") == -1)
      return -1;
    if (is_zero_block (h))
      return 0;
    if (!header_checksum_ok (h)) {
      set_error (EINVAL, "'%s': bad tar header checksum at offset %" PRIu64
                 " (not a tar archive, or corrupt)", ts->name, hdr_pos);
      return -1;
    }
    if (parse_number (h + 124, 12, &size) == -1 || size > INT64_MAX) {
      set_error (EINVAL, "'%s': bad size field in the tar header at "
                 "offset %" PRIu64, ts->name, hdr_pos);
      return -1;
    }
    switch (h[156]) {
    case 'x':                           /* pax header for the next member */
      data = read_ext_data (ts, size, TAR_MAX_PAX, "pax extended header");
      if (!data || parse_pax (ts, data, size, &long_name, &pax_size,
                              &have_pax_size) == -1) {
        free (data);
        return -1;
      }
      free (data);
      continue;
    case 'L':                           /* GNU long name for the next one */
      data = read_ext_data (ts, size, TAR_MAX_NAME, "GNU long name");
      if (!data)
        return -1;
      free (long_name);
      long_name = data;
      continue;
    case 'g': case 'K':                 /* pax global, GNU long link name */
      if (ts_skip (ts, ROUND_UP (size, TAR_BLOCK), "an extension header") == -1)
        return -1;
      continue;
    }
    m->type = type_of (h[156]);
    if (have_pax_size)
      size = pax_size;
    if (m->type == TAR_DIR || m->type == TAR_LINK ||
        (h[156] >= '3' && h[156] <= '6'))
      size = 0;                         /* no data follows these */
    free (ts->cur_name);
    ts->cur_name = long_name ? xstrdup (long_name) : header_name (h);
    if (strlen (ts->cur_name) > TAR_MAX_NAME) {
      set_error (EINVAL, "'%s': member name at offset %" PRIu64 " is longer "
                 "than %d bytes", ts->name, hdr_pos, TAR_MAX_NAME);
      return -1;
    }
    m->offset = ts->pos;
    m->size = size;
    ts->left = size;
    ts->pad = ROUND_UP (size, TAR_BLOCK) - size;
    return 1;
  }
}

int
tar_stream_next (struct tar_stream *ts, struct tar_member *m)
{
  char *norm;
  int r;

  if (ts_skip (ts, ts->left + ts->pad, "member data") == -1)
    return -1;
  ts->left = ts->pad = 0;
  r = next_header (ts, m);
  if (r <= 0)
    return r;
  norm = tar_normalise_name (ts->name, ts->cur_name);
  if (!norm)
    return -1;
  free (ts->cur_name);
  ts->cur_name = norm;
  m->name = ts->cur_name;
  return 1;
}

ssize_t
tar_stream_read (struct tar_stream *ts, void *buf, size_t n)
{
  n = MIN (n, ts->left);
  if (n == 0)
    return 0;
  if (ts_read_full (ts, buf, n, "member data") == -1) {
    prepend_error ("member '%s': ", ts->cur_name);
    return -1;
  }
  ts->left -= n;
  return (ssize_t) n;
}

void
tar_stream_free (struct tar_stream *ts)
{
  if (!ts)
    return;
  free (ts->name);
  free (ts->cur_name);
  free (ts);
}

/* ---- The index over a bfile ---- */

DEFINE_VECTOR_TYPE (member_vector, struct tar_member);

struct tar {
  struct bfile *file;
  member_vector members;        /* archive order */
  size_t *by_name;              /* indexes sorted by name */
  unsigned refs;
  uint64_t cursor;              /* while indexing */
};

static ssize_t
index_read (void *opaque, void *buf, size_t n)
{
  struct tar *t = opaque;

  n = MIN (n, t->file->size - t->cursor);
  if (n > 0 && bfile_pread (t->file, buf, n, t->cursor) == -1)
    return -1;
  t->cursor += n;
  return (ssize_t) n;
}

static int
index_skip (void *opaque, uint64_t n)
{
  struct tar *t = opaque;

  if (n > t->file->size - t->cursor) {
    set_error (EINVAL, "'%s': archive is truncated (a member's data goes "
               "past the end of the file at offset %" PRIu64 ")",
               t->file->name, t->file->size);
    return -1;
  }
  t->cursor += n;
  return 0;
}

static const struct tar *sort_tar;      /* qsort has no context argument */

static int
compare_by_name (const void *a, const void *b)
{
  return strcmp (sort_tar->members.ptr[*(const size_t *) a].name,
                 sort_tar->members.ptr[*(const size_t *) b].name);
}

/* Sort the name index and refuse duplicates. */
static int
build_name_index (struct tar *t)
{
  size_t n = t->members.len;

  t->by_name = xreallocarray (NULL, n ? n : 1, sizeof (size_t));
  for (size_t i = 0; i < n; ++i)
    t->by_name[i] = i;
  sort_tar = t;
  qsort (t->by_name, n, sizeof (size_t), compare_by_name);
  for (size_t i = 1; i < n; ++i) {
    const struct tar_member *a = &t->members.ptr[t->by_name[i - 1]];
    const struct tar_member *b = &t->members.ptr[t->by_name[i]];
    if (strcmp (a->name, b->name) == 0 && a->type != TAR_DIR) {
      set_error (EINVAL, "'%s': member '%s' appears more than once: "
                 "refusing the archive", t->file->name, a->name);
      return -1;
    }
  }
  return 0;
}

static void
tar_unref (struct tar *t)
{
  if (--t->refs > 0)
    return;
  for (size_t i = 0; i < t->members.len; ++i)
    free (t->members.ptr[i].name);
  member_vector_reset (&t->members);
  free (t->by_name);
  free (t);
}

struct tar *
tar_open (struct bfile *file)
{
  struct tar *t = xzalloc (sizeof *t);
  struct tar_stream *ts;
  struct tar_member m;
  int r;

  t->file = file;
  t->refs = 1;
  ts = tar_stream_new (index_read, t, file->name);
  ts->skip = index_skip;
  while ((r = tar_stream_next (ts, &m)) == 1) {
    if (t->members.len >= TAR_MAX_MEMBERS) {
      set_error (EINVAL, "'%s': more than %d members", file->name,
                 TAR_MAX_MEMBERS);
      r = -1;
      break;
    }
    if (m.size > file->size - m.offset) {
      set_error (EINVAL, "'%s': member '%s' (%" PRIu64 " bytes at offset %"
                 PRIu64 ") goes past the end of the archive (%" PRIu64
                 " bytes): archive is truncated", file->name, m.name,
                 m.size, m.offset, file->size);
      r = -1;
      break;
    }
    if (m.name[0] == '\0' && m.type == TAR_DIR)
      continue;                         /* "./" */
    m.name = xstrdup (m.name);
    member_vector_append (&t->members, m);
  }
  tar_stream_free (ts);
  if (r == -1 || build_name_index (t) == -1) {
    tar_unref (t);
    return NULL;
  }
  debug ("'%s': tar with %zu members", file->name, t->members.len);
  return t;
}

size_t
tar_count (const struct tar *t)
{
  return t->members.len;
}

const struct tar_member *
tar_member (const struct tar *t, size_t i)
{
  return &t->members.ptr[i];
}

const struct tar_member *
tar_find (const struct tar *t, const char *name)
{
  size_t lo = 0, hi = t->members.len;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct tar_member *m = &t->members.ptr[t->by_name[mid]];
    int c = strcmp (name, m->name);
    if (c == 0)
      return m;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

struct bfile *
tar_file (const struct tar *t)
{
  return t->file;
}

void
tar_close (struct tar *t)
{
  if (t)
    tar_unref (t);
}

/* ---- Members as bfiles ---- */

struct member_priv {
  struct tar *t;
  char *name;                   /* member name inside the archive */
  uint64_t offset;              /* of its data in the archive file */
};

static int
member_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  struct member_priv *p = f->priv;

  return bfile_pread (p->t->file, buf, count, p->offset + offset);
}

/* Siblings are other members, relative to this member's directory: a
 * reference may only name another regular member of the same archive
 * (refs.h), never an absolute path, never out through "..", never a
 * link (tar_open_member). */
static struct bfile *
member_open_sibling (struct bfile *f, const char *name)
{
  struct member_priv *p = f->priv;
  CLEANUP_FREE char *member = NULL;
  enum ref_verdict v = ref_resolve (p->name, name, "", &member);
  struct bfile *r;

  if (v != REF_OK) {
    set_error (EACCES, "'%s': reference '%s' %s: a member of an archive "
               "may only name another member of the same archive",
               f->name, name,
               v == REF_OUTSIDE ? "leads outside the archive" :
               ref_verdict_string (v));
    return NULL;
  }
  r = tar_open_member (p->t, member);
  if (!r && get_errno () != ENOENT) {
    int e = get_errno ();
    CLEANUP_FREE char *msg = xstrdup (get_error ());
    set_error (e == EINVAL ? EACCES : e, "'%s': reference '%s': %s",
               f->name, name, msg);
  }
  return r;
}

static void
member_close (struct bfile *f)
{
  struct member_priv *p = f->priv;

  tar_unref (p->t);
  free (p->name);
  free (p);
  free (f->name);
  free (f);
}

static const struct bfile_ops member_ops = {
  .pread = member_pread,
  .open_sibling = member_open_sibling,
  .close = member_close,
};

struct bfile *
tar_open_member (struct tar *t, const char *name)
{
  CLEANUP_FREE char *norm = tar_normalise_name (t->file->name, name);
  const struct tar_member *m;
  struct member_priv *p;
  CLEANUP_FREE char *fname = NULL;

  if (!norm) {
    prepend_error ("cannot open '%s' in the archive: ", name);
    return NULL;
  }
  m = tar_find (t, norm);
  if (!m) {
    set_error (ENOENT, "'%s': no member '%s' in the archive", t->file->name,
               norm);
    return NULL;
  }
  if (m->type != TAR_FILE) {
    set_error (EINVAL, "'%s': member '%s' is a %s, not a regular file "
               "(links are never followed)", t->file->name, norm,
               m->type == TAR_LINK ? "link" :
               m->type == TAR_DIR ? "directory" : "special file");
    return NULL;
  }
  p = xzalloc (sizeof *p);
  p->t = t;
  p->name = xstrdup (norm);
  p->offset = m->offset;
  t->refs++;
  fname = xasprintf ("%s:%s", t->file->name, norm);
  return bfile_new_range (t->file->fd, t->file->base + m->offset, m->size,
                          fname, &member_ops, p);
}

/* ---- Writing ---- */

static int
tar_put (FILE *fp, const void *p, size_t n)
{
  if (n && fwrite (p, 1, n, fp) != n) {
    set_error_errno ("cannot write a tar archive");
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

int
tar_write_file (FILE *fp, const char *name, uint32_t perm,
                const void *data, size_t size)
{
  static const char zero[TAR_BLOCK];
  char h[TAR_BLOCK] = { 0 };
  size_t len = strlen (name), split = 0;
  unsigned sum = 0;

  if (len > 100) {              /* ustar: prefix "/" name */
    for (size_t i = 0; i < len && i <= 155; ++i)
      if (name[i] == '/' && len - i - 1 <= 100 && len - i - 1 > 0)
        split = i;
    if (split == 0) {
      set_error (ENAMETOOLONG, "'%s': name too long for a tar archive",
                 name);
      return -1;
    }
    memcpy (h + 345, name, split);
    memcpy (h, name + split + 1, len - split - 1);
  }
  else
    memcpy (h, name, len);
  snprintf (h + 100, 8, "%07o", (unsigned) (perm & 07777));
  snprintf (h + 108, 8, "%07o", 0u);
  snprintf (h + 116, 8, "%07o", 0u);
  snprintf (h + 124, 12, "%011llo", (unsigned long long) size);
  snprintf (h + 136, 12, "%011o", 0u);
  memset (h + 148, ' ', 8);
  h[156] = '0';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  for (size_t i = 0; i < TAR_BLOCK; ++i)
    sum += (unsigned char) h[i];
  snprintf (h + 148, 8, "%06o", sum);
  h[155] = ' ';
  if (size >= 1ULL << 33) {
    set_error (EFBIG, "'%s': too large for a ustar member", name);
    return -1;
  }
  if (tar_put (fp, h, TAR_BLOCK) == -1 || tar_put (fp, data, size) == -1 ||
      tar_put (fp, zero, (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK) == -1)
    return -1;
  return 0;
}

int
tar_write_end (FILE *fp)
{
  static const char zero[2 * TAR_BLOCK];

  return tar_put (fp, zero, sizeof zero);
}
