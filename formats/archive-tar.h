/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: tar archives (OVA, XVA), read in place or as a forward stream.
 *
 * Two ways in, one header parser:
 *   - tar_open() indexes the members of a tar held in a bfile (an OVA).
 *     Members are then read in place as bfiles (tar_open_member); their
 *     open_sibling looks up other members, so a VMDK descriptor inside an
 *     OVA finds its extents and no byte is ever extracted.
 *   - tar_stream_next()/tar_stream_read() walk a tar that can only be
 *     read forwards (an XVA, possibly compressed, possibly on stdin).
 *
 * Formats: POSIX ustar (name + prefix), pax extended headers ('x': path,
 * size; 'g' ignored), GNU long names ('L'; 'K' ignored), GNU base-256
 * sizes.  Hostile input: a member name that is absolute or has a ".."
 * component, a bad header checksum, a size past the end of the archive,
 * a duplicate name or a missing end-of-archive marker is an error
 * (EINVAL) naming the archive; symbolic and hard links are indexed as
 * links and never followed (opening one is an error).  Nothing is ever
 * written: we never extract.
 *
 * Spec: POSIX.1-2017 "pax" (ustar interchange format, pax extended
 * header records); GNU tar manual "Basic Tar Format" (GNU extensions).
 */
#ifndef V2K_TAR_H
#define V2K_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bfile.h"

#define TAR_BLOCK 512
/* Caps on untrusted values. */
#define TAR_MAX_NAME 4096               /* bytes of a member name */
#define TAR_MAX_PAX (1024 * 1024)       /* bytes of one pax header */
#define TAR_MAX_MEMBERS 1000000         /* members of an indexed archive */

enum tar_type {
  TAR_FILE,                             /* regular file ('0', '\0', '7') */
  TAR_DIR,                              /* '5' */
  TAR_LINK,                             /* symlink '2' or hard link '1' */
  TAR_OTHER,                            /* devices, fifos, ...: ignored */
};

/* One member, after pax/GNU name and size records were applied. */
struct tar_member {
  char *name;                           /* normalised: no "./", no "//" */
  enum tar_type type;
  uint64_t offset;                      /* of its data in the archive */
  uint64_t size;                        /* bytes of data */
};

/* ---- In place (random access) ---- */

struct tar;

/* Index the tar in file, which is borrowed: the caller keeps it open
 * until the tar and every member opened from it are closed.  NULL +
 * set_error (EINVAL for a corrupt or hostile archive, naming it). */
struct tar *tar_open (struct bfile *file);

/* Members in archive order; valid until tar_close. */
size_t tar_count (const struct tar *t);
const struct tar_member *tar_member (const struct tar *t, size_t i);

/* The member called name (normalised like member names), or NULL
 * without setting an error. */
const struct tar_member *tar_find (const struct tar *t, const char *name);

/* Open a regular member as a bfile read in place.  Its open_sibling
 * resolves names relative to the member's directory inside the archive.
 * NULL + set_error: ENOENT if absent, EINVAL for a link or directory. */
struct bfile *tar_open_member (struct tar *t, const char *name);

/* The archive's own file (for messages and sequential reads). */
struct bfile *tar_file (const struct tar *t);

/* Drop the caller's reference; members stay readable until closed. */
void tar_close (struct tar *t);

/* ---- Forward stream ---- */

/* Forward reader: read up to n bytes, returning the count (fewer only
 * at end of input, 0 at end) or -1 + set_error. */
typedef ssize_t (*tar_read_fn) (void *opaque, void *buf, size_t n);

struct tar_stream;

/* Walk the tar produced by read(opaque, ...); name is the archive's
 * name for messages.  Never fails. */
struct tar_stream *tar_stream_new (tar_read_fn read, void *opaque,
                                   const char *name);

/* Skip what is left of the current member and parse the next header.
 * 1 and *m filled (m->name valid until the next call; m->offset is its
 * position in the stream), 0 at the end-of-archive marker, -1 +
 * set_error (a truncated stream or a corrupt header, EINVAL). */
int tar_stream_next (struct tar_stream *ts, struct tar_member *m);

/* Read up to n bytes of the current member's data: returns the count
 * (0 when the member is exhausted) or -1 + set_error (truncated). */
ssize_t tar_stream_read (struct tar_stream *ts, void *buf, size_t n);

void tar_stream_free (struct tar_stream *ts);

/* Normalise a member name: strip leading "./" and empty components.
 * Returns a new string, or NULL + set_error (EINVAL, naming archive)
 * for an absolute name or a ".." component. */
char *tar_normalise_name (const char *archive, const char *name);

/* ---- Writing (the Linux fixup hands files to guestfs_tar_in) ---- */

/* Append a ustar regular file (uid/gid 0, mtime 0) to fp.  0, or -1 +
 * set_error: ENAMETOOLONG when name does not fit ustar's name (100) and
 * prefix (155) fields, EIO for a write error. */
int tar_write_file (FILE *fp, const char *name, uint32_t perm,
                    const void *data, size_t size);
/* The end-of-archive marker: two zero blocks.  0 or -1 + set_error. */
int tar_write_end (FILE *fp);

#endif /* V2K_TAR_H */
