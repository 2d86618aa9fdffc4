/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: allocation maps.
 *
 * A block source describes which parts of its virtual disk hold data with
 * a list of extents (nbdkit's .extents contract, docs/nbdkit-plugin.pod):
 * ascending, contiguous, non-empty.  Types:
 *   EXT_DATA  bytes must be read (they may still turn out to be zero);
 *   EXT_ZERO  allocated, but known to read as zeros (VMDK zeroed grain,
 *             qcow2 zero cluster): never read, never written;
 *   EXT_HOLE  not allocated anywhere in the chain: reads as zeros.
 */
#ifndef V2K_EXTENTS_H
#define V2K_EXTENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vector.h"

enum extent_type { EXT_DATA = 0, EXT_ZERO = 1, EXT_HOLE = 2 };

struct extent {
  uint64_t offset;
  uint64_t length;              /* > 0 */
  enum extent_type type;
};

DEFINE_VECTOR_TYPE (extent_list, struct extent);

/* Append [offset, offset+length) of type to the list, merging with the
 * last extent when it is adjacent and of the same type.  length 0 is a
 * no-op.  The caller guarantees offset == end of the last extent. */
void extent_list_add (extent_list *list, uint64_t offset, uint64_t length,
                      enum extent_type type);

/* True if the list is ascending, contiguous, non-empty, covers offset
 * and has no zero-length member. */
bool extent_list_valid (const extent_list *list, uint64_t offset);

/* "data", "zero" or "hole". */
const char *extent_type_name (enum extent_type type);

#endif /* V2K_EXTENTS_H */
