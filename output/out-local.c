/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -o local: NAME-sdX.FMT disks and NAME.xml in a directory (-os,
 * default the current directory).  No daemon is involved; the XML can be
 * given to `virsh define` later. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "output.h"
#include "xalloc.h"

const char *
output_dir (const struct output *o)
{
  return o->opts.storage ? o->opts.storage : ".";
}

int
output_dir_prepare (struct output *o, const char *guest_name, size_t n,
                    struct output_target *t, uint64_t estimated,
                    const char *meta_suffix)
{
  const char *dir = output_dir (o);
  CLEANUP_FREE char *meta = xasprintf ("%s/%s%s", dir, guest_name,
                                       meta_suffix);

  if (output_check_dir (dir, estimated) == -1 ||
      output_refuse_existing (meta, o->opts.replace) == -1)
    return -1;
  for (size_t i = 0; i < n; ++i) {
    t[i].name = output_target_name (guest_name, i);
    t[i].path = xasprintf ("%s/%s.%s", dir, t[i].name, o->opts.format);
    CLEANUP_FREE char *abs = realpath (dir, NULL);
    t[i].domain_path = xasprintf ("%s/%s.%s", abs ? abs : dir, t[i].name,
                                  o->opts.format);
    t[i].format = o->opts.format;
    output_note_existing (&t[i]);
    if (output_refuse_existing (t[i].path, o->opts.replace) == -1)
      return -1;
  }
  return 0;
}

void
output_dir_abort (struct output *o, size_t n, struct output_target *t)
{
  for (size_t i = 0; i < n; ++i)
    output_remove_written (&t[i]);
}

static int
local_prepare (struct output *o, const char *guest_name, size_t n,
               struct output_target *t, uint64_t estimated)
{
  return output_dir_prepare (o, guest_name, n, t, estimated, ".xml");
}

static int
local_finalize (struct output *o, const char *guest_name, size_t n,
                struct output_target *t, const char *xml, const char *script)
{
  CLEANUP_FREE char *path = xasprintf ("%s/%s.xml", output_dir (o),
                                       guest_name);

  return output_write_file (path, xml, 0644);
}

const struct output_driver local_output = {
  .name     = "local",
  .prepare  = local_prepare,
  .finalize = local_finalize,
  .abort    = output_dir_abort,
};
