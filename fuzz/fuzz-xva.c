/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: XenServer XVA archives as `disk convert` and `source
 * show` read them: xva_stream_disk (tar stream, possibly gzip or zstd,
 * ova.xml, block checksums) into a sink that checks the order contract,
 * and xva_read_ova_xml + the ova.xml reader. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "archive.h"
#include "cfg.h"
#include "error.h"
#include "fuzz.h"
#include "guest.h"

struct state { uint64_t size, next; };

static int
sink_size (void *opaque, const char *ref, uint64_t size)
{
  struct state *s = opaque;

  s->size = size;
  s->next = 0;
  return 0;
}

static int
sink_data (void *opaque, const void *buf, size_t len, uint64_t offset)
{
  struct state *s = opaque;

  /* Ascending, non-overlapping, inside the disk (archive.h). */
  if (len == 0 || offset < s->next || offset > s->size ||
      len > s->size - offset)
    abort ();
  s->next = offset + len;
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_files (data, size, "guest.xva");
  struct state st = { 0 };
  struct xva_sink sink = { sink_size, sink_data, &st };
  struct guest *g = NULL;
  char *xml = NULL;
  size_t len;

  if (xva_stream_disk (path, NULL, &sink, NULL, NULL) == -1)
    fuzz_check_error ("xva_stream_disk");
  if (xva_read_ova_xml (path, &xml, &len) == -1)
    fuzz_check_error ("xva_read_ova_xml");
  else {
    if (cfg_xva_read_buffer (xml, len, path, &g) == -1)
      fuzz_check_error ("cfg_xva_read_buffer");
    else
      guest_free (g);
    free (xml);
  }
  clear_error ();
  return 0;
}
