/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the reference rule, names only (see refs.h). */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"
#include "vector.h"
#include "xalloc.h"

/* Components of a path being normalised: pointers into the caller's
 * strings, with their lengths. */
struct comp {
  const char *s;
  size_t n;
};
DEFINE_VECTOR_TYPE (comp_vector, struct comp);

static bool
is_dotdot (struct comp c)
{
  return c.n == 2 && c.s[0] == '.' && c.s[1] == '.';
}

/* Apply the components of s to v: "" and "." vanish, ".." removes the
 * last one (at the top of an absolute path it vanishes, at the top of a
 * relative one it stays). */
static void
push (comp_vector *v, bool abs, const char *s)
{
  while (*s) {
    const char *e = strchrnul (s, '/');
    struct comp c = { s, (size_t) (e - s) };

    if (c.n == 0 || (c.n == 1 && s[0] == '.'))
      ;
    else if (is_dotdot (c) && v->len > 0 && !is_dotdot (v->ptr[v->len - 1]))
      v->len--;
    else if (!(is_dotdot (c) && abs))
      comp_vector_append (v, c);
    s = *e ? e + 1 : e;
  }
}

/* dir/name normalised (dir NULL or ignored when name is absolute);
 * malloc'd.  "/" for the absolute top, "" for the relative one. */
static char *
normalise (const char *dir, const char *name)
{
  bool abs = name[0] == '/' || (dir && dir[0] == '/');
  comp_vector v = empty_vector;
  size_t len = 2, o = 0;
  char *out;

  if (dir && name[0] != '/')
    push (&v, abs, dir);
  push (&v, abs, name);
  for (size_t i = 0; i < v.len; ++i)
    len += v.ptr[i].n + 1;
  out = xmalloc (len);
  if (abs)
    out[o++] = '/';
  for (size_t i = 0; i < v.len; ++i) {
    if (i > 0)
      out[o++] = '/';
    memcpy (out + o, v.ptr[i].s, v.ptr[i].n);
    o += v.ptr[i].n;
  }
  out[o] = '\0';
  comp_vector_reset (&v);
  return out;
}

int
ref_inside (const char *path, const char *root)
{
  char *r = normalise (NULL, root);
  size_t n = strlen (r);
  bool abs = r[0] == '/';
  int inside;

  if (abs != (path[0] == '/'))
    inside = 0;
  else if (!abs && n == 0)              /* the relative top */
    inside = !(path[0] == '.' && path[1] == '.' &&
               (path[2] == '/' || path[2] == '\0'));
  else if (abs && n == 1)               /* "/" */
    inside = 1;
  else
    inside = strncmp (path, r, n) == 0 &&
      (path[n] == '/' || path[n] == '\0');
  free (r);
  return inside;
}

enum ref_verdict
ref_resolve (const char *referrer, const char *ref, const char *root,
             char **resolved)
{
  const char *slash = strrchr (referrer, '/');
  char *dir, *path;

  *resolved = NULL;
  if (ref[0] == '\0')
    return REF_EMPTY;
  if (root && ref[0] == '/' && root[0] != '/')
    return REF_ABSOLUTE;
  if (slash == referrer)
    dir = xstrdup ("/");
  else
    dir = xstrndup (referrer, slash ? (size_t) (slash - referrer) : 0);
  path = normalise (dir, ref);
  free (dir);
  *resolved = path;
  if (root && !ref_inside (path, root))
    return REF_OUTSIDE;
  return REF_OK;
}

const char *
ref_verdict_string (enum ref_verdict v)
{
  switch (v) {
  case REF_OK: return "is allowed";
  case REF_EMPTY: return "is empty";
  case REF_ABSOLUTE: return "is an absolute path";
  case REF_OUTSIDE: return "leads outside";
  }
  return "?";
}
