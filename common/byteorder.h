/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: read big- and little-endian integers from unaligned bytes of an
 * on-disk structure (VHD and qcow2 are big-endian, VHDX little-endian). */
#ifndef V2K_BYTEORDER_H
#define V2K_BYTEORDER_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t
get_be32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return be32toh (v);
}

static inline uint64_t
get_be64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return be64toh (v);
}

static inline uint16_t
get_le16 (const uint8_t *p)
{
  uint16_t v;
  memcpy (&v, p, 2);
  return le16toh (v);
}

static inline uint32_t
get_le32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return le32toh (v);
}

static inline uint64_t
get_le64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return le64toh (v);
}

#endif /* V2K_BYTEORDER_H */
