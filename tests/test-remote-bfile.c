/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: unit tests of the remote byte source (formats/bfile-remote.h)
 * over an in-process fake transport that serves byte arrays and injects
 * failures: connections that reset after some bytes (the read resumes),
 * a server that dies (retries run out: one-line EIO error), missing
 * files, names escaping the root, parallel requests, and allocation
 * maps (holes reported and never fetched; a map the host cannot give or
 * gives wrong is ignored). */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "bfile-remote.h"
#include "checked.h"
#include "cleanup.h"
#include "test.h"
#include "xalloc.h"

#define FILE_SIZE (20 * 1024 * 1024 + 12345)   /* not a block multiple */

struct fake {
  char *a, *b;                  /* files "dir/a" and "dir/b" */
  size_t reset_every;           /* a connection resets after this many bytes */
  uint64_t dead_after;          /* after this many bytes, every request fails */
  unsigned need_parallel;       /* a read waits until this many run */
  atomic_uint active, max_active, conns, max_conns, closed;
  atomic_ullong served;
  int map_mode;                 /* f_map: 0 cannot tell, 1 MAP, 2 invalid */
  atomic_uint map_calls;
};

/* Data ranges of "dir/a" in map mode 1 (the rest are holes).  The 100
 * bytes between the first two are a hole shorter than a block. */
static const struct extent MAP[] = {
  { 0, 1024 * 1024, EXT_DATA },
  { 1024 * 1024 + 100, 2 * 1024 * 1024 - 100, EXT_DATA },
  { 10 * 1024 * 1024, 2 * 1024 * 1024 + 7, EXT_DATA },
};

struct fconn {
  size_t sent;                  /* bytes on this connection */
};

static void *
f_connect (void *tp, bool *transient)
{
  struct fake *fk = tp;

  if (fk->dead_after && fk->served >= fk->dead_after) {
    *transient = true;
    set_error (ECONNREFUSED, "connection refused");
    return NULL;
  }
  unsigned n = ++fk->conns;
  unsigned m = fk->max_conns;
  while (n > m && !atomic_compare_exchange_weak (&fk->max_conns, &m, n))
    ;
  return xzalloc (sizeof (struct fconn));
}

static void
f_disconnect (void *tp, void *conn)
{
  struct fake *fk = tp;

  fk->conns--;
  free (conn);
}

static const char *
f_data (struct fake *fk, const char *path)
{
  if (strcmp (path, "dir/a") == 0) return fk->a;
  if (strcmp (path, "dir/b") == 0) return fk->b;
  if (strcmp (path, "other/c") == 0) return fk->a;
  return NULL;
}

static int
f_size (void *tp, void *conn, const char *path, uint64_t *size)
{
  (void) conn;
  if (!f_data (tp, path)) {
    set_error (ENOENT, "'%s': no such file on the server", path);
    return REMOTE_FAILED;
  }
  *size = FILE_SIZE;
  return REMOTE_OK;
}

static int
f_read (void *tp, void *conn, const char *path, void *buf, size_t count,
        uint64_t offset, size_t *done)
{
  struct fake *fk = tp;
  struct fconn *c = conn;
  const char *d = f_data (fk, path);
  int rc = REMOTE_OK;

  ASSERT (d && offset + count <= FILE_SIZE);
  unsigned n = ++fk->active;
  unsigned m = fk->max_active;
  while (n > m && !atomic_compare_exchange_weak (&fk->max_active, &m, n))
    ;
  /* Parallel test: wait (bounded, 10 s) until enough reads overlap. */
  for (int i = 0; i < 10000 && fk->max_active < fk->need_parallel; i++) {
    struct timespec ts = { 0, 1000000 };
    nanosleep (&ts, NULL);
  }
  if (fk->dead_after && fk->served + count > fk->dead_after) {
    size_t part = fk->served < fk->dead_after ? fk->dead_after - fk->served : 0;
    memcpy (buf, d + offset, part);
    *done = part;
    fk->served += part;
    set_error (ECONNRESET, "connection reset by peer");
    rc = REMOTE_TRANSIENT;
    goto out;
  }
  if (fk->reset_every && c->sent + count > fk->reset_every) {
    size_t part = fk->reset_every - c->sent;
    memcpy (buf, d + offset, part);
    *done = part;
    c->sent += part;
    fk->served += part;
    set_error (ECONNRESET, "connection reset by peer");
    rc = REMOTE_TRANSIENT;
    goto out;
  }
  memcpy (buf, d + offset, count);
  *done = count;
  c->sent += count;
  fk->served += count;
 out:
  fk->active--;
  return rc;
}

static int
f_map (void *tp, void *conn, const char *path, uint64_t size,
       extent_list *out)
{
  struct fake *fk = tp;

  (void) conn;
  ASSERT (f_data (fk, path) && size == FILE_SIZE);
  fk->map_calls++;
  if (fk->map_mode == 0) {
    set_error (ENOTSUP, "no SEEK_DATA here");
    return REMOTE_FAILED;
  }
  for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
    extent_list_append (out, MAP[i]);
  if (fk->map_mode == 2)
    extent_list_append (out, MAP[1]);   /* overlaps: not a map */
  return REMOTE_OK;
}

static char *
f_resolve (void *tp, const char *path, const char *name)
{
  (void) tp; (void) path;
  if (name[0] == '@')           /* a name the transport takes as given, */
    return xstrdup (name + 1);  /* as vSphere's "[ds] dir/file" */
  if (strchr (name, '/')) {
    set_error (EACCES, "'%s' is outside the guest's folder", name);
    return NULL;
  }
  return xasprintf ("dir/%s", name);
}

static void
f_close (void *tp)
{
  ((struct fake *) tp)->closed++;
}

static const struct remote_ops fake_ops = {
  .connect = f_connect, .disconnect = f_disconnect, .size = f_size,
  .read = f_read, .map = f_map, .resolve = f_resolve, .close = f_close,
};

static struct fake *
fake_new (void)
{
  struct fake *fk = xzalloc (sizeof *fk);
  uint64_t x = 88172645463325252ULL;

  fk->a = xmalloc (FILE_SIZE);
  fk->b = xmalloc (FILE_SIZE);
  for (size_t i = 0; i < FILE_SIZE; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;     /* xorshift64 */
    fk->a[i] = (char) x;
    fk->b[i] = (char) (x >> 8);
  }
  return fk;
}

static void
fake_free (struct fake *fk)
{
  free (fk->a);
  free (fk->b);
  free (fk);
}

static const struct remote_params fast = {
  .max_conns = 4, .retries = 3, .backoff_ms = 1, .backoff_max_ms = 2,
};

/* Reads of odd sizes at odd offsets, then the whole file in 2 MiB
 * chunks: bytes equal, and the cache serves repeated small reads. */
static void
test_reads (void)
{
  struct fake *fk = fake_new ();
  struct remote *r = remote_new (&fake_ops, fk, "fake://h/", &fast);
  struct bfile *f = remote_open (r, "dir/a");
  struct remote_stats st, st2;
  CLEANUP_FREE char *buf = xmalloc (FILE_SIZE);

  ASSERT (f);
  ASSERT_INT_EQ (f->size, FILE_SIZE);
  ASSERT_STR_EQ (f->name, "fake://h/dir/a");
  for (uint64_t off = 0; off < FILE_SIZE; ) {
    size_t n = 1 + (off * 7919) % 300000;
    if (off + n > FILE_SIZE)
      n = FILE_SIZE - off;
    ASSERT_INT_EQ (bfile_pread (f, buf + off, n, off), 0);
    off += n;
  }
  ASSERT_MEM_EQ (buf, fk->a, FILE_SIZE);
  remote_get_stats (r, &st);
  /* Sequential small reads: every byte fetched once (read-ahead stops
   * at the end of the file). */
  ASSERT_INT_EQ (st.bytes_fetched, FILE_SIZE);
  ASSERT (st.requests < FILE_SIZE / (1024 * 1024));     /* read-ahead */
  ASSERT_INT_EQ (bfile_pread (f, buf, 100, 5000), 0);
  ASSERT_INT_EQ (bfile_pread (f, buf + 100, 100, 5100), 0);
  remote_get_stats (r, &st2);
  ASSERT_MEM_EQ (buf, fk->a + 5000, 200);
  ASSERT_INT_EQ (st2.bytes_fetched, st.bytes_fetched);   /* cached */
  memset (buf, 0, FILE_SIZE);
  for (uint64_t off = 0; off < FILE_SIZE; off += 2 * 1024 * 1024) {
    size_t n = FILE_SIZE - off < 2 * 1024 * 1024 ? FILE_SIZE - off
      : 2 * 1024 * 1024;
    ASSERT_INT_EQ (bfile_pread (f, buf + off, n, off), 0);
  }
  ASSERT_MEM_EQ (buf, fk->a, FILE_SIZE);
  ASSERT_FAILS_WITH (bfile_pread (f, buf, 2, FILE_SIZE - 1), EINVAL,
                     "'fake://h/dir/a': read of 2 bytes");
  remote_unref (r);
  ASSERT_INT_EQ (fk->closed, 0);                /* the file keeps it */
  bfile_close (f);
  ASSERT_INT_EQ (fk->closed, 1);
  ASSERT_INT_EQ (fk->conns, 0);
  fake_free (fk);
}

/* Connections reset every 300 KiB: reads resume where they stopped. */
/* A read spanning several uncached blocks (an appliance's 128-256 KiB
 * reads at odd offsets) costs one request, not one per block, and
 * fetches only the blocks it spans (plus nothing: a new stream's
 * read-ahead is one block). */
static void
test_spanning_read (void)
{
  struct fake *fk = fake_new ();
  struct remote *r = remote_new (&fake_ops, fk, "fake://h/", &fast);
  struct bfile *f = remote_open (r, "dir/a");
  struct remote_stats st, st2;
  const size_t bs = 64 * 1024;
  const uint64_t off = 7 * bs + 1000;  /* blocks 7 to 10 */
  const size_t n = 3 * bs;
  CLEANUP_FREE char *buf = xmalloc (n);

  ASSERT (f);
  /* A first read far away: the size and map queries are behind us. */
  ASSERT_INT_EQ (bfile_pread (f, buf, 10, 100 * bs), 0);
  remote_get_stats (r, &st);
  ASSERT_INT_EQ (bfile_pread (f, buf, n, off), 0);
  ASSERT_MEM_EQ (buf, fk->a + off, n);
  remote_get_stats (r, &st2);
  ASSERT_INT_EQ (st2.requests - st.requests, 1);
  ASSERT_INT_EQ (st2.bytes_fetched - st.bytes_fetched, 4 * bs);
  bfile_close (f);
  remote_unref (r);
  fake_free (fk);
}

static void
test_resume (void)
{
  struct fake *fk = fake_new ();
  struct remote *r = remote_new (&fake_ops, fk, "fake://h/", &fast);
  struct bfile *f = remote_open (r, "dir/b");
  struct remote_stats st;
  CLEANUP_FREE char *buf = xmalloc (FILE_SIZE);

  fk->reset_every = 300 * 1024;
  ASSERT (f);
  ASSERT_INT_EQ (bfile_pread (f, buf, FILE_SIZE, 0), 0);
  ASSERT_MEM_EQ (buf, fk->b, FILE_SIZE);
  ASSERT_INT_EQ (bfile_pread (f, buf, 1000, 77777), 0);
  ASSERT_MEM_EQ (buf, fk->b + 77777, 1000);
  remote_get_stats (r, &st);
  ASSERT (st.retries >= FILE_SIZE / fk->reset_every);
  ASSERT (st.bytes_fetched <= (uint64_t) FILE_SIZE + 8 * 1024 * 1024);
  bfile_close (f);
  remote_unref (r);
  fake_free (fk);
}

/* The server dies after 1 MiB: retries are spent, one EIO line naming
 * the file, and nothing more is read. */
static void
test_retries_spent (void)
{
  struct fake *fk = fake_new ();
  struct remote *r = remote_new (&fake_ops, fk, "fake://h/", &fast);
  struct bfile *f = remote_open (r, "dir/a");
  CLEANUP_FREE char *buf = xmalloc (FILE_SIZE);

  ASSERT (f);
  fk->dead_after = 1024 * 1024;
  ASSERT_FAILS_WITH (bfile_pread (f, buf, FILE_SIZE, 0), EIO,
                     "'fake://h/dir/a': giving up after 3 retries: ");
  ASSERT (!strchr (get_error (), '\n'));
  ASSERT_INT_EQ (exit_code_for (), V2K_EXIT_INPUT);
  ASSERT_MEM_EQ (buf, fk->a, 1024 * 1024);      /* resumed until it died */
  bfile_close (f);
  remote_unref (r);
  ASSERT_INT_EQ (fk->conns, 0);
  fake_free (fk);
}

/* Missing files, siblings, escapes, identity. */
static void
test_names (void)
{
  struct fake *fk = fake_new ();
  struct remote *r = remote_new (&fake_ops, fk, "fake://h/", NULL);
  struct bfile *a = remote_open (r, "dir/a");
  struct bfile *a2, *b;
  char x[16];

  ASSERT (a);
  ASSERT_FAILS_WITH (!remote_open (r, "dir/zz"), ENOENT,
                     "'dir/zz': no such file");
  ASSERT_FAILS_WITH (!bfile_open_sibling (a, "../etc/passwd"),
                     EACCES, "'../etc/passwd' is outside");
  b = bfile_open_sibling (a, "b");
  a2 = bfile_open_sibling (b, "a");
  ASSERT (b && a2);
  ASSERT_STR_EQ (b->name, "fake://h/dir/b");
  ASSERT (bfile_same (a, a2));
  ASSERT (!bfile_same (a, b));
  ASSERT (remote_of_bfile (b) == r);
  ASSERT_INT_EQ (bfile_pread (b, x, sizeof x, 3), 0);
  ASSERT_MEM_EQ (x, fk->b + 3, sizeof x);
  /* The reference rule: a name the transport accepts but that leaves the
   * directory of the file the user named is refused, from every sibling;
   * the user may name it directly, or allow external references. */
  ASSERT_FAILS_WITH (!bfile_open_sibling (a, "@other/c"), EACCES,
                     "'fake://h/dir/a': reference '@other/c' leads outside "
                     "'dir'");
  ASSERT_FAILS_WITH (!bfile_open_sibling (b, "@other/c"), EACCES,
                     "'fake://h/dir/b': reference '@other/c' leads outside "
                     "'dir': refused (--allow-external-refs follows it)");
  /* Normalised before the check: a name that only looks inside. */
  ASSERT_FAILS_WITH (!bfile_open_sibling (a, "@dir/../other/c"), EACCES,
                     "'fake://h/dir/a': reference '@dir/../other/c' leads "
                     "outside 'dir'");
  struct bfile *c = remote_open (r, "other/c");
  ASSERT (c);
  bfile_close (c);
  bfile_allow_external_refs (b);
  c = bfile_open_sibling (b, "@other/c");
  ASSERT (c && c->ref_root == NULL);
  struct bfile *b2 = bfile_open_sibling (c, "@dir/b");
  ASSERT (b2 && bfile_same (b, b2));
  bfile_close (b2);
  bfile_close (c);
  ASSERT_FAILS_WITH (!bfile_open_sibling (a, "@other/c"), EACCES,
                     "'fake://h/dir/a': reference '@other/c'");
  size_t len;
  ASSERT_FAILS_WITH (!remote_slurp (r, "dir/a", 4096, &len), EFBIG,
                     "'fake://h/dir/a' is too large");
  bfile_close (a);
  bfile_close (a2);
  bfile_close (b);
  remote_unref (r);
  ASSERT_INT_EQ (fk->closed, 1);
  fake_free (fk);
}

struct worker {
  struct bfile *f;
  char *buf;
  uint64_t start;
  int rc;
};

static void *
worker (void *arg)
{
  struct worker *w = arg;
  const size_t chunk = 2 * 1024 * 1024;

  /* Interleaved 2 MiB chunks, as the copy engine's workers read. */
  for (uint64_t off = w->start * chunk; off < FILE_SIZE; off += 4 * chunk) {
    size_t n = FILE_SIZE - off < chunk ? FILE_SIZE - off : chunk;
    if (bfile_pread (w->f, w->buf + off, n, off) == -1) {
      w->rc = -1;
      fprintf (stderr, "worker: %s\n", get_error ());
    }
  }
  return NULL;
}

/* Four threads read at once: requests overlap, never more connections
 * than max_conns, bytes right. */
static void
test_parallel (void)
{
  struct fake *fk = fake_new ();
  struct remote_params p = fast;
  struct remote *r;
  struct bfile *f;
  CLEANUP_FREE char *buf = xmalloc (FILE_SIZE);
  struct worker w[4];
  pthread_t t[4];

  p.max_conns = 3;
  r = remote_new (&fake_ops, fk, "fake://h/", &p);
  f = remote_open (r, "dir/a");
  ASSERT (f);
  fk->need_parallel = 2;
  fk->reset_every = 5 * 1024 * 1024;            /* and resets meanwhile */
  for (int i = 0; i < 4; i++) {
    w[i] = (struct worker) { .f = f, .buf = buf, .start = i };
    ASSERT_INT_EQ (pthread_create (&t[i], NULL, worker, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join (t[i], NULL);
    ASSERT_INT_EQ (w[i].rc, 0);
  }
  ASSERT_MEM_EQ (buf, fk->a, FILE_SIZE);
  ASSERT (fk->max_active >= 2);
  ASSERT (fk->max_conns <= 3);
  bfile_close (f);
  remote_unref (r);
  ASSERT_INT_EQ (fk->conns, 0);
  fake_free (fk);
}

/* Allocation maps: with the host's map, holes are reported by
 * bfile_extents and read as zeros without being fetched (a hole shorter
 * than a block is data); without one (the host cannot tell, or its map
 * is not valid), the file is all data and fetched whole.  The map is
 * asked for once per file. */
static void
test_map (void)
{
  for (int mode = 0; mode <= 2; mode++) {
    struct fake *fk = fake_new ();
    struct remote *r = remote_new (&fake_ops, fk, "fake://h/", &fast);
    struct bfile *f;
    extent_list ex = empty_vector;
    struct remote_stats st;
    CLEANUP_FREE char *buf = xmalloc (FILE_SIZE);
    uint64_t data = 0, pos = 0;

    fk->map_mode = mode;
    if (mode == 1) {            /* the holes of the file read as zeros */
      for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++) {
        memset (fk->a + pos, 0, MAP[i].offset - pos);
        pos = MAP[i].offset + MAP[i].length;
        data += MAP[i].length;
      }
      memset (fk->a + pos, 0, FILE_SIZE - pos);
      data += 100;              /* the short hole is fetched */
    }
    else
      data = FILE_SIZE;
    f = remote_open (r, "dir/a");
    ASSERT (f);
    ASSERT_INT_EQ (bfile_extents (f, 0, FILE_SIZE, &ex), 0);
    ASSERT (extent_list_valid (&ex, 0));
    if (mode == 1) {
      ASSERT_INT_EQ (ex.len, 4);
      ASSERT (ex.ptr[0].type == EXT_DATA && ex.ptr[0].offset == 0 &&
              ex.ptr[0].length == 3 * 1024 * 1024);
      ASSERT (ex.ptr[1].type == EXT_HOLE &&
              ex.ptr[1].length == 7 * 1024 * 1024);
      ASSERT (ex.ptr[2].type == EXT_DATA &&
              ex.ptr[2].offset == 10 * 1024 * 1024 &&
              ex.ptr[2].length == 2 * 1024 * 1024 + 7);
      ASSERT (ex.ptr[3].type == EXT_HOLE &&
              ex.ptr[3].offset + ex.ptr[3].length == FILE_SIZE);
      ex.len = 0;               /* from inside a hole */
      ASSERT_INT_EQ (bfile_extents (f, 5 * 1024 * 1024, 1, &ex), 0);
      ASSERT (ex.len == 1 && ex.ptr[0].offset == 5 * 1024 * 1024 &&
              ex.ptr[0].type == EXT_HOLE &&
              ex.ptr[0].length == 5 * 1024 * 1024);
    }
    else
      ASSERT (ex.len == 1 && ex.ptr[0].type == EXT_DATA &&
              ex.ptr[0].length == FILE_SIZE);
    extent_list_reset (&ex);
    /* Small reads through the cache, then 2 MiB reads that bypass it. */
    for (uint64_t off = 0; off < FILE_SIZE / 2; ) {
      size_t n = 1 + (off * 7919) % 300000;
      ASSERT_INT_EQ (bfile_pread (f, buf + off, n, off), 0);
      off += n;
    }
    for (uint64_t off = 8 * 1024 * 1024; off < FILE_SIZE;
         off += 2 * 1024 * 1024) {
      size_t n = MIN ((uint64_t) 2 * 1024 * 1024, FILE_SIZE - off);
      ASSERT_INT_EQ (bfile_pread (f, buf + off, n, off), 0);
    }
    ASSERT_MEM_EQ (buf, fk->a, FILE_SIZE);
    remote_get_stats (r, &st);
    ASSERT_INT_EQ (st.bytes_fetched, data);
    ASSERT_INT_EQ (fk->map_calls, 1);
    bfile_close (f);
    remote_unref (r);
    ASSERT_INT_EQ (fk->conns, 0);
    fake_free (fk);
  }
}

int
main (void)
{
  test_reads ();
  test_spanning_read ();
  test_resume ();
  test_retries_spent ();
  test_names ();
  test_parallel ();
  test_map ();
  printf ("remote bfile: all tests passed\n");
  return 0;
}
