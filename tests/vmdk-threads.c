/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: concurrent reads of one image (the copy engine's use).
 *
 *   vmdk-threads IMAGE THREADS
 *
 * Reads the whole disk sequentially in one thread, then again from
 * THREADS threads at once, each taking pieces of odd sizes at offsets in
 * a shuffled order and asking for extents as it goes; every piece must
 * equal the sequential bytes.  Exits 0, or 1 with the first difference.
 * The readers are the code under test; the oracle for the sequential
 * bytes is the shell test (qemu-img). */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>

#include "blk.h"
#include "checked.h"
#include "test.h"

#define PIECE 200000            /* not a multiple of any grain size */

static struct blk *b;
static uint8_t *whole;
static uint64_t npieces;
static uint64_t *order;
static atomic_uint_fast64_t next;

static void *
worker (void *arg)
{
  uint8_t *buf = malloc (PIECE);
  extent_list l = empty_vector;

  for (;;) {
    uint64_t i = atomic_fetch_add (&next, 1), off, n;
    if (i >= npieces)
      break;
    off = order[i] * PIECE;
    n = MIN ((uint64_t) PIECE, b->size - off);
    if (blk_pread (b, buf, n, off) == -1)
      FAIL_AT ("pread at %" PRIu64 ": %s", off, get_error ());
    if (memcmp (buf, whole + off, n) != 0)
      FAIL_AT ("threaded read at %" PRIu64 " differs", off);
    l.len = 0;
    if (blk_extents (b, off, n, &l) == -1)
      FAIL_AT ("extents at %" PRIu64 ": %s", off, get_error ());
  }
  extent_list_reset (&l);
  free (buf);
  return NULL;
}

int
main (int argc, char **argv)
{
  pthread_t t[64];
  int nt;

  if (argc != 3 || (nt = atoi (argv[2])) < 1 || nt > 64)
    FAIL_AT ("usage: vmdk-threads IMAGE THREADS");
  b = blk_open (argv[1], NULL);
  if (!b)
    FAIL_AT ("%s", get_error ());
  whole = malloc (b->size ? b->size : 1);
  ASSERT (whole != NULL);
  if (b->size && blk_pread (b, whole, b->size, 0) == -1)
    FAIL_AT ("sequential read: %s", get_error ());
  npieces = DIV_ROUND_UP (b->size, PIECE);
  order = malloc ((npieces ? npieces : 1) * sizeof *order);
  for (uint64_t i = 0; i < npieces; ++i)
    order[i] = i;
  srand (42);
  for (uint64_t i = npieces; i > 1; --i) {
    uint64_t j = (uint64_t) rand () % i, tmp = order[i - 1];
    order[i - 1] = order[j];
    order[j] = tmp;
  }
  for (int i = 0; i < nt; ++i)
    pthread_create (&t[i], NULL, worker, NULL);
  for (int i = 0; i < nt; ++i)
    pthread_join (t[i], NULL);
  printf ("%s: %" PRIu64 " pieces read by %d threads match\n", argv[1],
          npieces, nt);
  free (order);
  free (whole);
  blk_close (b);
  return 0;
}
