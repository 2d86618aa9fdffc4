/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: a hash index from string keys to positions in the caller's
 * array (the config readers' key lists), so that finding a key among n
 * is O(1) and reading a file of n keys O(n), not O(n^2).
 *
 * The index stores positions only; the keys stay in the caller's records
 * and key_at(opaque, i) returns record i's key.  Keys compare exactly, or
 * ignoring ASCII case when nocase is set.  Open addressing with linear
 * probing, grown at half full.
 */
#ifndef V2K_STRINDEX_H
#define V2K_STRINDEX_H

#include <stdbool.h>
#include <stddef.h>

typedef const char *(*strindex_key_fn) (const void *opaque, size_t i);

struct strindex {
  size_t *slots;                /* position + 1, 0 = empty */
  size_t cap, count;            /* cap: 0 or a power of two */
  bool nocase;
  strindex_key_fn key_at;
  const void *opaque;
};

/* An empty index over the records key_at reads. */
#define STRINDEX_INIT(nocase_, key_at_, opaque_) \
  { NULL, 0, 0, (nocase_), (key_at_), (opaque_) }

/* Position of key, or -1 if absent. */
long strindex_find (const struct strindex *ix, const char *key);

/* Record that position i holds key_at(opaque, i) (not already present). */
void strindex_add (struct strindex *ix, size_t i);

/* Free the table; the index is empty again. */
void strindex_free (struct strindex *ix);

#endif /* V2K_STRINDEX_H */
