/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -o null: convert and copy to nowhere (benchmarks, dry runs).
 * Targets have no path; the copy engine discards the data. */
#include <config.h>

#include "output.h"
#include "xalloc.h"

static int
null_prepare (struct output *o, const char *guest_name, size_t n,
              struct output_target *t, uint64_t estimated)
{
  for (size_t i = 0; i < n; ++i) {
    t[i].name = output_target_name (guest_name, i);
    t[i].format = o->opts.format;
  }
  return 0;
}

static int
null_finalize (struct output *o, const char *guest_name, size_t n,
               struct output_target *t, const char *xml, const char *script)
{
  return 0;
}

static void
null_abort (struct output *o, size_t n, struct output_target *t)
{
}

const struct output_driver null_output = {
  .name     = "null",
  .prepare  = null_prepare,
  .finalize = null_finalize,
  .abort    = null_abort,
};
