/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: generic growable arrays (after nbdkit common/utils/vector.h).
 *
 *   DEFINE_VECTOR_TYPE (string_vector, char *);
 *   string_vector v = empty_vector;
 *   string_vector_append (&v, xstrdup ("a"));   // aborts on OOM
 *   for (size_t i = 0; i < v.len; ++i) use (v.ptr[i]);
 *   string_vector_reset (&v);                   // frees the array only
 *
 * No getters: iterate .ptr[i] for i < .len.  Appending small, fixed-size
 * items aborts on out-of-memory (xalloc policy); sizes that come from an
 * untrusted file must be capped by the caller before the loop.
 */
#ifndef V2K_VECTOR_H
#define V2K_VECTOR_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define empty_vector { .ptr = NULL, .len = 0, .cap = 0 }

#define DEFINE_VECTOR_TYPE(name, type)                                  \
  typedef struct { type *ptr; size_t len; size_t cap; } name;          \
  static inline void __attribute__((__unused__))                        \
  name##_reserve (name *v, size_t n)                                    \
  {                                                                     \
    if (v->len + n <= v->cap) return;                                   \
    size_t ncap = v->cap ? v->cap * 2 : 8;                              \
    while (ncap < v->len + n) ncap *= 2;                                \
    v->ptr = xreallocarray (v->ptr, ncap, sizeof (type));               \
    v->cap = ncap;                                                      \
  }                                                                     \
  static inline void __attribute__((__unused__))                        \
  name##_append (name *v, type elem)                                    \
  {                                                                     \
    name##_reserve (v, 1);                                              \
    v->ptr[v->len++] = elem;                                            \
  }                                                                     \
  static inline void __attribute__((__unused__))                        \
  name##_reset (name *v)                                                \
  {                                                                     \
    free (v->ptr);                                                      \
    v->ptr = NULL; v->len = v->cap = 0;                                 \
  }

DEFINE_VECTOR_TYPE (string_vector, char *);

/* Free every string, then the array. */
static inline void __attribute__((__unused__))
string_vector_free_all (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i]);
  string_vector_reset (v);
}

#endif /* V2K_VECTOR_H */
