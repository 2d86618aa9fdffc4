/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the one way on-disk integers are read and written: big- and
 * little-endian integers at unaligned byte addresses (VHD and qcow2 are
 * big-endian; VMDK, VHDX, NTFS and registry hives little-endian).  A
 * structure's layout is written down as offsets in a comment beside the
 * code that reads it (docs/formats.md has the tables); no packed structs,
 * no casts of buffers to integers, no hand-rolled shifts. */
#ifndef V2K_BYTEORDER_H
#define V2K_BYTEORDER_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
get_be16 (const uint8_t *p)
{
  uint16_t v;
  memcpy (&v, p, 2);
  return be16toh (v);
}

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

static inline void
put_be16 (uint8_t *p, uint16_t v)
{
  v = htobe16 (v);
  memcpy (p, &v, 2);
}

static inline void
put_be32 (uint8_t *p, uint32_t v)
{
  v = htobe32 (v);
  memcpy (p, &v, 4);
}

static inline void
put_be64 (uint8_t *p, uint64_t v)
{
  v = htobe64 (v);
  memcpy (p, &v, 8);
}

#endif /* V2K_BYTEORDER_H */
