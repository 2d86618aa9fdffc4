/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: the tar reader both ways the program uses it: indexed
 * (tar_open on a bfile, as an OVA is read in place: every member opened
 * and its data read) and streamed (tar_stream, as an XVA is read:
 * headers and data in one forward pass). */
#include <config.h>

#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "bfile.h"
#include "checked.h"
#include "error.h"
#include "fuzz.h"
#include "archive-tar.h"

struct mem { const uint8_t *p; size_t len, pos; };

static ssize_t
mem_read (void *opaque, void *buf, size_t n)
{
  struct mem *m = opaque;

  n = MIN (n, m->len - m->pos);
  memcpy (buf, m->p + m->pos, n);
  m->pos += n;
  return (ssize_t) n;
}

static void
indexed (const char *path)
{
  struct bfile *f = bfile_open (path);
  struct tar *t;
  uint8_t buf[4096];

  if (!f) {
    fuzz_check_error ("bfile_open");
    return;
  }
  t = tar_open (f);                     /* borrows f */
  if (!t) {
    fuzz_check_error ("tar_open");
    bfile_close (f);
    return;
  }
  for (size_t i = 0; i < tar_count (t) && i < 64; ++i) {
    const struct tar_member *m = tar_member (t, i);
    struct bfile *mf;
    if (tar_find (t, m->name) == NULL)
      abort ();                         /* every listed member is found */
    mf = tar_open_member (t, m->name);
    if (!mf) {
      fuzz_check_error ("tar_open_member");
      continue;
    }
    if (mf->size > 0 &&
        bfile_pread (mf, buf, MIN (mf->size, sizeof buf), 0) == -1)
      fuzz_check_error ("member pread");
    bfile_close (mf);
  }
  tar_close (t);
  bfile_close (f);
}

static void
streamed (const uint8_t *data, size_t size)
{
  struct mem m = { data, size, 0 };
  struct tar_stream *ts = tar_stream_new (mem_read, &m, "fuzz.tar");
  struct tar_member mb;
  uint8_t buf[4096];
  int r;

  while ((r = tar_stream_next (ts, &mb)) == 1) {
    ssize_t n;
    while ((n = tar_stream_read (ts, buf, sizeof buf)) > 0)
      ;
    if (n == -1) {
      fuzz_check_error ("tar_stream_read");
      break;
    }
  }
  if (r == -1)
    fuzz_check_error ("tar_stream_next");
  tar_stream_free (ts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  indexed (fuzz_write_files (data, size, "fuzz.tar"));
  streamed (data, size);
  clear_error ();
  return 0;
}
