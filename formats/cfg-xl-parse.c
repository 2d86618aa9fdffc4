/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the xl.cfg / xm config grammar (see cfg-xl.c for the reader).
 *
 * After libxl's own parser (xen tools/libs/util/libxlu_cfg_l.l,
 * libxlu_cfg_y.y): KEY = VALUE separated by newlines or ';', '#'
 * comments, '..' / ".." strings with backslash escapes, numbers
 * (decimal, 0x hex, 0 octal, negative), [ lists ] spanning lines with an
 * optional trailing comma.  For legacy xm files (Python run by xend) the
 * declarative subset is accepted too: triple-quoted strings, ( tuples ),
 * None / True / False, backslash-newline; any other Python (keywords,
 * calls, attribute access, operators) is an error naming file:line.
 * Duplicate keys are an error.  Lists nest at most MAX_DEPTH deep and
 * hold at most MAX_ITEMS items.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg-xl.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

void
xl_xval_free (struct xval *v)
{
  free (v->s);
  for (size_t i = 0; i < v->n; ++i)
    xl_xval_free (&v->items[i]);
  free (v->items);
}

int
xl_err (struct xl *x, int line, const char *what)
{
  set_error (EINVAL, "%s:%d: %s", x->path, line, what);
  return -1;
}

/* Skip blanks, comments and (inside lists) newlines; backslash-newline
 * continues a line (Python). */
static void
skip_space (struct xl *x, bool newlines)
{
  while (x->p < x->end) {
    char c = *x->p;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f')
      x->p++;
    else if (c == '\\' && x->p + 1 < x->end && x->p[1] == '\n') {
      x->p += 2;
      x->line++;
    }
    else if (c == '#')
      while (x->p < x->end && *x->p != '\n') x->p++;
    else if (c == '\n' && newlines) {
      x->p++;
      x->line++;
    }
    else
      break;
  }
}

static int
parse_string (struct xl *x, struct xval *v)
{
  char q = *x->p;
  bool triple = x->end - x->p >= 3 && x->p[1] == q && x->p[2] == q;
  int start = x->line;
  size_t cap = 16, len = 0;
  char *out = xmalloc (cap);

  x->p += triple ? 3 : 1;
  for (;;) {
    char c;
    if (x->p >= x->end || (!triple && *x->p == '\n')) {
      free (out);
      return xl_err (x, start, "unterminated string");
    }
    c = *x->p++;
    if (c == q && (!triple || (x->end - x->p >= 2 && x->p[0] == q &&
                               x->p[1] == q))) {
      if (triple) x->p += 2;
      break;
    }
    if (c == '\n')
      x->line++;
    if (c == '\\' && x->p < x->end) {
      c = *x->p++;
      c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    if (len + 2 > cap)
      out = xreallocarray (out, cap *= 2, 1);
    out[len++] = c;
  }
  out[len] = '\0';
  v->t = V_STR;
  v->s = out;
  return 0;
}

static int
parse_number (struct xl *x, struct xval *v)
{
  const char *s = x->p;
  char *e;

  if (*x->p == '-') x->p++;
  while (x->p < x->end && (isalnum ((unsigned char) *x->p) || *x->p == '.'))
    x->p++;
  v->t = V_NUM;
  v->s = xstrndup (s, x->p - s);
  errno = 0;
  (void) strtoll (v->s, &e, 0);
  if (*e || errno || e == v->s) {
    CLEANUP_FREE char *m = xasprintf ("bad number '%s'", v->s);
    return xl_err (x, v->line, m);
  }
  return 0;
}

static int parse_value (struct xl *x, struct xval *v);

static int
parse_list (struct xl *x, struct xval *v)
{
  char close = *x->p == '[' ? ']' : ')';
  int start = x->line;

  if (++x->depth > MAX_DEPTH)
    return xl_err (x, start, "lists nested too deeply");
  x->p++;
  v->t = V_LIST;
  for (;;) {
    skip_space (x, true);
    if (x->p >= x->end)
      return xl_err (x, start, "unterminated list");
    if (*x->p == close) {
      x->p++;
      break;
    }
    if (v->n == MAX_ITEMS)
      return xl_err (x, x->line, "list has too many items");
    v->items = xreallocarray (v->items, v->n + 1, sizeof *v->items);
    memset (&v->items[v->n], 0, sizeof *v->items);
    if (parse_value (x, &v->items[v->n++]) == -1)
      return -1;
    skip_space (x, true);
    if (x->p < x->end && *x->p == ',')
      x->p++;
    else if (x->p < x->end && *x->p != close)
      return xl_err (x, x->line, "expected ',' or the end of the list "
                  "(expressions are Python, not supported)");
  }
  x->depth--;
  return 0;
}

static int
parse_value (struct xl *x, struct xval *v)
{
  char c;

  skip_space (x, false);
  v->line = x->line;
  if (x->p >= x->end || *x->p == '\n')
    return xl_err (x, x->line, "missing value");
  c = *x->p;
  if (c == '"' || c == '\'')
    return parse_string (x, v);
  if (isdigit ((unsigned char) c) || c == '-')
    return parse_number (x, v);
  if (c == '[' || c == '(')
    return parse_list (x, v);
  if (x->end - x->p >= 4 && strncmp (x->p, "None", 4) == 0) {
    x->p += 4;
    v->t = V_NONE;
    return 0;
  }
  if (x->end - x->p >= 4 && (strncmp (x->p, "True", 4) == 0)) {
    x->p += 4;
    v->t = V_NUM;
    v->s = xstrdup ("1");
    return 0;
  }
  if (x->end - x->p >= 5 && (strncmp (x->p, "False", 5) == 0)) {
    x->p += 5;
    v->t = V_NUM;
    v->s = xstrdup ("0");
    return 0;
  }
  return xl_err (x, x->line, "value is a Python expression, which v2kvm "
              "cannot evaluate (write the value out)");
}

static bool
python_keyword (const char *w, size_t n)
{
  static const char *const kw[] = {
    "import", "from", "def", "if", "elif", "else", "for", "while", "class",
    "return", "try", "except", "raise", "with", "global", "print", "lambda",
    "del", "pass", "assert",
  };
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; ++i)
    if (strlen (kw[i]) == n && strncmp (w, kw[i], n) == 0)
      return true;
  return false;
}

static const char *
key_at (const void *opaque, size_t i)
{
  const struct xl *x = opaque;

  return x->set[i].key;
}

/* Settings are found through x->ix and the array grows by doubling, so
 * a file of n keys reads in O(n) (bench/cfg-keys.sh). */
static int
add_setting (struct xl *x, char *key, struct xval *v, int line)
{
  long old;

  if (!x->ix.key_at)
    x->ix = (struct strindex) STRINDEX_INIT (false, key_at, x);
  old = strindex_find (&x->ix, key);
  if (old >= 0) {
    CLEANUP_FREE char *m = xasprintf ("duplicate key '%s' (first set on "
                                      "line %d)", key, x->set[old].v.line);
    free (key);
    xl_xval_free (v);
    return xl_err (x, line, m);
  }
  if (x->nset == x->set_cap) {
    x->set_cap = x->set_cap ? x->set_cap * 2 : 32;
    x->set = xreallocarray (x->set, x->set_cap, sizeof *x->set);
  }
  x->set[x->nset].key = key;
  x->set[x->nset].v = *v;
  strindex_add (&x->ix, x->nset);
  x->nset++;
  return 0;
}

static int
parse_statement (struct xl *x)
{
  const char *k = x->p;
  int line = x->line;
  struct xval v = { 0 };

  while (x->p < x->end && (isalnum ((unsigned char) *x->p) || *x->p == '_'))
    x->p++;
  if (x->p == k || python_keyword (k, x->p - k)) {
    CLEANUP_FREE char *m =
      xasprintf ("'%.*s': Python code is not supported (only KEY = VALUE "
                 "settings)", (int) (x->p == k ? 1 : x->p - k), k);
    return xl_err (x, line, m);
  }
  skip_space (x, false);
  if (x->p >= x->end || *x->p != '=' || (x->p + 1 < x->end && x->p[1] == '=')) {
    CLEANUP_FREE char *m =
      xasprintf ("expected '=' after '%.*s' (Python code is not supported)",
                 (int) (x->p - k), k);
    return xl_err (x, line, m);
  }
  {
    CLEANUP_FREE char *key = NULL;
    const char *ke = k;
    while (isalnum ((unsigned char) *ke) || *ke == '_') ke++;
    key = xstrndup (k, ke - k);
    x->p++;
    if (parse_value (x, &v) == -1) {
      xl_xval_free (&v);
      return -1;
    }
    skip_space (x, false);
    if (x->p < x->end && *x->p != '\n' && *x->p != ';') {
      xl_xval_free (&v);
      return xl_err (x, x->line, "unexpected text after the value "
                  "(expressions are Python, not supported)");
    }
    if (add_setting (x, key, &v, line) == -1) {
      key = NULL;
      return -1;
    }
    key = NULL;
  }
  return 0;
}

int
xl_parse_all (struct xl *x)
{
  if (memchr (x->p, '\0', x->end - x->p))
    return xl_err (x, 1, "binary data in a config file");
  for (;;) {
    skip_space (x, true);
    while (x->p < x->end && *x->p == ';') {
      x->p++;
      skip_space (x, true);
    }
    if (x->p >= x->end)
      return 0;
    if (parse_statement (x) == -1)
      return -1;
  }
}

/* ---- lookups ---- */

struct xval *
xl_lookup (struct xl *x, const char *key)
{
  long i = strindex_find (&x->ix, key);

  if (i < 0 || x->set[i].v.t == V_NONE)
    return NULL;
  return &x->set[i].v;
}

int
xl_get_str (struct xl *x, const char *key, const char **out)
{
  struct xval *v = xl_lookup (x, key);

  *out = NULL;
  if (!v)
    return 0;
  if (v->t == V_LIST) {
    CLEANUP_FREE char *m = xasprintf ("%s: expected a string, not a list",
                                      key);
    return xl_err (x, v->line, m);
  }
  *out = v->s;
  return 0;
}

/* A number (also accepted as a numeric string, as libxlu does). */
int
xl_get_num (struct xl *x, const char *key, int64_t dflt, int64_t *out)
{
  struct xval *v = xl_lookup (x, key);
  char *e;

  *out = dflt;
  if (!v)
    return 0;
  errno = 0;
  if (v->t != V_LIST)
    *out = strtoll (v->s, &e, 0);
  if (v->t == V_LIST || *e || errno || e == v->s) {
    CLEANUP_FREE char *m = xasprintf ("%s: expected a number", key);
    return xl_err (x, v->line, m);
  }
  return 0;
}
