/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: XXH64 with seed 0 (see xxh64.h), written from the xxHash
 * specification (Cyan4973/xxHash doc/xxhash_spec.md). */
#include <config.h>

#include "byteorder.h"
#include "xxh64.h"

#define XXP1 UINT64_C (0x9E3779B185EBCA87)
#define XXP2 UINT64_C (0xC2B2AE3D27D4EB4F)
#define XXP3 UINT64_C (0x165667B19E3779F9)
#define XXP4 UINT64_C (0x85EBCA77C2B2AE63)
#define XXP5 UINT64_C (0x27D4EB2F165667C5)

static inline uint64_t
rotl64 (uint64_t x, int r)
{
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t
xx_round (uint64_t acc, uint64_t input)
{
  return rotl64 (acc + input * XXP2, 31) * XXP1;
}

static inline uint64_t
xx_merge (uint64_t acc, uint64_t v)
{
  return (acc ^ xx_round (0, v)) * XXP1 + XXP4;
}

uint64_t
xxh64 (const unsigned char *p, size_t len)
{
  const unsigned char *end = p + len;
  uint64_t h;

  if (len >= 32) {
    uint64_t v[4] = { XXP1 + XXP2, XXP2, 0, -XXP1 };
    for (; end - p >= 32; p += 32)
      for (int i = 0; i < 4; ++i)
        v[i] = xx_round (v[i], get_le64 (p + 8 * i));
    h = rotl64 (v[0], 1) + rotl64 (v[1], 7) + rotl64 (v[2], 12) +
      rotl64 (v[3], 18);
    for (int i = 0; i < 4; ++i)
      h = xx_merge (h, v[i]);
  }
  else
    h = XXP5;
  h += len;
  for (; end - p >= 8; p += 8)
    h = rotl64 (h ^ xx_round (0, get_le64 (p)), 27) * XXP1 + XXP4;
  if (end - p >= 4) {
    uint64_t k = get_le32 (p);
    h = rotl64 (h ^ k * XXP1, 23) * XXP2 + XXP3;
    p += 4;
  }
  for (; p < end; ++p)
    h = rotl64 (h ^ *p * XXP5, 11) * XXP1;
  h ^= h >> 33;
  h *= XXP2;
  h ^= h >> 29;
  h *= XXP3;
  h ^= h >> 32;
  return h;
}

