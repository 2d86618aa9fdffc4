/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: stream one disk of an XVA to a raw file through
 * xva_stream_disk() alone (no writer), to test the walker by itself.
 *
 *   xvatool [--disk N|REF] [--no-verify] XVA|- OUT.raw
 *   xvatool [--no-verify] XVA|-                 (verify only)
 *
 * OUT is created (sparse: absent blocks are holes) and removed again on
 * any failure.  Exit 0, or the v2kvm exit code with "xvatool: <error>". */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "blk.h"
#include "error.h"

static int fd = -1;

static int
sink_size (void *opaque, const char *ref, uint64_t size)
{
  if (ftruncate (fd, (off_t) size) == -1) {
    set_error_errno ("ftruncate");
    return -1;
  }
  return 0;
}

static int
sink_data (void *opaque, const void *buf, size_t len, uint64_t offset)
{
  if (pwrite (fd, buf, len, (off_t) offset) != (ssize_t) len) {
    set_error_errno ("pwrite");
    return -1;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  struct xva_sink sink = { sink_size, sink_data, NULL };
  struct blk_open_options opts = { 0 };
  int i = 1;

  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; ++i) {
    if (strcmp (argv[i], "--no-verify") == 0)
      opts.no_verify = true;
    else if (strcmp (argv[i], "--disk") == 0 && i + 1 < argc)
      opts.disk = argv[++i];
    else
      return 2;
  }
  if (argc - i == 1) {
    if (xva_stream_disk (argv[i], &opts, NULL, NULL, NULL) == -1)
      goto err;
    return 0;
  }
  if (argc - i != 2)
    return 2;
  fd = open (argv[i + 1], O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd == -1) {
    perror (argv[i + 1]);
    return 5;
  }
  if (xva_stream_disk (argv[i], &opts, &sink, NULL, NULL) == -1) {
    unlink (argv[i + 1]);
    goto err;
  }
  return close (fd) == 0 ? 0 : 5;

 err:
  fprintf (stderr, "v2kvm: %s\n", get_error ());
  return exit_code_for ();
}
