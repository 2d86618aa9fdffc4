/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVF manifest parsing and checking (see archive-manifest.h).
 *
 * Grammar accepted, per line (DSP0243 §5.1 plus what the field writes,
 * cf. virt-v2v input/OVA.ml's regex):
 *   ALGO [spaces] "(" name ")" [spaces] "=" [spaces] HEX [spaces] [CR]
 * The name may itself contain parentheses: it runs from the first '('
 * to the last ')' before the last '='.  Blank lines are skipped.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "archive-manifest.h"
#include "xalloc.h"

struct digest {
  EVP_MD_CTX *ctx;
};

static const EVP_MD *
md_for (const char *algo)
{
  if (strcmp (algo, "sha1") == 0) return EVP_sha1 ();
  if (strcmp (algo, "sha256") == 0) return EVP_sha256 ();
  if (strcmp (algo, "sha512") == 0) return EVP_sha512 ();
  return NULL;
}

struct digest *
digest_new (const char *algo)
{
  const EVP_MD *md = md_for (algo);
  struct digest *d;

  if (!md) {
    set_error (ENOTSUP, "unsupported digest algorithm '%s'", algo);
    return NULL;
  }
  d = xmalloc (sizeof *d);
  d->ctx = EVP_MD_CTX_new ();
  if (!d->ctx || EVP_DigestInit_ex (d->ctx, md, NULL) != 1) {
    set_error (ENOMEM, "cannot start a %s digest (libcrypto)", algo);
    EVP_MD_CTX_free (d->ctx);
    free (d);
    return NULL;
  }
  return d;
}

void
digest_update (struct digest *d, const void *buf, size_t len)
{
  EVP_DigestUpdate (d->ctx, buf, len);
}

char *
digest_final_hex (struct digest *d)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char *hex;

  EVP_DigestFinal_ex (d->ctx, md, &len);
  EVP_MD_CTX_free (d->ctx);
  free (d);
  hex = xmalloc (2 * len + 1);
  for (unsigned int i = 0; i < len; ++i)
    sprintf (hex + 2 * i, "%02x", md[i]);
  hex[2 * len] = '\0';
  return hex;
}

char *
digest_bfile (const char *algo, struct bfile *f,
              volatile sig_atomic_t *cancel)
{
  const size_t bufsize = 4 * 1024 * 1024;
  struct digest *d = digest_new (algo);
  CLEANUP_FREE char *buf = NULL;

  if (!d)
    return NULL;
  buf = xmalloc (bufsize);
  for (uint64_t off = 0; off < f->size; ) {
    size_t n = MIN ((uint64_t) bufsize, f->size - off);
    if ((cancel && *cancel) || check_interrupted () == -1) {
      set_error (EINTR, "'%s': digest cancelled", f->name);
      free (digest_final_hex (d));
      return NULL;
    }
    if (bfile_pread (f, buf, n, off) == -1) {
      free (digest_final_hex (d));
      return NULL;
    }
    digest_update (d, buf, n);
    off += n;
  }
  return digest_final_hex (d);
}

/* Trim trailing spaces, tabs and CR in place. */
static void
rtrim (char *s)
{
  size_t n = strlen (s);

  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    s[--n] = '\0';
}

/* Parse one non-blank line into e.  -1 + set_error. */
static int
parse_line (const char *mfname, unsigned lineno, char *line,
            struct manifest_entry *e)
{
  char *open = strchr (line, '(');
  char *eq = strrchr (line, '=');
  char *close, *hex, *a;
  const EVP_MD *md;

  if (!open || !eq || eq < open)
    goto bad;
  *eq = '\0';
  close = strrchr (open, ')');
  if (!close || close == open + 1)
    goto bad;
  for (char *p = close + 1; *p; ++p)
    if (*p != ' ' && *p != '\t')
      goto bad;
  for (a = open; a > line && (a[-1] == ' ' || a[-1] == '\t'); --a)
    ;
  if (a == line)
    goto bad;
  hex = eq + 1;
  while (*hex == ' ' || *hex == '\t')
    ++hex;
  for (char *p = hex; *p; ++p) {
    if (!isxdigit ((unsigned char) *p))
      goto bad;
    *p = (char) tolower ((unsigned char) *p);
  }
  e->algo = xstrndup (line, (size_t) (a - line));
  for (char *p = e->algo; *p; ++p)
    *p = (char) tolower ((unsigned char) *p);
  e->file = xstrndup (open + 1, (size_t) (close - open - 1));
  e->hex = xstrdup (hex);
  md = md_for (e->algo);
  if (!md) {
    set_error (ENOTSUP, "'%s': line %u: unsupported digest algorithm '%s'",
               mfname, lineno, e->algo);
    return -1;
  }
  if (strlen (e->hex) != 2 * (size_t) EVP_MD_size (md)) {
    set_error (EINVAL, "'%s': line %u: %s digest of '%s' has %zu hex "
               "digits, expected %d", mfname, lineno, e->algo, e->file,
               strlen (e->hex), 2 * EVP_MD_size (md));
    return -1;
  }
  return 0;

 bad:
  set_error (EINVAL, "'%s': line %u is not a manifest entry "
             "(expected 'ALGO(file)= digest')", mfname, lineno);
  return -1;
}

static void
entry_free (struct manifest_entry *e)
{
  free (e->algo);
  free (e->file);
  free (e->hex);
}

struct manifest *
manifest_parse (const char *name, const char *text, size_t len)
{
  struct manifest *mf = xzalloc (sizeof *mf);
  CLEANUP_FREE char *copy = xstrndup (text, len);
  char *save = NULL;
  unsigned lineno = 0;

  mf->name = xstrdup (name);
  if (strlen (copy) != len) {
    set_error (EINVAL, "'%s': manifest contains a NUL byte", name);
    manifest_free (mf);
    return NULL;
  }
  /* strtok_r would merge blank lines and lose line numbers. */
  for (char *line = copy; line; line = save) {
    struct manifest_entry e = { NULL, NULL, NULL };
    save = strchr (line, '\n');
    if (save)
      *save++ = '\0';
    ++lineno;
    rtrim (line);
    if (line[strspn (line, " \t")] == '\0')
      continue;
    if (parse_line (name, lineno, line + strspn (line, " \t"), &e) == -1) {
      entry_free (&e);
      manifest_free (mf);
      return NULL;
    }
    manifest_entries_append (&mf->entries, e);
  }
  return mf;
}

struct manifest *
manifest_read (struct bfile *f)
{
  CLEANUP_FREE char *buf = NULL;

  if (f->size > MANIFEST_MAX_SIZE) {
    set_error (EINVAL, "'%s': manifest of %" PRIu64 " bytes is larger than "
               "the limit (%d)", f->name, f->size, MANIFEST_MAX_SIZE);
    return NULL;
  }
  buf = xmalloc (f->size + 1);
  if (bfile_pread (f, buf, f->size, 0) == -1)
    return NULL;
  return manifest_parse (f->name, buf, f->size);
}

void
manifest_free (struct manifest *mf)
{
  if (!mf)
    return;
  for (size_t i = 0; i < mf->entries.len; ++i)
    entry_free (&mf->entries.ptr[i]);
  manifest_entries_reset (&mf->entries);
  free (mf->name);
  free (mf);
}

/* Check one entry: 0 match, -1 + set_error. *got receives the digest
 * (NULL if the file could not be read). */
static int
verify_one (const struct manifest *mf, struct bfile *mf_file,
            const struct manifest_entry *e, char **got,
            volatile sig_atomic_t *cancel)
{
  struct bfile *f = bfile_open_sibling (mf_file, e->file);

  *got = NULL;
  if (!f) {
    if (get_errno () == ENOENT)
      set_error (EBADMSG, "'%s' lists '%s', which is not in the archive "
                 "(use --no-verify to skip the manifest)", mf->name, e->file);
    return -1;
  }
  *got = digest_bfile (e->algo, f, cancel);
  bfile_close (f);
  if (!*got)
    return -1;
  if (strcmp (*got, e->hex) != 0) {
    set_error (EBADMSG, "'%s': %s digest mismatch: manifest '%s' says %s, "
               "the file has %s", e->file, e->algo, mf->name, e->hex, *got);
    return -1;
  }
  return 0;
}

int
manifest_verify (const struct manifest *mf, struct bfile *mf_file,
                 manifest_report_fn report, void *opaque,
                 volatile sig_atomic_t *cancel)
{
  CLEANUP_FREE char *first_msg = NULL;
  int first_errno = 0;

  for (size_t i = 0; i < mf->entries.len; ++i) {
    const struct manifest_entry *e = &mf->entries.ptr[i];
    char *got;
    int r = verify_one (mf, mf_file, e, &got, cancel);
    if (report)
      report (opaque, e, got);
    free (got);
    if (r == -1 && !first_msg) {
      first_msg = xstrdup (get_error ());
      first_errno = get_errno ();
    }
    if (r == -1 && (first_errno == EINTR || (cancel && *cancel)))
      break;
  }
  if (first_msg) {
    set_error (first_errno, "%s", first_msg);
    return -1;
  }
  return 0;
}
