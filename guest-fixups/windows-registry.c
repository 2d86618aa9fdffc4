/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the bottom layer of the Windows fixup: guest paths under
 * %SystemRoot% and registry hive access through libguestfs' hivex_*
 * calls (the hive is edited in place inside the appliance and committed
 * once; hivex(3) is the format reference).
 *
 * It knows no policy: which keys and values the fixup reads and writes
 * is decided above it, in windows.c (read-only facts), windows-drivers.c
 * and windows-driverdb.c (SYSTEM: the boot driver's binding, foreign
 * services) and windows-firstboot.c (SOFTWARE: the startup script).  It
 * calls nothing of the fixup but the shared libguestfs error helper
 * (gfs.c).
 *
 * Not done: deleting values (libguestfs has no hivex value delete; an
 * emptied filter list is written as an empty REG_MULTI_SZ, which Windows
 * reads as "no filters").
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "windows.h"
#include "xalloc.h"

char *
win_path (struct fx *fx, const char *rel)
{
  struct fx_windows *w = fx->win;
  /* guestfs_case_sensitive_path needs every element but the last to
   * exist; resolve one element at a time, verbatim once one is new. */
  char *cur = xstrdup (w->systemroot);
  CLEANUP_FREE char *copy = xstrdup (rel);
  char *save = NULL;
  bool exists = true;

  for (char *e = strtok_r (copy, "/", &save); e;
       e = strtok_r (NULL, "/", &save)) {
    char *next = xasprintf ("%s/%s", cur, e);
    free (cur);
    cur = next;
    if (exists) {
      char *r = guestfs_case_sensitive_path (fx->g, cur);
      if (!r) {
        gfs_error (fx->g, cur);
        free (cur);
        return NULL;
      }
      free (cur);
      cur = r;
      exists = guestfs_exists (fx->g, cur) == 1;
    }
  }
  return cur;
}

int
win_reg_open (struct fx *fx, const char *rel, bool write)
{
  CLEANUP_FREE char *path = win_path (fx, rel);

  if (!path)
    return -1;
  if (guestfs_hivex_open (fx->g, path, GUESTFS_HIVEX_OPEN_WRITE, write,
                          -1) == -1)
    return gfs_error (fx->g, path);
  return 0;
}

int
win_reg_close (struct fx *fx, bool commit)
{
  if (commit && guestfs_hivex_commit (fx->g, NULL) == -1) {
    gfs_error (fx->g, "hivex_commit");
    guestfs_hivex_close (fx->g);
    return -1;
  }
  if (guestfs_hivex_close (fx->g) == -1)
    return gfs_error (fx->g, "hivex_close");
  return 0;
}

int64_t
win_reg_node (struct fx *fx, int64_t node, const char *path, bool create)
{
  CLEANUP_FREE char *copy = xstrdup (path);
  char *save = NULL;

  for (char *p = strtok_r (copy, "\\", &save); p && node > 0;
       p = strtok_r (NULL, "\\", &save)) {
    int64_t child = guestfs_hivex_node_get_child (fx->g, node, p);
    if (child == -1)
      return gfs_error (fx->g, p);
    if (child == 0 && create) {
      child = guestfs_hivex_node_add_child (fx->g, node, p);
      if (child <= 0)
        return gfs_error (fx->g, p);
    }
    node = child;
  }
  return node;
}

int
win_reg_set (struct fx *fx, int64_t node, const char *key, int type,
             const void *data, size_t len)
{
  if (guestfs_hivex_node_set_value (fx->g, node, key, type, data, len) == -1)
    return gfs_error (fx->g, key);
  return 0;
}

int
win_reg_set_dword (struct fx *fx, int64_t node, const char *key, uint32_t v)
{
  unsigned char le[4] = { v, v >> 8, v >> 16, v >> 24 };
  return win_reg_set (fx, node, key, REG_DWORD, le, 4);
}

/* ASCII (or UTF-8 treated bytewise) -> UTF-16LE with terminating NUL. */
static char *
utf16le (const char *s, size_t *len)
{
  size_t n = strlen (s);
  char *out = xmalloc (2 * n + 2);

  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = s[i];
    out[2 * i + 1] = 0;
  }
  out[2 * n] = out[2 * n + 1] = 0;
  *len = 2 * n + 2;
  return out;
}

int
win_reg_set_str (struct fx *fx, int64_t node, const char *key, int type,
                 const char *s)
{
  size_t len;
  CLEANUP_FREE char *data = utf16le (s, &len);
  return win_reg_set (fx, node, key, type, data, len);
}

/* Raw value data, or NULL with *LEN = 0 when absent; -1 into *ERR. */
static char *
get_raw (struct fx *fx, int64_t node, const char *key, int64_t *type,
         size_t *len, int *err)
{
  int64_t v = guestfs_hivex_node_get_value (fx->g, node, key);
  char *data;

  *len = 0;
  *err = 0;
  if (v == -1) {
    *err = gfs_error (fx->g, key);
    return NULL;
  }
  if (v == 0)
    return NULL;
  if ((*type = guestfs_hivex_value_type (fx->g, v)) == -1 ||
      !(data = guestfs_hivex_value_value (fx->g, v, len))) {
    *err = gfs_error (fx->g, key);
    return NULL;
  }
  return data;
}

int
win_reg_get_dword (struct fx *fx, int64_t node, const char *key,
                   uint32_t *out)
{
  int64_t type = 0;
  size_t len;
  int err;
  CLEANUP_FREE unsigned char *d =
    (unsigned char *) get_raw (fx, node, key, &type, &len, &err);

  if (err)
    return -1;
  if (!d || type != REG_DWORD || len != 4)
    return 0;
  *out = get_le32 (d);
  return 1;
}

/* Split UTF-16LE string list data into ASCII strings (non-ASCII code units
 * become '?': service and driver names are ASCII, and a list is only
 * rewritten when a name is removed); one string for REG_SZ/EXPAND_SZ.
 * The end of the data ends the last string if its NUL is missing.
 * Appends to OUT. */
static void
utf16_split (const char *d, size_t len, string_vector *out)
{
  size_t start = 0;

  for (size_t i = 0; i <= len; i += 2) {
    bool end = i + 1 >= len;
    if (end || (d[i] == 0 && d[i + 1] == 0)) {
      if (i == start)
        break;                  /* empty string ends a multi-sz */
      char *s = xmalloc ((i - start) / 2 + 1);
      size_t k = 0;
      for (size_t j = start; j < i && j + 1 < len; j += 2)
        s[k++] = d[j + 1] == 0 && (unsigned char) d[j] < 0x80 ? d[j] : '?';
      s[k] = 0;
      string_vector_append (out, s);
      if (end)
        break;
      start = i + 2;
    }
  }
}

int
win_reg_get_strs (struct fx *fx, int64_t node, const char *key,
                  string_vector *out)
{
  int64_t type = 0;
  size_t len;
  int err;
  CLEANUP_FREE char *d = get_raw (fx, node, key, &type, &len, &err);

  if (err)
    return -1;
  if (!d || (type != REG_SZ && type != REG_EXPAND_SZ && type != REG_MULTI_SZ))
    return 0;
  utf16_split (d, len, out);
  return 1;
}

char *
win_reg_get_str (struct fx *fx, int64_t node, const char *key)
{
  string_vector v = empty_vector;
  char *ret;

  if (win_reg_get_strs (fx, node, key, &v) <= 0 || v.len == 0) {
    string_vector_free_all (&v);
    return NULL;
  }
  ret = v.ptr[0];
  v.ptr[0] = NULL;
  string_vector_free_all (&v);
  return ret;
}

int
win_reg_set_multi (struct fx *fx, int64_t node, const char *key,
                   const string_vector *v)
{
  size_t total = 2, off = 0;
  CLEANUP_FREE char *buf = NULL;

  for (size_t i = 0; i < v->len; ++i)
    total += 2 * strlen (v->ptr[i]) + 2;
  buf = xzalloc (total);
  for (size_t i = 0; i < v->len; ++i) {
    for (const char *p = v->ptr[i]; *p; ++p, off += 2)
      buf[off] = *p;
    off += 2;
  }
  return win_reg_set (fx, node, key, REG_MULTI_SZ, buf, total);
}
