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

#include "blk.h"
#include "commands.h"
#include "error.h"
#include "json.h"

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

int
cmd_disk_info (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *format = NULL;
  bool json = false;
  struct blk *b;
  int64_t allocated;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "f:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'j': json = true; break;
    case 'f': format = optarg; break;
    case 'h':
      printf ("usage: v2kvm disk info IMAGE [--json] [--format FMT]\n");
      return 0;
    default: return usage_error ("disk info: bad option");
    }
  }
  if (argc - optind != 1)
    return usage_error ("disk info: expected one IMAGE");

  b = blk_open (argv[optind], format);
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
