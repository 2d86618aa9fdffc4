/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: hash index of string keys (see strindex.h). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strindex.h"
#include "xalloc.h"

static int
lower (int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* FNV-1a, 64-bit. */
static uint64_t
hash (const char *s, bool nocase)
{
  uint64_t h = UINT64_C (0xcbf29ce484222325);

  for (; *s; ++s) {
    h ^= (unsigned char) (nocase ? lower ((unsigned char) *s) : *s);
    h *= UINT64_C (0x100000001b3);
  }
  return h;
}

static bool
same (const struct strindex *ix, const char *a, const char *b)
{
  return ix->nocase ? strcasecmp (a, b) == 0 : strcmp (a, b) == 0;
}

long
strindex_find (const struct strindex *ix, const char *key)
{
  if (ix->cap == 0)
    return -1;
  for (size_t s = hash (key, ix->nocase) & (ix->cap - 1);;
       s = (s + 1) & (ix->cap - 1)) {
    if (ix->slots[s] == 0)
      return -1;
    if (same (ix, ix->key_at (ix->opaque, ix->slots[s] - 1), key))
      return (long) (ix->slots[s] - 1);
  }
}

static void
insert (struct strindex *ix, size_t i)
{
  size_t s = hash (ix->key_at (ix->opaque, i), ix->nocase) & (ix->cap - 1);

  while (ix->slots[s] != 0)
    s = (s + 1) & (ix->cap - 1);
  ix->slots[s] = i + 1;
}

void
strindex_add (struct strindex *ix, size_t i)
{
  if ((ix->count + 1) * 2 > ix->cap) {
    size_t *old = ix->slots, old_cap = ix->cap;
    ix->cap = old_cap ? old_cap * 2 : 64;
    ix->slots = xzalloc (ix->cap * sizeof *ix->slots);
    for (size_t s = 0; s < old_cap; ++s)
      if (old[s] != 0)
        insert (ix, old[s] - 1);
    free (old);
  }
  insert (ix, i);
  ix->count++;
}

void
strindex_free (struct strindex *ix)
{
  free (ix->slots);
  ix->slots = NULL;
  ix->cap = ix->count = 0;
}
