/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the copy engine (HACKING.md "Data flow").
 *
 * After nbdcopy (libnbd copy/multi-thread-copying.c) and two ideas from
 * qemu-img convert (qemu-img.c convert_do_copy): a first pass over the
 * allocation map counts the bytes that will be read, so progress is
 * measured against real work; and data that turns out to be all zero is
 * not written (qemu's min_sparse).
 *
 * Pipeline:
 *   generator  walks the source's extents in 1 GiB windows, rounds each
 *              DATA extent out to the writer's block size (a qcow2
 *              cluster is written whole), merges neighbours and cuts the
 *              result into chunks (2 MiB) numbered in order.  Holes and
 *              zero extents produce no chunk at all.
 *   workers    (-j N, default: online cores) take the next chunk number,
 *              read it with blk_pread() (so inflating a streamOptimized
 *              VMDK runs on every core), then writer_prepare(): zero
 *              detection per block and compression when asked.
 *   writer     chunks are appended strictly in order from a ring of 2N+2
 *              slots (the reorder stage) with writer_write_chunk(), by
 *              whichever worker completes the next chunk in order: it
 *              takes the write token and writes every chunk that is
 *              ready in sequence.  An in-order pipeline thus never hands
 *              data between threads (each hand-off is a scheduler
 *              wake-up, which costs milliseconds on a loaded machine).
 *              A worker may not start chunk n + slots before chunk n is
 *              written (the bounded queue), so memory is slots x 2
 *              chunks whatever the disk size.
 *
 * The generator runs under the engine lock (it is cheap: extents only).
 * A failing worker records its error and stops the others; the calling
 * thread waits, polls SIGINT/SIGTERM every 100 ms and re-raises the first
 * error.  copy_disk() never finishes or aborts the writer.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checked.h"
#include "copy.h"
#include "error.h"
#include "xalloc.h"

#define DEFAULT_CHUNK (2 * 1024 * 1024)
#define EXTENTS_WINDOW (UINT64_C(1) << 30)
#define MAX_THREADS 32
#define POLL_NS (100 * 1000 * 1000)

/* The chunk generator: a cursor over the rounded, merged DATA ranges. */
struct gen {
  struct blk *b;
  uint64_t size;
  uint64_t bs;                  /* writer block size */
  uint64_t chunk;               /* bytes per chunk, multiple of bs */
  extent_list list;             /* current window of extents */
  size_t idx;                   /* next extent of list to look at */
  uint64_t scan;                /* extents fetched up to here */
  bool have_next;               /* [ns, ne) is a looked-ahead range */
  uint64_t ns, ne;
  uint64_t cs, ce;              /* range being cut into chunks */
  uint64_t done_to;             /* end of the last chunk handed out */
};

struct slot {
  struct writer_chunk *c;
  uint64_t seq;
  bool ready;
};

struct engine {
  pthread_mutex_t lock;
  pthread_cond_t work;          /* workers: a slot became free */
  pthread_cond_t ready;         /* writer: a chunk became ready */
  struct gen gen;
  bool gen_done;
  uint64_t next_seq;            /* next chunk number to hand out */
  uint64_t write_seq;           /* next chunk number to write */
  struct slot *slots;
  size_t nslots;
  bool stop;
  bool failed;                  /* the first failure, copied from its thread: */
  char *err;
  int err_errno;
  enum v2k_err_kind err_kind;
  bool writing;                 /* a thread holds the write token */
  unsigned workers_left;        /* workers still running */
  struct blk *src;
  struct writer *w;
  const struct copy_options *opts;
  struct copy_stats *st;        /* updated by the token holder */
};

static void
gen_init (struct gen *g, struct blk *b, uint64_t bs, uint64_t chunk)
{
  memset (g, 0, sizeof *g);
  g->b = b;
  g->size = b->size;
  g->bs = bs;
  g->chunk = chunk;
}

/* The next DATA extent rounded out to the block size: 1, 0 at the end,
 * -1 + set_error. */
static int
next_data (struct gen *g, uint64_t *s, uint64_t *e)
{
  for (;;) {
    while (g->idx < g->list.len) {
      const struct extent *x = &g->list.ptr[g->idx++];
      if (x->type == EXT_DATA) {
        *s = ROUND_DOWN (x->offset, g->bs);
        *e = MIN (ROUND_UP (x->offset + x->length, g->bs), g->size);
        return 1;
      }
    }
    if (g->scan >= g->size)
      return 0;
    g->list.len = 0;
    g->idx = 0;
    if (blk_extents (g->b, g->scan, MIN (g->size - g->scan, EXTENTS_WINDOW),
                     &g->list) == -1)
      return -1;
    g->scan = g->list.ptr[g->list.len - 1].offset +
      g->list.ptr[g->list.len - 1].length;
  }
}

/* Grow [cs, ce) with following ranges that touch it, until it holds a
 * whole chunk or the next range is apart.  0 or -1. */
static int
gen_extend (struct gen *g)
{
  while (g->ce - g->cs < g->chunk) {
    if (!g->have_next) {
      int r = next_data (g, &g->ns, &g->ne);
      if (r <= 0)
        return r;
      g->have_next = true;
    }
    if (g->ns > g->ce)
      return 0;
    g->ce = MAX (g->ce, g->ne);
    g->have_next = false;
  }
  return 0;
}

/* The next chunk [*off, *off + *len): 1, 0 when there is none, -1. */
static int
gen_chunk (struct gen *g, uint64_t *off, size_t *len)
{
  while (g->cs == g->ce) {
    if (!g->have_next) {
      int r = next_data (g, &g->ns, &g->ne);
      if (r <= 0)
        return r;
    }
    g->have_next = false;
    /* A range rounded down into a block already handed out. */
    g->cs = MIN (MAX (g->ns, g->done_to), g->ne);
    g->ce = g->ne;
  }
  if (gen_extend (g) == -1)
    return -1;
  *off = g->cs;
  *len = (size_t) MIN (g->chunk, g->ce - g->cs);
  g->cs += *len;
  g->done_to = g->cs;
  return 1;
}

/* First pass: the bytes the copy will read.  -1 + set_error. */
static int64_t
count_total (struct blk *b, uint64_t bs, uint64_t chunk)
{
  struct gen g;
  uint64_t off, total = 0;
  size_t len;
  int r;

  gen_init (&g, b, bs, chunk);
  while ((r = gen_chunk (&g, &off, &len)) == 1) {
    total += len;
    if (check_interrupted () == -1) {
      r = -1;
      break;
    }
  }
  extent_list_reset (&g.list);
  return r == -1 ? -1 : (int64_t) total;
}

/* Record the calling thread's error as the engine's failure (the first
 * one wins) and stop everything.  Called with the lock held. */
static void
fail_locked (struct engine *e)
{
  if (!e->failed) {
    e->failed = true;
    e->err = xstrdup (get_error ());
    e->err_errno = get_errno ();
    e->err_kind = error_get_kind ();
  }
  e->stop = true;
  pthread_cond_broadcast (&e->work);
  pthread_cond_broadcast (&e->ready);
}

/* Read and prepare one chunk.  0 or -1 + set_error. */
static int
fill_chunk (struct engine *e, struct writer_worker *ww, struct writer_chunk *c,
            uint64_t off, size_t len)
{
  c->offset = off;
  c->count = len;
  if (blk_pread (e->src, c->data, len, off) == -1)
    return -1;
  writer_prepare (e->w, ww, c);
  return 0;
}

/* Write every chunk that is ready in order, as long as no other thread
 * is writing (the write token).  Called with the lock held; drops it
 * around each write.  Whoever completes the next chunk writes it, so an
 * in-order pipeline hands nothing between threads (on a loaded machine
 * every hand-off costs a scheduler wake-up). */
static void
write_ready_locked (struct engine *e)
{
  while (!e->writing && !e->stop) {
    struct slot *s = &e->slots[e->write_seq % e->nslots];
    if (!s->ready || s->seq != e->write_seq)
      return;
    e->writing = true;
    pthread_mutex_unlock (&e->lock);
    int r = writer_write_chunk (e->w, s->c);
    e->st->read += s->c->count;
    e->st->written += s->c->data_bytes;
    e->st->zero += s->c->count - s->c->data_bytes;
    if (e->opts->progress)
      e->opts->progress (e->opts->progress_opaque, e->st->read, e->st->total);
    pthread_mutex_lock (&e->lock);
    e->writing = false;
    if (r == -1) {
      fail_locked (e);
      return;
    }
    s->ready = false;
    e->write_seq++;
    pthread_cond_broadcast (&e->work);
    pthread_cond_broadcast (&e->ready);
  }
}

static void *
worker (void *arg)
{
  struct engine *e = arg;
  struct writer_worker *ww = writer_worker_new (e->w);
  uint64_t off, seq;
  size_t len;
  int r;

  pthread_mutex_lock (&e->lock);
  if (!ww)
    fail_locked (e);
  while (ww && !e->stop && !e->gen_done) {
    if (v2k_interrupted) {      /* the main thread reports it */
      e->stop = true;
      pthread_cond_broadcast (&e->ready);
      break;
    }
    if (e->next_seq >= e->write_seq + e->nslots) {
      pthread_cond_wait (&e->work, &e->lock);
      continue;
    }
    r = gen_chunk (&e->gen, &off, &len);
    if (r == -1) {
      fail_locked (e);
      break;
    }
    if (r == 0) {
      e->gen_done = true;
      pthread_cond_broadcast (&e->ready);
      break;
    }
    seq = e->next_seq++;
    struct slot *s = &e->slots[seq % e->nslots];
    pthread_mutex_unlock (&e->lock);
    r = fill_chunk (e, ww, s->c, off, len);
    pthread_mutex_lock (&e->lock);
    if (r == -1) {
      fail_locked (e);
      break;
    }
    s->seq = seq;
    s->ready = true;
    write_ready_locked (e);
  }
  e->workers_left--;
  pthread_cond_broadcast (&e->ready);
  pthread_mutex_unlock (&e->lock);
  writer_worker_free (e->w, ww);
  return NULL;
}

/* Main thread: wait until every chunk is written, the engine stopped,
 * or a signal arrived (polled every POLL_NS). */
static void
wait_done (struct engine *e)
{
  pthread_mutex_lock (&e->lock);
  for (;;) {
    if (v2k_interrupted) {
      e->stop = true;
      pthread_cond_broadcast (&e->work);
    }
    if (e->stop || e->workers_left == 0)
      break;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    ts.tv_nsec += POLL_NS;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait (&e->ready, &e->lock, &ts);
  }
  pthread_mutex_unlock (&e->lock);
}

static unsigned
default_threads (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);

  return n < 1 ? 1 : (unsigned) MIN (n, MAX_THREADS);
}

double
copy_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Run the workers and wait for them; 0 or -1 + set_error. */
static int
run_engine (struct engine *e, unsigned threads)
{
  pthread_t tids[MAX_THREADS];
  unsigned started = 0;

  e->workers_left = threads;
  for (; started < threads; ++started) {
    int err = pthread_create (&tids[started], NULL, worker, e);
    if (err) {
      errno = err;
      set_error_errno ("cannot start a copy thread");
      pthread_mutex_lock (&e->lock);
      e->workers_left -= threads - started;
      fail_locked (e);
      pthread_mutex_unlock (&e->lock);
      break;
    }
  }
  wait_done (e);
  for (unsigned i = 0; i < started; ++i)
    pthread_join (tids[i], NULL);
  if (e->failed) {
    set_error (e->err_errno, "%s", e->err);
    error_set_kind (e->err_kind);
    return -1;
  }
  if (check_interrupted () == -1)
    return -1;
  assert (e->gen_done && e->write_seq == e->next_seq);
  return 0;
}

int
copy_disk (struct blk *src, struct writer *w, const struct copy_options *opts,
           struct copy_stats *stats)
{
  struct copy_stats st = { .size = src->size };
  unsigned threads = opts->threads ? MIN (opts->threads, MAX_THREADS)
    : default_threads ();
  uint64_t bs = writer_block_size (w);
  uint64_t chunk = ROUND_UP (MAX (opts->chunk_size ? opts->chunk_size
                                  : DEFAULT_CHUNK, bs), bs);
  double t0 = copy_now ();
  struct engine e;
  int64_t total;
  int r;

  total = count_total (src, bs, chunk);
  if (total == -1)
    return -1;
  st.total = (uint64_t) total;
  st.skipped = src->size - st.total;
  memset (&e, 0, sizeof e);
  pthread_mutex_init (&e.lock, NULL);
  pthread_cond_init (&e.work, NULL);
  pthread_cond_init (&e.ready, NULL);
  gen_init (&e.gen, src, bs, chunk);
  e.src = src;
  e.w = w;
  e.opts = opts;
  e.st = &st;
  e.nslots = 2 * (size_t) threads + 2;
  e.slots = xreallocarray (NULL, e.nslots, sizeof *e.slots);
  for (size_t i = 0; i < e.nslots; ++i)
    e.slots[i] = (struct slot) { .c = writer_chunk_new (w, chunk) };
  if (opts->progress)
    opts->progress (opts->progress_opaque, 0, st.total);

  r = run_engine (&e, threads);

  for (size_t i = 0; i < e.nslots; ++i)
    writer_chunk_free (e.slots[i].c);
  free (e.slots);
  free (e.err);
  extent_list_reset (&e.gen.list);
  pthread_cond_destroy (&e.ready);
  pthread_cond_destroy (&e.work);
  pthread_mutex_destroy (&e.lock);
  st.seconds = copy_now () - t0;
  if (stats)
    *stats = st;
  return r;
}
