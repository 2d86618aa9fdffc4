/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: remote byte source (see bfile-remote.h).
 *
 * Reads go block by block.  A read as large as the read-ahead window
 * (the copy engine's 2 MiB chunks) over whole uncached blocks is fetched
 * straight into the caller's buffer with one request; anything else goes
 * through the cache, whose misses fetch up to `readahead` blocks in one
 * request while a stream of reads is sequential (window doubling from 1,
 * as a kernel's read-ahead does; up to STREAMS streams per file, for
 * interleaved readers), never past a block that is already cached or
 * being fetched.
 * A block being fetched is marked LOADING so a second reader waits for it
 * instead of fetching it again.
 *
 * Holes: a file of MAP_MIN bytes or more gets its allocation map from
 * the transport once (ops->map, e.g. a SEEK_DATA walk on the host), at
 * the first read or extents call; fetches then ask only for the data
 * ranges and fill the holes with zeros.  Holes shorter than a block are
 * taken as data (not worth a request of their own).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bfile-remote.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "refs.h"
#include "xalloc.h"

enum slot_state { SLOT_EMPTY, SLOT_LOADING, SLOT_READY };

struct slot {
  enum slot_state state;
  unsigned file_id;
  uint64_t block;
  size_t len;                   /* valid bytes (the last block is short) */
  unsigned pins;                /* readers copying out of data */
  uint64_t used;                /* LRU clock */
  char *data;                   /* block_size bytes, allocated once */
};

struct remote {
  const struct remote_ops *ops;
  void *tp;
  char *prefix;
  struct remote_params p;

  pthread_mutex_t lock;         /* everything below */
  pthread_cond_t cond;          /* a slot or a connection changed */
  unsigned refs;
  void **idle;                  /* idle connections (max_conns) */
  size_t nidle;
  unsigned nconns;              /* live connections, idle or not */
  struct slot *slots;           /* cache_blocks */
  uint64_t clock;
  unsigned next_file_id;
  struct remote_stats st;
};

/* Sequential streams of one file: the copy engine's threads read
 * interleaved chunks, each its own stream, so one "last position" would
 * see no sequence at all. */
#define STREAMS 8

struct stream {
  uint64_t next;                /* block this stream reads next */
  unsigned window;              /* its read-ahead, blocks */
};

/* Files smaller than this are read whole, never mapped (a .vmx, a
 * descriptor: the map would cost a round trip for nothing). */
#define MAP_MIN (1024 * 1024)

enum map_state { MAP_UNKNOWN, MAP_NONE, MAP_READY };

struct rfile {
  struct remote *r;
  char *path;
  unsigned id;
  struct stream streams[STREAMS];
  unsigned victim;              /* round robin for new streams */
  pthread_mutex_t map_lock;     /* map_state, map (immutable once READY) */
  enum map_state map_state;
  extent_list map;              /* READY: data and holes covering the file */
};

/* 64 KiB blocks: the appliance's and the overlay's reads are small and
 * scattered (a 1 MiB block fetched for each 4-64 KiB read nearly doubled
 * the bytes of a conversion); sequential readers grow the window to
 * 2 MiB.  1024 blocks: 64 MiB of cache. */
static const struct remote_params defaults = {
  .max_conns = 4, .block_size = 64 * 1024, .cache_blocks = 1024,
  .readahead = 32, .retries = 5, .backoff_ms = 200, .backoff_max_ms = 5000,
};

struct remote *
remote_new (const struct remote_ops *ops, void *tp, const char *prefix,
            const struct remote_params *params)
{
  struct remote *r = xzalloc (sizeof *r);

  r->ops = ops;
  r->tp = tp;
  r->prefix = xstrdup (prefix ? prefix : "");
  r->p = params ? *params : defaults;
#define DEFAULT(f) if (!r->p.f) r->p.f = defaults.f
  DEFAULT (max_conns);
  DEFAULT (block_size);
  DEFAULT (cache_blocks);
  DEFAULT (readahead);
  DEFAULT (backoff_ms);
  DEFAULT (backoff_max_ms);
#undef DEFAULT
  if (!params)
    r->p.retries = defaults.retries;
  if (!is_power_of_2 (r->p.block_size))
    r->p.block_size = defaults.block_size;
  if (r->p.cache_blocks < r->p.max_conns)
    r->p.cache_blocks = r->p.max_conns;
  pthread_mutex_init (&r->lock, NULL);
  pthread_cond_init (&r->cond, NULL);
  r->refs = 1;
  r->idle = xreallocarray (NULL, r->p.max_conns, sizeof *r->idle);
  r->slots = xreallocarray (NULL, r->p.cache_blocks, sizeof *r->slots);
  memset (r->slots, 0, r->p.cache_blocks * sizeof *r->slots);
  return r;
}

void
remote_unref (struct remote *r)
{
  unsigned refs;

  if (!r)
    return;
  pthread_mutex_lock (&r->lock);
  refs = --r->refs;
  pthread_mutex_unlock (&r->lock);
  if (refs > 0)
    return;
  for (size_t i = 0; i < r->nidle; i++)
    r->ops->disconnect (r->tp, r->idle[i]);
  r->ops->close (r->tp);
  for (size_t i = 0; i < r->p.cache_blocks; i++)
    free (r->slots[i].data);
  free (r->slots);
  free (r->idle);
  free (r->prefix);
  pthread_cond_destroy (&r->cond);
  pthread_mutex_destroy (&r->lock);
  free (r);
}

void
remote_get_stats (struct remote *r, struct remote_stats *out)
{
  pthread_mutex_lock (&r->lock);
  *out = r->st;
  pthread_mutex_unlock (&r->lock);
}

/* ---- connection pool ---- */

/* An idle connection, or NULL with a reservation for a new one (the
 * caller connects, or calls pool_drop if that fails). */
static void *
pool_get (struct remote *r)
{
  void *conn = NULL;

  pthread_mutex_lock (&r->lock);
  while (r->nidle == 0 && r->nconns >= r->p.max_conns)
    pthread_cond_wait (&r->cond, &r->lock);
  if (r->nidle > 0)
    conn = r->idle[--r->nidle];
  else
    r->nconns++;
  pthread_mutex_unlock (&r->lock);
  return conn;
}

static void
pool_put (struct remote *r, void *conn)
{
  pthread_mutex_lock (&r->lock);
  r->idle[r->nidle++] = conn;
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

/* Give up a reservation (conn NULL) or a broken connection. */
static void
pool_drop (struct remote *r, void *conn)
{
  if (conn)
    r->ops->disconnect (r->tp, conn);
  pthread_mutex_lock (&r->lock);
  r->nconns--;
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

/* ---- requests with retries ---- */

static void
sleep_ms (unsigned ms)
{
  struct timespec ts = { .tv_sec = ms / 1000,
                         .tv_nsec = (long) (ms % 1000) * 1000000 };
  while (nanosleep (&ts, &ts) == -1 && errno == EINTR && !v2k_interrupted)
    ;
}

/* Wait before retry number n (1, 2, ...): backoff_ms * 2^(n-1), capped;
 * in slices so Ctrl-C is noticed.  -1 if interrupted. */
static int
backoff (struct remote *r, unsigned n)
{
  uint64_t ms = r->p.backoff_ms;

  for (unsigned i = 1; i < n && ms < r->p.backoff_max_ms; i++)
    ms *= 2;
  if (ms > r->p.backoff_max_ms)
    ms = r->p.backoff_max_ms;
  while (ms > 0) {
    unsigned slice = ms > 100 ? 100 : (unsigned) ms;
    if (check_interrupted () == -1)
      return -1;
    sleep_ms (slice);
    ms -= slice;
  }
  return check_interrupted ();
}

/* One request: a map query (map set: *size is the file's size), a
 * size query (buf NULL, *size set) or a read of count bytes at offset.
 * Retries transient failures on a new connection, resuming after the
 * bytes already received. */
static int
request (struct remote *r, const char *path, char *buf, size_t count,
         uint64_t offset, uint64_t *size, extent_list *map)
{
  unsigned failures = 0;
  void *conn = pool_get (r);

  for (;;) {
    int rc;
    size_t done = 0;
    bool transient = true;

    if (!conn) {
      conn = r->ops->connect (r->tp, &transient);
      rc = conn ? REMOTE_OK : transient ? REMOTE_TRANSIENT : REMOTE_FAILED;
    }
    else
      rc = REMOTE_OK;
    if (rc == REMOTE_OK) {
      struct timespec t0, t1;
      clock_gettime (CLOCK_MONOTONIC, &t0);
      if (map) {
        map->len = 0;           /* a retry starts over */
        rc = r->ops->map (r->tp, conn, path, *size, map);
      }
      else if (buf)
        rc = r->ops->read (r->tp, conn, path, buf, count, offset, &done);
      else
        rc = r->ops->size (r->tp, conn, path, size);
      if (done > count)         /* a transport bug, not the network's */
        abort ();
      clock_gettime (CLOCK_MONOTONIC, &t1);
      pthread_mutex_lock (&r->lock);
      r->st.requests++;
      r->st.bytes_fetched += done;
      r->st.request_ns += (uint64_t) ((t1.tv_sec - t0.tv_sec) * 1000000000LL
                                      + (t1.tv_nsec - t0.tv_nsec));
      pthread_mutex_unlock (&r->lock);
    }
    if (rc == REMOTE_OK) {
      pool_put (r, conn);
      return 0;
    }
    if (map && rc == REMOTE_FAILED && conn) {
      pool_put (r, conn);       /* the host cannot tell: no map */
      return -1;
    }
    pool_drop (r, conn);
    conn = NULL;
    if (rc != REMOTE_TRANSIENT)
      goto failed;
    if (done > 0) {             /* progress: resume, fresh budget */
      buf += done;
      count -= done;
      offset += done;
      failures = 0;
    }
    if (++failures > r->p.retries) {
      CLEANUP_FREE char *msg = xstrdup (get_error ());
      set_error (EIO, "'%s%s': giving up after %u retries: %s", r->prefix,
                 path, r->p.retries, msg);
      return -1;
    }
    debug ("'%s%s': %s; retry %u of %u at offset %" PRIu64, r->prefix, path,
           get_error (), failures, r->p.retries, offset);
    pthread_mutex_lock (&r->lock);
    r->st.retries++;
    pthread_mutex_unlock (&r->lock);
    if (backoff (r, failures) == -1)
      return -1;
    conn = pool_get (r);
  }

 failed:
  if (get_errno () == 0 && error_get_kind () == V2K_ERR_AUTO) {
    CLEANUP_FREE char *msg = xstrdup (get_error ());
    set_error (EIO, "%s", msg);
  }
  return -1;
}

/* ---- allocation map ---- */

/* Turn the transport's data ranges into extents covering [0, size):
 * holes shorter than a block merged into the data around them.  false
 * if the ranges are not ascending, disjoint and inside the file. */
static bool
build_map (const extent_list *data, uint64_t size, size_t bs,
           extent_list *out)
{
  uint64_t pos = 0;

  for (size_t i = 0; i < data->len; i++) {
    uint64_t s = data->ptr[i].offset, len = data->ptr[i].length;
    if (len == 0 || s < pos || s > size || len > size - s)
      return false;
    if (s - pos >= bs)
      extent_list_add (out, pos, s - pos, EXT_HOLE);
    else
      s = pos;                  /* a short hole is read with the data */
    extent_list_add (out, s, data->ptr[i].offset + len - s, EXT_DATA);
    pos = data->ptr[i].offset + len;
  }
  extent_list_add (out, pos, size - pos,
                   size - pos >= bs ? EXT_HOLE : EXT_DATA);
  return true;
}

/* The file's map, fetched the first time: READY (rf->map valid, never
 * changed again) or NONE (all data). */
static enum map_state
get_map (struct bfile *f)
{
  struct rfile *rf = f->priv;
  struct remote *r = rf->r;
  enum map_state st;

  pthread_mutex_lock (&rf->map_lock);
  if (rf->map_state == MAP_UNKNOWN) {
    extent_list data = empty_vector;
    uint64_t size = f->size;

    rf->map_state = MAP_NONE;
    if (r->ops->map && f->size >= MAP_MIN) {
      if (request (r, rf->path, NULL, 0, 0, &size, &data) == -1)
        debug ("'%s': no allocation map, read whole: %s", f->name,
               get_error ());
      else if (!build_map (&data, f->size, r->p.block_size, &rf->map)) {
        debug ("'%s': the host's allocation map is not valid: read whole",
               f->name);
        extent_list_reset (&rf->map);
      }
      else {
        uint64_t holes = 0;
        for (size_t i = 0; i < rf->map.len; i++)
          if (rf->map.ptr[i].type == EXT_HOLE)
            holes += rf->map.ptr[i].length;
        debug ("'%s': allocation map: %zu extents, %" PRIu64 " bytes of "
               "holes not fetched", f->name, rf->map.len, holes);
        rf->map_state = MAP_READY;
      }
    }
    extent_list_reset (&data);
  }
  st = rf->map_state;
  pthread_mutex_unlock (&rf->map_lock);
  return st;
}

/* Index of the extent of a READY map holding offset (< size). */
static size_t
map_find (const extent_list *m, uint64_t offset)
{
  size_t lo = 0, hi = m->len;

  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->ptr[mid].offset <= offset)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* count bytes at offset into buf: the data ranges fetched, the holes
 * zeroed. */
static int
fetch (struct bfile *f, char *buf, size_t count, uint64_t offset)
{
  struct rfile *rf = f->priv;
  const extent_list *m = &rf->map;

  if (get_map (f) != MAP_READY)
    return request (rf->r, rf->path, buf, count, offset, NULL, NULL);
  for (size_t i = map_find (m, offset); count > 0; i++) {
    const struct extent *e = &m->ptr[i];
    size_t n = (size_t) MIN ((uint64_t) count, e->offset + e->length - offset);
    if (e->type == EXT_HOLE)
      memset (buf, 0, n);
    else if (request (rf->r, rf->path, buf, n, offset, NULL, NULL) == -1)
      return -1;
    buf += n;
    offset += n;
    count -= n;
  }
  return 0;
}

static int
remote_extents (struct bfile *f, uint64_t offset, uint64_t count,
                extent_list *out)
{
  struct rfile *rf = f->priv;
  const extent_list *m = &rf->map;

  if (get_map (f) != MAP_READY) {
    extent_list_add (out, offset, f->size - offset, EXT_DATA);
    return 0;
  }
  for (size_t i = map_find (m, offset);
       i < m->len && m->ptr[i].offset < offset + count; i++) {
    const struct extent *e = &m->ptr[i];
    uint64_t s = MAX (e->offset, offset);
    extent_list_add (out, s, e->offset + e->length - s, e->type);
  }
  return 0;
}

/* ---- block cache ---- */

static struct slot *
find_slot (struct remote *r, unsigned id, uint64_t block)
{
  for (size_t i = 0; i < r->p.cache_blocks; i++) {
    struct slot *s = &r->slots[i];
    if (s->state != SLOT_EMPTY && s->file_id == id && s->block == block)
      return s;
  }
  return NULL;
}

/* The least recently used slot that is free to reuse, or NULL. */
static struct slot *
victim (struct remote *r)
{
  struct slot *best = NULL;

  for (size_t i = 0; i < r->p.cache_blocks; i++) {
    struct slot *s = &r->slots[i];
    if (s->state == SLOT_EMPTY)
      return s;
    if (s->state == SLOT_READY && s->pins == 0 &&
        (!best || s->used < best->used))
      best = s;
  }
  return best;
}

static uint64_t
nblocks (const struct bfile *f, size_t bs)
{
  return (f->size + bs - 1) / bs;
}

/* Return block `block` of f pinned (the caller unpins it under the
 * lock), fetching it and the blocks read-ahead decides, and at least
 * the `need` blocks the caller's read spans from it (one request for
 * the whole read, not one per block).  NULL + set_error. */
static struct slot *
get_block (struct bfile *f, uint64_t block, uint64_t need)
{
  struct rfile *rf = f->priv;
  struct remote *r = rf->r;
  size_t bs = r->p.block_size;
  struct slot *mine[64];
  unsigned want, n;
  uint64_t start, end;
  CLEANUP_FREE char *tmp = NULL;
  int rc;

  pthread_mutex_lock (&r->lock);
  for (;;) {
    struct slot *s = find_slot (r, rf->id, block);
    if (s && s->state == SLOT_READY) {
      s->pins++;
      s->used = ++r->clock;
      r->st.cache_hits++;
      pthread_mutex_unlock (&r->lock);
      return s;
    }
    if (!s && (s = victim (r)) != NULL)
      break;
    pthread_cond_wait (&r->cond, &r->lock);       /* loading, or full */
  }

  /* Read-ahead window: grows while a stream's reads follow each other. */
  struct stream *st = NULL;
  for (unsigned i = 0; i < STREAMS && !st; i++)
    if (block > 0 && rf->streams[i].next == block)
      st = &rf->streams[i];
  if (st)
    st->window = st->window ? st->window * 2 : 2;
  else {
    st = &rf->streams[rf->victim++ % STREAMS];
    st->window = 1;
  }
  if (st->window > r->p.readahead)
    st->window = r->p.readahead;
  want = st->window;
  if (need > want)
    want = need > r->p.readahead ? r->p.readahead : (unsigned) need;
  if (want > sizeof mine / sizeof mine[0])
    want = sizeof mine / sizeof mine[0];
  if (want > nblocks (f, bs) - block)
    want = (unsigned) (nblocks (f, bs) - block);
  for (n = 0; n < want; n++) {
    struct slot *s;
    if (n > 0 && find_slot (r, rf->id, block + n))
      break;
    if (!(s = victim (r)))
      break;
    if (!s->data)
      s->data = xmalloc (bs);
    s->state = SLOT_LOADING;
    s->file_id = rf->id;
    s->block = block + n;
    s->pins = 0;
    mine[n] = s;
  }
  st->next = block + n;
  pthread_mutex_unlock (&r->lock);

  start = block * bs;
  end = (block + n) * bs;
  if (end > f->size)
    end = f->size;
  tmp = xmalloc (end - start);
  rc = fetch (f, tmp, end - start, start);

  pthread_mutex_lock (&r->lock);
  for (unsigned i = 0; i < n; i++) {
    struct slot *s = mine[i];
    if (rc == 0) {
      uint64_t o = (uint64_t) i * bs;
      s->len = end - start - o < bs ? end - start - o : bs;
      memcpy (s->data, tmp + o, s->len);
      s->state = SLOT_READY;
      s->used = ++r->clock;
    }
    else
      s->state = SLOT_EMPTY;
  }
  if (rc == 0)
    mine[0]->pins++;
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
  return rc == 0 ? mine[0] : NULL;
}

/* True if none of blocks [first, first+n) is cached or loading. */
static bool
uncached (struct remote *r, unsigned id, uint64_t first, uint64_t n)
{
  bool ok = true;

  pthread_mutex_lock (&r->lock);
  for (uint64_t b = first; ok && b < first + n; b++)
    ok = find_slot (r, id, b) == NULL;
  pthread_mutex_unlock (&r->lock);
  return ok;
}

static int
remote_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  struct rfile *rf = f->priv;
  struct remote *r = rf->r;
  size_t bs = r->p.block_size;
  char *p = buf;

  while (count > 0) {
    uint64_t block = offset / bs;
    size_t in = offset % bs;

    /* Reads as large as the read-ahead window (the copy engine's
     * chunks), in whole uncached blocks: straight into buf, one
     * request. */
    if (in == 0 && count >= (size_t) r->p.readahead * bs) {
      uint64_t n = count / bs;
      if (uncached (r, rf->id, block, n)) {
        size_t len = n * bs;
        if (fetch (f, p, len, offset) == -1)
          return -1;
        p += len;
        offset += len;
        count -= len;
        continue;
      }
    }

    struct slot *s = get_block (f, block, (in + count + bs - 1) / bs);
    if (!s)
      return -1;
    size_t take = s->len - in;
    if (take > count)
      take = count;
    memcpy (p, s->data + in, take);
    pthread_mutex_lock (&r->lock);
    s->pins--;
    pthread_cond_broadcast (&r->cond);
    pthread_mutex_unlock (&r->lock);
    p += take;
    offset += take;
    count -= take;
  }
  return 0;
}

/* The reference rule (refs.h) on the remote side: the transport turns
 * name into a path on the host (rejecting what it cannot name), and the
 * path must stay inside the directory of the file the user's source named
 * (f->ref_root, inherited by every sibling), unless the user allowed
 * more (bfile_allow_external_refs: ref_root NULL).  A VMDK extent or
 * snapshot parent elsewhere on the datastore is refused (exit 3). */
static struct bfile *
remote_sibling (struct bfile *f, const char *name)
{
  struct rfile *rf = f->priv;
  CLEANUP_FREE char *named = rf->r->ops->resolve (rf->r->tp, rf->path, name);
  CLEANUP_FREE char *path = NULL;
  struct bfile *s;

  if (!named)
    return NULL;
  /* Normalised ("a/../b" is "b") before the check: a prefix test on the
   * raw name would let "DIR/../elsewhere" through. */
  if (ref_resolve ("", named, NULL, &path) != REF_OK) {
    set_error (EACCES, "'%s': reference '%s' names no file", f->name, name);
    error_set_kind (V2K_ERR_INPUT);
    return NULL;
  }
  if (f->ref_root && !ref_inside (path, f->ref_root)) {
    set_error (EACCES, "'%s': reference '%s' leads outside '%s': refused "
               "(--allow-external-refs follows it)", f->name, name,
               f->ref_root);
    error_set_kind (V2K_ERR_INPUT);
    return NULL;
  }
  s = remote_open (rf->r, path);
  if (s) {
    free (s->ref_root);
    s->ref_root = f->ref_root ? xstrdup (f->ref_root) : NULL;
  }
  return s;
}

static void
remote_close (struct bfile *f)
{
  struct rfile *rf = f->priv;
  struct remote *r = rf->r;

  pthread_mutex_lock (&r->lock);
  for (size_t i = 0; i < r->p.cache_blocks; i++)
    if (r->slots[i].state == SLOT_READY && r->slots[i].file_id == rf->id)
      r->slots[i].state = SLOT_EMPTY;
  pthread_mutex_unlock (&r->lock);
  extent_list_reset (&rf->map);
  pthread_mutex_destroy (&rf->map_lock);
  free (rf->path);
  free (rf);
  free (f->ref_root);
  free (f->name);
  free (f);
  remote_unref (r);
}

static const struct bfile_ops remote_bfile_ops = {
  .pread = remote_pread,
  .extents = remote_extents,
  .open_sibling = remote_sibling,
  .close = remote_close,
};

struct bfile *
remote_open (struct remote *r, const char *path)
{
  uint64_t size = 0;
  struct rfile *rf;
  struct bfile *f;

  if (request (r, path, NULL, 0, 0, &size, NULL) == -1)
    return NULL;
  rf = xzalloc (sizeof *rf);
  rf->r = r;
  rf->path = xstrdup (path);
  pthread_mutex_init (&rf->map_lock, NULL);
  f = xzalloc (sizeof *f);
  f->ops = &remote_bfile_ops;
  f->name = xasprintf ("%s%s", r->prefix, path);
  f->size = size;
  f->fd = -1;
  f->priv = rf;
  /* References from this file stay in its directory (remote_sibling). */
  {
    const char *slash = strrchr (path, '/');
    f->ref_root = !slash ? xstrdup ("") : slash == path ? xstrdup ("/")
      : xstrndup (path, slash - path);
  }
  pthread_mutex_lock (&r->lock);
  r->refs++;
  rf->id = ++r->next_file_id;
  pthread_mutex_unlock (&r->lock);
  return f;
}

struct remote *
remote_of_bfile (const struct bfile *f)
{
  if (!f || f->ops != &remote_bfile_ops)
    return NULL;
  return ((struct rfile *) f->priv)->r;
}

char *
remote_slurp (struct remote *r, const char *path, size_t max, size_t *len)
{
  struct bfile *f = remote_open (r, path);
  char *buf;

  if (!f)
    return NULL;
  if (f->size > max) {
    set_error (EFBIG, "'%s' is too large (%" PRIu64 " bytes, at most %zu "
               "expected)", f->name, f->size, max);
    bfile_close (f);
    return NULL;
  }
  buf = xmalloc (f->size + 1);
  if (f->size > 0 && bfile_pread (f, buf, f->size, 0) == -1) {
    free (buf);
    bfile_close (f);
    return NULL;
  }
  buf[f->size] = '\0';
  if (len)
    *len = f->size;
  bfile_close (f);
  return buf;
}
