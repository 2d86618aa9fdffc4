/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: fast all-zero test (nbdkit common/include/iszero.h idea: check
 * the first 16 bytes, then memcmp the buffer against itself shifted). */
#ifndef V2K_ISZERO_H
#define V2K_ISZERO_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline bool __attribute__((__nonnull__ (1)))
is_zero (const void *buffer, size_t size)
{
  const char *p = buffer;
  size_t i, limit = size < 16 ? size : 16;

  for (i = 0; i < limit; ++i)
    if (p[i])
      return false;
  if (size == limit)
    return true;
  return memcmp (p, p + 16, size - 16) == 0;
}

#endif /* V2K_ISZERO_H */
