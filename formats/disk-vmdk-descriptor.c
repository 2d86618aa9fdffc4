/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VMDK text descriptors (a separate *.vmdk file, or embedded in a
 * hosted sparse extent).
 *
 * Follows docs/formats.md §1.2, after VMware's
 * "Virtual Disk Format 5.0" technote and qemu block/vmdk.c
 * (vmdk_parse_extents): "key=value" header lines, extent lines
 * "ACCESS SECTORS TYPE ["FILENAME" [OFFSET]]", '#' comments.  Accepts
 * CRLF, trailing blanks, unquoted header values, file names with spaces.
 * File names (extents, parentFileNameHint) are recoded from the
 * descriptor's encoding= (windows-1252, GBK, Big5, Shift_JIS...) to
 * UTF-8 with iconv; a name that does not convert is used as bytes.  The
 * disk database (ddb.*) is not interpreted.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checked.h"
#include "error.h"
#include "vmdk.h"
#include "xalloc.h"

#define MAX_LINE 8192
#define MAX_EXTENTS 65536

void
vmdk_descriptor_free (struct vmdk_descriptor *d)
{
  free (d->create_type);
  free (d->parent_hint);
  free (d->encoding);
  for (size_t i = 0; i < d->extents.len; ++i)
    free (d->extents.ptr[i].file);
  vmdk_desc_extents_reset (&d->extents);
  memset (d, 0, sizeof *d);
}

static char *
trim (char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t')
    ++s;
  e = s + strlen (s);
  while (e > s && isspace ((unsigned char) e[-1]))
    *--e = '\0';
  return s;
}

static char *
unquote (char *s)
{
  size_t n = strlen (s);

  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    return trim (s + 1);
  }
  return s;
}

static int
parse_hex32 (const char *v, uint32_t *out)
{
  char *end;
  unsigned long long x;

  errno = 0;
  x = strtoull (v, &end, 16);
  if (errno || end == v || *end || x > 0xffffffff)
    return -1;
  *out = (uint32_t) x;
  return 0;
}

static void
parse_key (struct vmdk_descriptor *d, const char *key, char *val)
{
  val = unquote (val);
  if (strcasecmp (key, "encoding") == 0) {
    free (d->encoding);
    d->encoding = xstrdup (val);
  }
  else if (strcasecmp (key, "createType") == 0) {
    free (d->create_type);
    d->create_type = xstrdup (val);
  }
  else if (strcasecmp (key, "parentFileNameHint") == 0) {
    free (d->parent_hint);
    d->parent_hint = val[0] ? xstrdup (val) : NULL;
  }
  else if (strcasecmp (key, "CID") == 0)
    d->has_cid = parse_hex32 (val, &d->cid) == 0;
  else if (strcasecmp (key, "parentCID") == 0)
    d->has_parent_cid = parse_hex32 (val, &d->parent_cid) == 0;
}

/* The next blank-separated word of *p. */
static char *
word (char **p)
{
  char *s = *p, *w;

  while (*s == ' ' || *s == '\t')
    ++s;
  if (!*s)
    return NULL;
  w = s;
  while (*s && *s != ' ' && *s != '\t')
    ++s;
  if (*s)
    *s++ = '\0';
  *p = s;
  return w;
}

static int
parse_extent (const char *name, unsigned lineno, char *line,
              struct vmdk_descriptor *d)
{
  struct vmdk_desc_extent e = { .line = lineno };
  char *p = line, *access = word (&p), *sectors = word (&p), *type, *end;

  type = word (&p);
  if (!sectors || !type) {
    set_error (EINVAL, "'%s': invalid descriptor: line %u: extent line "
               "is incomplete", name, lineno);
    return -1;
  }
  e.access = strcmp (access, "RW") == 0 ? VMDK_RW
    : strcmp (access, "RDONLY") == 0 ? VMDK_RDONLY : VMDK_NOACCESS;
  errno = 0;
  e.sectors = strtoull (sectors, &end, 10);
  if (errno || *end || !isdigit ((unsigned char) sectors[0])) {
    set_error (EINVAL, "'%s': invalid descriptor: line %u: bad sector "
               "count '%s'", name, lineno, sectors);
    return -1;
  }
  snprintf (e.type, sizeof e.type, "%s", type);
  while (*p == ' ' || *p == '\t')
    ++p;
  if (*p == '"') {                      /* quoted: may hold spaces */
    char *q = strchr (p + 1, '"');
    if (!q) {
      set_error (EINVAL, "'%s': invalid descriptor: line %u: unterminated "
                 "file name", name, lineno);
      return -1;
    }
    *q = '\0';
    e.file = xstrdup (p + 1);
    p = q + 1;
  }
  else if (*p) {
    char *w = word (&p);
    e.file = xstrdup (w);
  }
  if ((type = word (&p)) != NULL) {
    errno = 0;
    e.offset = strtoull (type, &end, 10);
    if (errno || *end || !isdigit ((unsigned char) type[0])) {
      set_error (EINVAL, "'%s': invalid descriptor: line %u: bad extent "
                 "offset '%s'", name, lineno, type);
      free (e.file);
      return -1;
    }
  }
  if (d->extents.len >= MAX_EXTENTS) {
    set_error (EINVAL, "'%s': invalid descriptor: more than %d extents",
               name, MAX_EXTENTS);
    free (e.file);
    return -1;
  }
  vmdk_desc_extents_append (&d->extents, e);
  return 0;
}

/* ACCESS word, then a blank. */
static bool
is_extent_line (const char *s)
{
  static const char *const words[] = { "RW", "RDONLY", "NOACCESS" };

  for (size_t i = 0; i < 3; ++i) {
    size_t n = strlen (words[i]);
    if (strncmp (s, words[i], n) == 0 && (s[n] == ' ' || s[n] == '\t'))
      return true;
  }
  return false;
}

/* Recode *name from cd's encoding to UTF-8, in place; unchanged if it
 * does not convert. */
static void
recode (iconv_t cd, char **name)
{
  size_t inlen = strlen (*name), outcap = inlen * 4 + 1, outlen = outcap;
  char *in = *name, *out = xmalloc (outcap), *o = out;

  iconv (cd, NULL, NULL, NULL, NULL);
  if (iconv (cd, &in, &inlen, &o, &outlen) == (size_t) -1 || outlen == 0) {
    free (out);
    return;
  }
  *o = '\0';
  free (*name);
  *name = out;
}

static void
recode_names (const char *name, struct vmdk_descriptor *d)
{
  iconv_t cd;

  if (!d->encoding || strcasecmp (d->encoding, "UTF-8") == 0 ||
      strcasecmp (d->encoding, "UTF8") == 0)
    return;
  cd = iconv_open ("UTF-8", d->encoding);
  if (cd == (iconv_t) -1) {
    warning ("vmdk-encoding-unknown", "'%s': unknown descriptor encoding '%s': file names are used "
             "as they are", name, d->encoding);
    return;
  }
  for (size_t i = 0; i < d->extents.len; ++i)
    if (d->extents.ptr[i].file)
      recode (cd, &d->extents.ptr[i].file);
  if (d->parent_hint)
    recode (cd, &d->parent_hint);
  iconv_close (cd);
}

int
vmdk_descriptor_parse (const char *name, const char *text, size_t len,
                       struct vmdk_descriptor *d)
{
  unsigned lineno = 0;
  size_t pos = 0;
  char *buf = xmalloc (MAX_LINE + 1);

  memset (d, 0, sizeof *d);
  while (pos < len && text[pos]) {
    const char *nl = memchr (text + pos, '\n', len - pos);
    const char *nul = memchr (text + pos, '\0', len - pos);
    size_t n = (nl ? (size_t) (nl - text) : len) - pos;
    char *s, *eq;

    if (nul && (!nl || nul < nl))
      n = (size_t) (nul - text) - pos;  /* embedded: stop at NUL */
    ++lineno;
    if (n > MAX_LINE) {
      set_error (EINVAL, "'%s': invalid descriptor: line %u is longer "
                 "than %d bytes", name, lineno, MAX_LINE);
      goto err;
    }
    memcpy (buf, text + pos, n);
    buf[n] = '\0';
    pos += n + (nl && (!nul || nl < nul) ? 1 : 0);
    s = trim (buf);
    if (s[0] == '\0' || s[0] == '#')
      continue;
    if (is_extent_line (s)) {
      if (parse_extent (name, lineno, s, d) == -1)
        goto err;
    }
    else if ((eq = strchr (s, '=')) != NULL) {
      *eq = '\0';
      parse_key (d, trim (s), trim (eq + 1));
    }
    else
      debug ("%s: descriptor line %u ignored", name, lineno);
    if (nul && (!nl || nul < nl))
      break;
  }
  if (d->extents.len == 0) {
    set_error (EINVAL, "'%s': invalid descriptor: no extent lines", name);
    goto err;
  }
  recode_names (name, d);
  free (buf);
  return 0;

 err:
  free (buf);
  vmdk_descriptor_free (d);
  return -1;
}
