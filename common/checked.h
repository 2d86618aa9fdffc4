/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: overflow-checked arithmetic for sizes read from untrusted files
 * (after nbdkit common/include/checked-overflow.h).  Each returns true on
 * overflow, in which case *r is unspecified. */
#ifndef V2K_CHECKED_H
#define V2K_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

#define ADD_OVERFLOW(a, b, r) __builtin_add_overflow ((a), (b), (r))
#define MUL_OVERFLOW(a, b, r) __builtin_mul_overflow ((a), (b), (r))

static inline bool
is_power_of_2 (uint64_t v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ROUND_UP(n, a) (DIV_ROUND_UP ((n), (a)) * (a))
#define ROUND_DOWN(n, a) (((n) / (a)) * (a))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* V2K_CHECKED_H */
