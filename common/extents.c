/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: allocation-map helpers (see extents.h). */
#include <config.h>

#include <assert.h>

#include "extents.h"

void
extent_list_add (extent_list *list, uint64_t offset, uint64_t length,
                 enum extent_type type)
{
  struct extent *last;

  if (length == 0)
    return;
  if (list->len > 0) {
    last = &list->ptr[list->len - 1];
    assert (last->offset + last->length == offset);
    if (last->type == type) {
      last->length += length;
      return;
    }
  }
  extent_list_append (list, (struct extent) {
      .offset = offset, .length = length, .type = type });
}

bool
extent_list_valid (const extent_list *list, uint64_t offset)
{
  size_t i;

  if (list->len == 0 || list->ptr[0].offset > offset)
    return false;
  for (i = 0; i < list->len; ++i) {
    if (list->ptr[i].length == 0)
      return false;
    if (i > 0 &&
        list->ptr[i - 1].offset + list->ptr[i - 1].length != list->ptr[i].offset)
      return false;
  }
  return list->ptr[list->len - 1].offset + list->ptr[list->len - 1].length
    > offset;
}

const char *
extent_type_name (enum extent_type type)
{
  switch (type) {
  case EXT_DATA: return "data";
  case EXT_ZERO: return "zero";
  case EXT_HOLE: return "hole";
  }
  return "?";
}
