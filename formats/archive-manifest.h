/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVF manifests (.mf) and streaming digests (libcrypto EVP).
 *
 * A manifest has one line per file, "ALGO(name)= hexdigest" (DMTF
 * DSP0243 §5.1), written in the field with spaces around the
 * parentheses and '=' ("SHA1 (f) = h", BSD shasum --tag style), CRLF
 * line ends, trailing spaces and either case of hex (virt-v2v
 * input/OVA.ml accepts the same).  ALGO is SHA1, SHA256 or SHA512.
 * Files are resolved as siblings of the manifest (other tar members, or
 * files in the same directory) and hashed with one sequential read.
 *
 * Not done: verifying the .cert signature (reported, never trusted).
 */
#ifndef V2K_MANIFEST_H
#define V2K_MANIFEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "bfile.h"
#include "vector.h"

/* Bytes of a manifest we accept (one line per file: tiny in practice). */
#define MANIFEST_MAX_SIZE (1024 * 1024)

struct manifest_entry {
  char *algo;                   /* "sha1", "sha256", "sha512" */
  char *file;                   /* as written in the manifest */
  char *hex;                    /* expected digest, lower case */
};
DEFINE_VECTOR_TYPE (manifest_entries, struct manifest_entry);

struct manifest {
  char *name;                   /* the .mf, for messages */
  manifest_entries entries;
};

/* Parse the manifest text (len bytes) called name.  NULL + set_error
 * (EINVAL naming the line for a malformed line or digest length,
 * ENOTSUP for an unknown algorithm). */
struct manifest *manifest_parse (const char *name, const char *text,
                                 size_t len);

/* Read and parse the manifest file f.  NULL + set_error. */
struct manifest *manifest_read (struct bfile *f);

void manifest_free (struct manifest *mf);

/* Streaming digest. */
struct digest;

/* algo as in manifest_entry.  NULL + set_error (ENOTSUP). */
struct digest *digest_new (const char *algo);
void digest_update (struct digest *d, const void *buf, size_t len);
/* Finish and free d: returns the lower-case hex digest (caller frees). */
char *digest_final_hex (struct digest *d);

/* Digest of all of f, read sequentially.  A non-NULL cancel that
 * becomes true stops it (NULL + set_error EINTR).  NULL + set_error on
 * read errors. */
char *digest_bfile (const char *algo, struct bfile *f,
                    volatile sig_atomic_t *cancel);

/* Called once per entry as it is checked: got is the digest found, or
 * NULL if the file is missing. */
typedef void (*manifest_report_fn) (void *opaque,
                                    const struct manifest_entry *e,
                                    const char *got);

/* Check every entry, opening files with bfile_open_sibling (mf_file).
 * All entries are checked (and reported) even after a failure.  0 when
 * all match; -1 + set_error for the first failure: EBADMSG for a
 * mismatch (naming the file and both digests) or a listed file that is
 * absent; other errno for read errors or cancellation. */
int manifest_verify (const struct manifest *mf, struct bfile *mf_file,
                     manifest_report_fn report, void *opaque,
                     volatile sig_atomic_t *cancel);

#endif /* V2K_MANIFEST_H */
