/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: scratch directory and multi-file inputs (fuzz.h). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk.h"
#include "checked.h"
#include "error.h"
#include "fuzz.h"

static char scratch[4096];

static void
cleanup_scratch (void)
{
  DIR *d;
  struct dirent *e;

  if (!scratch[0] || !(d = opendir (scratch)))
    return;
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      unlinkat (dirfd (d), e->d_name, 0);
  closedir (d);
}

static void
remove_scratch (void)
{
  cleanup_scratch ();
  rmdir (scratch);
}

const char *
fuzz_scratch (void)
{
  if (!scratch[0]) {
    /* Every run writes its input there: memory (/dev/shm) when we can. */
    const char *t = getenv ("FUZZ_TMPDIR");
    if (!t)
      t = access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf (scratch, sizeof scratch, "%s/v2kvm-fuzz.XXXXXX", t);
    if (!mkdtemp (scratch)) {
      perror ("mkdtemp");
      abort ();
    }
    atexit (remove_scratch);
  }
  return scratch;
}

void
fuzz_init (void)
{
  static bool done;

  if (done)
    return;
  done = true;
  v2k_quiet = true;
  /* archive-gunzip.c decompresses into an O_TMPFILE in $TMPDIR. */
  setenv ("TMPDIR", fuzz_scratch (), 1);
}

static bool
good_name (const char *p, size_t len)
{
  if (len == 0 || len > 64 || p[0] == '.')
    return false;
  for (size_t i = 0; i < len; ++i)
    if (!(p[i] == '.' || p[i] == '_' || p[i] == '-' ||
          (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
          (p[i] >= 'A' && p[i] <= 'Z')))
      return false;
  return true;
}

static void
write_file (const char *name, size_t name_len, const uint8_t *p, size_t n)
{
  char path[4200];
  int fd;

  snprintf (path, sizeof path, "%s/%.*s", scratch, (int) name_len, name);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1) {
    perror (path);
    abort ();
  }
  while (n > 0) {
    ssize_t r = write (fd, p, n);
    if (r <= 0) {
      perror (path);
      abort ();
    }
    p += r;
    n -= (size_t) r;
  }
  close (fd);
}

const char *
fuzz_write_files (const uint8_t *data, size_t size, const char *main_name)
{
  static char main_path[4200];
  const size_t seplen = strlen (FUZZ_SEP);
  const char *name = main_name;
  size_t name_len = strlen (main_name);
  const uint8_t *p = data, *end = data + size;

  fuzz_init ();
  cleanup_scratch ();
  snprintf (main_path, sizeof main_path, "%s/%s", scratch, main_name);
  for (;;) {
    const uint8_t *sep = memmem (p, (size_t) (end - p), FUZZ_SEP, seplen);
    const uint8_t *nl;
    if (!sep) {
      write_file (name, name_len, p, (size_t) (end - p));
      return main_path;
    }
    /* The part ends at the separator; a bad name keeps it in the part. */
    nl = memchr (sep + seplen, '\n', (size_t) (end - sep - seplen));
    if (!nl || !good_name ((const char *) sep + seplen,
                           (size_t) (nl - sep - seplen)) ||
        ((size_t) (nl - sep - seplen) == strlen (main_name) &&
         memcmp (sep + seplen, main_name, strlen (main_name)) == 0)) {
      write_file (name, name_len, p, (size_t) (end - p));
      return main_path;
    }
    write_file (name, name_len, p, (size_t) (sep - p));
    name = (const char *) sep + seplen;
    name_len = (size_t) (nl - sep - seplen);
    p = nl + 1;
  }
}

void
fuzz_check_error (const char *where)
{
  const char *msg = get_error ();

  if (!msg[0] || strchr (msg, '\n') || get_errno () == ENOMEM) {
    fprintf (stderr, "fuzz: %s: bad error (errno %d): '%s'\n", where,
             get_errno (), msg);
    abort ();
  }
  if (getenv ("FUZZ_VERBOSE"))
    fprintf (stderr, "fuzz: %s: %s\n", where, msg);
  clear_error ();
}

/* Bounded walk of an open disk (fuzz.h). */
#define MAX_EXTENT_CALLS 256
#define MAX_READ ((uint64_t) 1 << 20)   /* bytes read per input */
#define CHUNK ((uint64_t) 64 << 10)

static uint8_t buf[CHUNK];

/* Walk the map; read the start of each data or zero extent, up to
 * MAX_READ in all. */
void
fuzz_walk_blk (struct blk *b)
{
  extent_list l = empty_vector;
  uint64_t pos = 0, budget = MAX_READ;

  for (int calls = 0; pos < b->size && calls < MAX_EXTENT_CALLS; ++calls) {
    l.len = 0;
    if (blk_extents (b, pos, b->size - pos, &l) == -1) {
      fuzz_check_error ("extents");
      break;
    }
    for (size_t i = 0; i < l.len; ++i) {
      const struct extent *e = &l.ptr[i];
      if (e->type != EXT_HOLE && budget > 0) {
        size_t n = (size_t) MIN (MIN (e->length, CHUNK), budget);
        budget -= n;
        if (blk_pread (b, buf, n, e->offset) == -1)
          fuzz_check_error ("pread");
      }
    }
    pos = l.ptr[l.len - 1].offset + l.ptr[l.len - 1].length;
  }
  extent_list_reset (&l);
  /* A read straddling the middle and one at the very end: grain and
   * block boundaries the map walk may not reach. */
  if (b->size > 0) {
    uint64_t mid = b->size / 2, n = MIN (b->size - mid, (uint64_t) 8192);
    if (blk_pread (b, buf, n, mid) == -1)
      fuzz_check_error ("pread");
    n = MIN (b->size, (uint64_t) 4096);
    if (blk_pread (b, buf, n, b->size - n) == -1)
      fuzz_check_error ("pread");
  }
}

