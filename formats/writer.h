/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: disk writers (the output side of every copy).
 *
 * A disk writer turns a stream of (offset, bytes) into an output image:
 * qcow2 (disk-qcow2-writer.c) or raw (disk-raw-writer.c).  Each format is
 * one driver file exporting one `const struct writer_driver`, listed in
 * registry.c.  The core (writer.c) owns the file and the checks:
 *
 *  - Output is created under a temporary name in the target directory
 *    (".NAME.v2kvm-tmp-XXXXXX"); writer_finish() lets the driver write its
 *    metadata, fsyncs, renames the file to NAME and fsyncs the directory.
 *    writer_abort() closes and unlinks the temporary file.  Nothing
 *    half-written is ever left under the final name.  An existing block
 *    or character device (with force) is written in place instead.
 *  - The ORDERING CONTRACT: data arrives at strictly ascending offsets and
 *    a range is given at most once.  The core asserts it.  It is what lets
 *    the qcow2 writer append clusters and keep one L2 table in memory.
 *  - Work is split in two, so that it runs on all cores (HACKING.md
 *    "Data flow"):
 *    writer_prepare() is thread-safe and runs in the copy engine's worker
 *    threads (zero detection per block, and per-thread compression when
 *    the driver compresses); writer_write_chunk() runs in the single
 *    ordered writer thread and only appends prepared blocks.
 *
 * Every failure of this interface is an output failure: the core sets
 * error_set_kind(V2K_ERR_OUTPUT), so the program exits 5.
 */
#ifndef V2K_WRITER_H
#define V2K_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct writer_options {
  bool compress;                /* compress data blocks (qcow2 -c) */
  uint32_t cluster_size;        /* qcow2 cluster size; 0 = default 64 KiB */
  bool force;                   /* replace an existing output */
};

struct writer_driver {
  /* Format name, as given to -O: "qcow2", "raw". */
  const char *name;

  /* Start an image of size virtual bytes in fd, a new empty regular file
   * (or a device when regular is false), positioned nowhere: the driver
   * uses pwrite(2) only.  name is for messages.  Validates opts (e.g. a
   * cluster size that is not a power of two: EINVAL).  Sets
   * *block_size to the granularity at which data must be given to it (a
   * power of two: the qcow2 cluster, or 4096 for raw) and *zero_init to
   * whether unwritten ranges read as zeros.  Returns the handle, or NULL
   * + set_error. */
  void *(*create) (int fd, const char *name, bool regular, uint64_t size,
                   const struct writer_options *opts,
                   uint32_t *block_size, bool *zero_init);

  /* Write count bytes at offset.  The core guarantees: offset is a
   * multiple of the block size, count is a multiple of the block size
   * except when the range ends at the virtual size, offsets strictly
   * ascend and no range is written twice.  0, or -1 + set_error. */
  int (*pwrite) (void *h, const void *buf, size_t count, uint64_t offset);

  /* Optional (needed only when zero_init is false).  Make [offset,
   * offset+count) read as zeros; same ordering contract as pwrite. */
  int (*zero) (void *h, uint64_t offset, uint64_t count);

  /* Optional, for drivers that compress.  compressor_new() makes the
   * state of one worker thread (NULL + set_error on failure);
   * compress() is called concurrently from several threads, each with
   * its own state: compress the block in (block_size bytes, zero-padded
   * at the end of the disk) into out (out_max bytes); return the
   * compressed length, or 0 when it would not be smaller than out_max.
   * Never fails. */
  void *(*compressor_new) (void *h);
  void (*compressor_free) (void *c);
  size_t (*compress) (void *h, void *c, const void *in, void *out,
                      size_t out_max);

  /* Required with compress.  Append one block, compressed to len bytes,
   * for the block at offset (ordering contract as pwrite). */
  int (*pwrite_compressed) (void *h, const void *buf, size_t len,
                            uint64_t offset);

  /* Write the trailing metadata (qcow2 tables, header).  The core then
   * fsyncs and renames.  0, or -1 + set_error. */
  int (*finish) (void *h);

  /* Free the handle.  The core closes the file.  Never fails. */
  void (*close) (void *h);
};

struct writer;

/* What writer_prepare() decided for each block of a chunk. */
enum writer_block_kind {
  WRITER_BLOCK_ZERO = 0,        /* all zero: not written */
  WRITER_BLOCK_DATA,            /* written as is */
  WRITER_BLOCK_COMPRESSED,      /* written from chunk->cdata */
};

struct writer_block {
  enum writer_block_kind kind;
  size_t clen;                  /* compressed length (COMPRESSED only) */
};

/* A piece of the virtual disk on its way from a worker to the writer.
 * Made by writer_chunk_new(); the caller fills offset, count and data,
 * then calls writer_prepare() and writer_write_chunk(). */
struct writer_chunk {
  uint64_t offset;              /* multiple of the block size */
  size_t count;                 /* <= cap; see the pwrite contract */
  size_t cap;                   /* capacity, a multiple of the block size */
  uint8_t *data;                /* cap bytes */
  uint8_t *cdata;               /* cap bytes when compressing, else NULL */
  struct writer_block *blocks;  /* cap / block size entries */
  size_t nblocks;               /* set by writer_prepare() */
  uint64_t data_bytes;          /* bytes in DATA/COMPRESSED blocks */
};

/* Create path (format: a driver name) for a disk of size bytes, under a
 * temporary name next to it.  Fails with EEXIST when path exists and
 * !opts->force, ENOTSUP for an unknown format.  NULL + set_error
 * (kind V2K_ERR_OUTPUT). */
struct writer *writer_create (const char *format, const char *path,
                              uint64_t size,
                              const struct writer_options *opts);

/* Same with a driver that need not be in the table (tests use a
 * recording writer). */
struct writer *writer_create_driver (const struct writer_driver *drv,
                                     const char *path, uint64_t size,
                                     const struct writer_options *opts);

/* The driver's block size, and whether unwritten ranges read as zero. */
uint32_t writer_block_size (const struct writer *w);
bool writer_zero_init (const struct writer *w);

/* A chunk able to hold cap bytes (rounded up to the block size). */
struct writer_chunk *writer_chunk_new (struct writer *w, size_t cap);
void writer_chunk_free (struct writer_chunk *c);

/* Per-thread state for writer_prepare(); NULL + set_error on failure.
 * writer_worker_free() is NULL-safe. */
struct writer_worker *writer_worker_new (struct writer *w);
void writer_worker_free (struct writer *w, struct writer_worker *ww);

/* Thread-safe: classify every block of c (all-zero, data, compressed),
 * compressing into c->cdata when the output compresses.  Zero-pads the
 * last block in c->data.  Never fails. */
void writer_prepare (struct writer *w, struct writer_worker *ww,
                     struct writer_chunk *c);

/* Ordered writer thread only: append a prepared chunk.  Zero blocks are
 * skipped (or zeroed when the output has no zero init).  Ranges between
 * chunks that were never given are zeroed by writer_finish() when
 * needed.  0, or -1 + set_error. */
int writer_write_chunk (struct writer *w, const struct writer_chunk *c);

/* Single-threaded convenience: prepare + write buf at offset (same
 * ordering contract; offset aligned to the block size).  For callers
 * that stream (archive readers).  0, or -1 + set_error. */
int writer_pwrite (struct writer *w, const void *buf, size_t count,
                   uint64_t offset);

/* Metadata, fsync, rename to the final name, fsync the directory.  On
 * failure the temporary file is still there: call writer_abort().
 * 0, or -1 + set_error. */
int writer_finish (struct writer *w);

/* After writer_finish(): bytes the output occupies on disk (st_blocks),
 * and its apparent size. */
uint64_t writer_disk_usage (const struct writer *w);

/* Free w.  If writer_finish() did not succeed, close and unlink the
 * temporary file.  NULL-safe, never fails. */
void writer_close (struct writer *w);
#define writer_abort writer_close

/* For drivers: pwrite(2) all n bytes of buf at off into fd, retrying
 * short writes and EINTR.  0, or -1 + set_error naming name. */
int writer_write_all (int fd, const char *name, const void *buf, size_t n,
                      uint64_t off);

/* The driver table (registry.c), NULL-terminated. */
extern const struct writer_driver *const writer_drivers[];
const struct writer_driver *writer_find_driver (const char *name);

#endif /* V2K_WRITER_H */
