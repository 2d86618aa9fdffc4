/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm disk info IMAGE [--json] [--format FMT]`.
 *
 * Prints the detected format and subformat, the virtual size, the bytes
 * the allocation map says hold data, and every file of the chain (top
 * first).  Warnings met while opening go to stderr as they happen. */
#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>


#include "archive.h"
#include "blk.h"
#include "commands.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

static void
print_text (struct blk *b, int64_t allocated)
{
  printf ("image: %s\n", b->name);
  printf ("format: %s\n", b->drv->name);
  if (b->subformat)
    printf ("subformat: %s\n", b->subformat);
  printf ("virtual size: %" PRIu64 "\n", b->size);
  printf ("allocated: %" PRId64 "\n", allocated);
  printf ("chain:\n");
  for (struct blk *l = b; l; l = l->backing) {
    printf ("  %s %s%s%s\n", l->drv->name, l->name,
            l->subformat ? " " : "", l->subformat ? l->subformat : "");
    for (size_t i = 1; i < l->files.len; ++i)
      printf ("    extent %s\n", l->files.ptr[i]);
  }
}

static void
print_json (struct blk *b, int64_t allocated)
{
  printf ("{\"image\":");
  json_string (stdout, b->name);
  printf (",\"format\":");
  json_string (stdout, b->drv->name);
  printf (",\"subformat\":");
  json_string (stdout, b->subformat);
  printf (",\"virtual_size\":%" PRIu64 ",\"allocated\":%" PRId64
          ",\"chain\":[", b->size, allocated);
  for (struct blk *l = b; l; l = l->backing) {
    printf ("%s{\"file\":", l == b ? "" : ",");
    json_string (stdout, l->name);
    printf (",\"format\":");
    json_string (stdout, l->drv->name);
    printf (",\"subformat\":");
    json_string (stdout, l->subformat);
    printf (",\"files\":[");
    for (size_t i = 0; i < l->files.len; ++i) {
      if (i) putchar (',');
      json_string (stdout, l->files.ptr[i]);
    }
    printf ("]}");
  }
  printf ("]}\n");
}

/* An XVA is not a block source (archive.h): walk it once, verifying
 * every block, and count what the chosen disk holds. */
struct xva_info {
  char *ref;
  uint64_t size, allocated;
};

static int
xva_info_size (void *opaque, const char *ref, uint64_t size)
{
  struct xva_info *i = opaque;

  free (i->ref);
  i->ref = xstrdup (ref);
  i->size = size;
  return 0;
}

static int
xva_info_data (void *opaque, const void *buf, size_t len, uint64_t offset)
{
  ((struct xva_info *) opaque)->allocated += len;
  return 0;
}

static int
xva_info (const char *path, const struct blk_open_options *opts, bool json)
{
  struct xva_info i = { NULL, 0, 0 };
  struct xva_sink sink = { xva_info_size, xva_info_data, &i };

  if (xva_stream_disk (path, opts, &sink, NULL, NULL) == -1) {
    free (i.ref);
    return report_error ();
  }
  if (json) {
    printf ("{\"image\":");
    json_string (stdout, path);
    printf (",\"format\":\"xva\",\"disk\":");
    json_string (stdout, i.ref);
    printf (",\"virtual_size\":%" PRIu64 ",\"allocated\":%" PRIu64 "}\n",
            i.size, i.allocated);
  }
  else
    printf ("image: %s\nformat: xva\ndisk: %s\nvirtual size: %" PRIu64
            "\nallocated: %" PRIu64 "\n", path, i.ref, i.size, i.allocated);
  free (i.ref);
  return 0;
}

int
cmd_disk_info (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "format", required_argument, NULL, 'f' },
    { "disk", required_argument, NULL, 'd' },
    { "no-verify", no_argument, NULL, 'n' },
    { "allow-external-refs", no_argument, NULL, 'x' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  struct blk_open_options opts = { 0 };
  bool json = false;
  struct blk *b;
  int64_t allocated;
  enum archive_kind kind;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "f:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'j': json = true; break;
    case 'f': opts.format = optarg; break;
    case 'd': opts.disk = optarg; break;
    case 'n': opts.no_verify = true; break;
    case 'x': opts.allow_external_refs = true; break;
    case 'h':
      printf ("usage: v2kvm disk info IMAGE [--json] [--format FMT] "
              "[--disk N|REF] [--no-verify]\n"
              "                       [--allow-external-refs]\n");
      return 0;
    default: return usage_error ("disk info: bad option");
    }
  }
  if (argc - optind != 1)
    return usage_error ("disk info: expected one IMAGE");

  if (!opts.format) {
    if (archive_probe (argv[optind], &kind) == -1)
      return report_error ();
    if (kind == ARCHIVE_XVA)
      return xva_info (argv[optind], &opts, json);
  }
  b = blk_open (argv[optind], &opts);
  if (!b)
    return report_error ();
  allocated = blk_allocated (b);
  if (allocated == -1) {
    blk_close (b);
    return report_error ();
  }
  if (json)
    print_json (b, allocated);
  else
    print_text (b, allocated);
  blk_close (b);
  return 0;
}
