/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: block sources (disk readers).
 *
 * A block source is a virtual disk read from whatever the old hypervisor
 * left behind (raw, VMDK in every variant, VHD, qcow2, ...).  Each format
 * is one driver file exporting one `const struct blk_driver`, listed in
 * registry.c.  The core (blk.c) probes, opens, checks every call's
 * arguments and the drivers' answers, so drivers trust their inputs
 * (nbdkit server/backend.c, qemu block/io.c).
 *
 * Threads: pread() and extents() of an open driver may be called
 * concurrently from several threads (the copy engine's workers).  A driver
 * with mutable state (caches) protects it itself.
 *
 * Chains: a driver whose format has parents (VMDK snapshot links, VHD
 * differencing, qcow2 backing files) opens them with blk_open_backing()
 * and answers reads and extents for the merged view: EXT_HOLE only where
 * no link of the chain has data.
 */
#ifndef V2K_BLK_H
#define V2K_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfile.h"
#include "extents.h"
#include "vector.h"

struct blk;

/* What the caller decides about one input, passed to blk_open() and
 * carried down the chain as it is opened (qemu's bdrv_open() options,
 * nbdkit's .config): no option reaches a driver through a global.  All
 * zero means: probe the format, the only disk of an archive, check its
 * manifest when it is opened.  Strings are borrowed: they must stay
 * valid while blk_open() (or xva_stream_disk(), archive.h) runs. */
struct blk_open_options {
  const char *format;           /* driver name ("vmdk"...), NULL: probe */
  bool raw_expected;            /* the configuration says raw: a probe
                                 * that recognises nothing reads it as
                                 * raw without a warning */
  /* Archives (archive.h): */
  const char *disk;             /* NULL: the only disk; "N" (1-based, in
                                 * OVF/ova.xml order), an OVF File href
                                 * or an XVA "Ref:N" */
  bool no_verify;               /* skip manifests/checksums, with a
                                 * warning */
  bool verified_elsewhere;      /* OVA: skip the manifest silently (the
                                 * converter's NBD server, whose parent
                                 * process checks it) */
  bool verify_later;            /* OVA: check the manifest in a thread
                                 * while the disk is copied; the caller
                                 * must call archive_verify_finish() */
  /* References to other files (extents, parents, backing files), under
   * the rule of refs.h, enforced by bfile_open_sibling(): */
  bool allow_external_refs;     /* loose files: follow references that
                                 * leave the directory of the file named
                                 * (--allow-external-refs) */
  const char *referrer;         /* NULL: path is the user's own (named on
                                 * the command line, or by a config the
                                 * user gave as such: xl target=, libvirt
                                 * <source>).  Else the config file that
                                 * names path (a .vmx): path is itself a
                                 * reference, held to its directory */
};

/* Longest chain of backing files accepted; longer is reported as a loop. */
#define BLK_MAX_CHAIN 64
/* Bytes of the head and tail of a file the probe sees. */
#define BLK_PROBE_HEAD 4096
#define BLK_PROBE_TAIL 512

struct blk_driver {
  /* Format name, as printed and as given to --format: "raw", "vmdk",
   * "vhd", "vhdx", "qcow2". */
  const char *name;

  /* Score 0..100 for how sure the driver is that this is its format,
   * from the first (up to) BLK_PROBE_HEAD bytes and the last (up to)
   * BLK_PROBE_TAIL bytes of the file (a fixed VHD has only a footer).
   * No I/O.  The highest score wins; raw always answers 1. */
  int (*probe) (const uint8_t *head, size_t head_len,
                const uint8_t *tail, size_t tail_len);

  /* Open the image in file, which the core owns and keeps open until
   * close.  Validates every header field against the file size and the
   * driver's MAX_* caps before allocating.  Sets the virtual size with
   * blk_set_size() and may set a subformat with blk_set_subformat().
   * Returns the driver's handle, or NULL + set_error (EINVAL for a
   * corrupt image, ENOTSUP for an unsupported feature, ELOOP for a
   * chain loop, errno of the system call otherwise). */
  void *(*open) (struct blk *self, struct bfile *file);

  /* Fill buf with count bytes of the virtual disk at offset.  The core
   * guarantees count > 0 and offset + count <= size.  Unallocated ranges
   * read as zeros (or from the backing chain).  0, or -1 + set_error. */
  int (*pread) (void *h, void *buf, size_t count, uint64_t offset);

  /* Optional.  Append extents describing [offset, offset+count) to out:
   * ascending, contiguous, the first one covering offset; may stop
   * early (at least one extent) or go past count (the core clips).
   * Without it the core reports one DATA extent.  0, or -1 + set_error. */
  int (*extents) (void *h, uint64_t offset, uint64_t count, extent_list *out);

  /* Free the handle and everything it opened (extent files, backing
   * blks).  Never fails.  Not called with NULL. */
  void (*close) (void *h);

  /* Optional.  blk_open() was given the directory dir: if it holds an
   * image of this format (an unpacked OVA: the directory with the .ovf),
   * set *file to the file in it to open (malloc'd) and return 1; 0 if
   * the directory is not one of this format's; -1 + set_error (a
   * directory that is this format's but unusable, e.g. two .ovf). */
  int (*open_dir) (const char *dir, char **file);
};

/* The core's wrapper around an open driver.  Read-only for callers. */
struct blk {
  const struct blk_driver *drv;
  void *handle;
  struct bfile *file;           /* the file that was probed; owned */
  char *name;                   /* file->name, for messages */
  uint64_t size;                /* virtual size in bytes */
  char *subformat;              /* e.g. "streamOptimized"; may be NULL */
  string_vector files;          /* every file this link reads */
  struct blk *backing;          /* parent link, owned by the driver; or NULL */
  struct blk *child;            /* the link that opened this one, or NULL */
  struct blk *backing_override; /* see blk_open_overlay; borrowed */
  unsigned depth;               /* 0 for the top of a chain */
  /* The options this link is opened with (format: this link's), for the
   * driver's open() and the links it opens; NULL once open() returned. */
  const struct blk_open_options *opts;
};

/* Open path with opts (NULL: all defaults).  opts->format NULL means
 * probe (a raw result by fallback is reported with a warning unless
 * raw_expected); otherwise the named driver is used.  A directory is
 * offered to the drivers' open_dir().  NULL + set_error on failure. */
struct blk *blk_open (const char *path, const struct blk_open_options *opts);

/* Same, on an already open bfile; takes ownership of file (closed on
 * failure too). */
struct blk *blk_open_file (struct bfile *file,
                           const struct blk_open_options *opts);

/* Open the qcow2 file at path as an overlay on top of base: its own
 * clusters come from the file, everything else from base, whatever
 * backing file name its header carries.  The converter's overlays name
 * an NBD export of the source as their backing file; the copy pass reads
 * the merged view with the source's own driver instead, without NBD.
 * base is borrowed: the caller closes it after the overlay.  Drivers
 * with backing files honour self->backing_override in open(): when it is
 * set they use it as the backing link and do not open or close one. */
struct blk *blk_open_overlay (const char *path, struct blk *base);

/* For drivers: open the parent link called name (resolved as a sibling
 * of self's file) with self's options and format (NULL to probe).
 * Detects loops (a file that is already in the chain) and chains longer
 * than BLK_MAX_CHAIN (ELOOP).  The caller owns the result and closes it
 * with blk_close(), and must store it in self->backing (blk_open_backing
 * does that). */
struct blk *blk_open_backing (struct blk *self, const char *name,
                              const char *format);

/* For drivers: open another file next to self's file (a VMDK extent) and
 * record it in self->files.  The caller closes it with bfile_close(). */
struct bfile *blk_open_sibling (struct blk *self, const char *name);

/* For drivers, from open(): record the virtual size and subformat. */
void blk_set_size (struct blk *self, uint64_t size);
void blk_set_subformat (struct blk *self, const char *subformat);

/* Checked wrappers (see the driver contracts).  blk_extents clips the
 * result to [offset, offset+count) and asserts the driver's invariants. */
int blk_pread (struct blk *b, void *buf, size_t count, uint64_t offset);
int blk_extents (struct blk *b, uint64_t offset, uint64_t count,
                 extent_list *out);

/* For drivers of formats with parents: read [offset, offset+count) of
 * the parent link backing (NULL: none), zeros where there is none or
 * past its end (a child may be larger than its parent).  0 or -1. */
int blk_backing_pread (struct blk *backing, void *buf, size_t count,
                       uint64_t offset);

/* Same for extents: append to out the parent's extents of [offset,
 * offset+len) -- all of them, so out ends at offset+len -- and EXT_HOLE
 * where there is no parent or past its end.  out must end at offset
 * (or be empty).  0 or -1. */
int blk_backing_extents (struct blk *backing, uint64_t offset, uint64_t len,
                         extent_list *out);

/* Sum of the DATA extents of the whole disk, or -1 + set_error. */
int64_t blk_allocated (struct blk *b);

/* Close and free; NULL-safe. */
void blk_close (struct blk *b);

/* The driver table (registry.c), in probe order, NULL-terminated. */
extern const struct blk_driver *const blk_drivers[];
const struct blk_driver *blk_find_driver (const char *name);

#endif /* V2K_BLK_H */
