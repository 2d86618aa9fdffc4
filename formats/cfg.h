/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: guest config readers (HACKING.md "Add a config reader").
 *
 * A reader turns one hypervisor's description of a VM into struct guest
 * (common/guest.h).  Each cfg-*.c file exports one `struct cfg_reader`;
 * the table is in registry.c.  Readers parse from memory: cfg_read()
 * reads the file through bfile (so the size is capped and the same code
 * serves a config read out of a tar by the archive code), then calls
 * parse().  Readers never open disks.
 *
 * Errors: -1 + set_error naming the file and line (or XML path) and what
 * is wrong: EINVAL for a malformed config, ENOTSUP for a valid config
 * v2kvm cannot use (an encrypted VM).  Unknown keys are ignored (debug);
 * a value a reader cannot understand gives a warning and a documented
 * default.
 */
#ifndef V2K_CFG_H
#define V2K_CFG_H

#include <stddef.h>

#include "guest.h"

/* Largest config file we read into memory. */
#define CFG_MAX_FILE (16 * 1024 * 1024)
/* Absurd memory sizes are refused (config says more than this). */
#define CFG_MAX_MEMORY (UINT64_C (16) << 40)        /* 16 TiB */
#define CFG_MAX_VCPUS 4096
#define CFG_MAX_DEVICES 256                         /* disks, NICs each */

struct cfg_reader {
  const char *name;             /* the -i value: "vmx", "xl", "ovf" ... */

  /* Score 0-100 for the first len bytes of a file called path.  Pure. */
  int (*probe) (const char *head, size_t len, const char *path);

  /* Parse len bytes (need not be NUL-terminated) read from path.  path
   * names the file in messages and is the base for relative disk names.
   * On success *out is a new guest (caller frees with guest_free). */
  int (*parse) (const char *buf, size_t len, const char *path,
                struct guest **out);
};

extern const struct cfg_reader *const cfg_readers[];

/* The reader called name ("xm" is an alias of "xl"), or NULL. */
const struct cfg_reader *cfg_find_reader (const char *name);

/* Read the config at path with reader name (NULL: probe by content).
 * 0 and *out, or -1 + set_error. */
int cfg_read (const char *name, const char *path, struct guest **out);

/* Parse a config already in memory (the archive code reads an OVF or a
 * XenServer ova.xml out of a tar).  name as for cfg_find_reader. */
int cfg_read_buffer (const char *name, const char *buf, size_t len,
                     const char *path, struct guest **out);

/* Convenience forms used by the archive code.  OVF disks carry their
 * References/File data in guest_disk.ref (ovf:href), .ref_size
 * (ovf:size), .compression and .size (DiskSection capacity in bytes);
 * XenServer disks carry the VDI reference ("Ref:5", the tar directory)
 * in .ref and virtual_size in .size. */
int cfg_ovf_read_buffer (const char *xml, size_t len, const char *name,
                         struct guest **out);
int cfg_xva_read_buffer (const char *xml, size_t len, const char *name,
                         struct guest **out);

/* ---- helpers shared by the readers (cfg.c) ---- */

/* Parse a decimal unsigned number that must fill all of s; -1 if not. */
int cfg_parse_u64 (const char *s, uint64_t *out);

/* Check memory (bytes) against CFG_MAX_MEMORY: 0, or -1 + set_error
 * "'path': memory N bytes is more than 16 TiB" (EINVAL). */
int cfg_check_memory (const char *path, const char *where, uint64_t bytes);

/* Guess a disk format from a file name's extension ("vmdk", "vhd",
 * "qcow2", "raw" for .img/.raw/.iso), or NULL. */
const char *cfg_format_from_name (const char *path);

#endif /* V2K_CFG_H */
