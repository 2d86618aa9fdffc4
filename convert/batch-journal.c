/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the batch journal (batch.h).  DIR/guests/NAME holds one record
 * as "key<TAB>value" lines (values with \\, \t and \n escaped).  A
 * record is replaced, never edited: written to a temporary file, synced,
 * renamed over the old one and the directory synced, so after a crash
 * each record is the old or the new one, whole (rename(2) is atomic;
 * fsync of the directory makes the rename durable, see fsync(2)). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

static const char *const status_names[] = {
  "pending", "running", "done", "failed", "interrupted",
};

const char *
job_status_name (enum job_status s)
{
  return status_names[s];
}

static int
make_dir (const char *path)
{
  if (mkdir (path, 0755) == -1 && errno != EEXIST) {
    set_error_errno ("cannot create the state directory '%s'", path);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

int
journal_open (const char *dir)
{
  CLEANUP_FREE char *g = xasprintf ("%s/guests", dir);
  CLEANUP_FREE char *l = xasprintf ("%s/logs", dir);

  return make_dir (dir) == -1 || make_dir (g) == -1 || make_dir (l) == -1
    ? -1 : 0;
}

static void
put (FILE *fp, const char *key, const char *v)
{
  if (!v)
    return;
  fprintf (fp, "%s\t", key);
  for (; *v; ++v) {
    if (*v == '\\') fputs ("\\\\", fp);
    else if (*v == '\t') fputs ("\\t", fp);
    else if (*v == '\n') fputs ("\\n", fp);
    else fputc (*v, fp);
  }
  fputc ('\n', fp);
}

static int
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = fd == -1 ? -1 : fsync (fd);

  if (fd != -1)
    close (fd);
  return r;
}

int
journal_write (const char *dir, const struct job_record *r)
{
  CLEANUP_FREE char *gdir = xasprintf ("%s/guests", dir);
  CLEANUP_FREE char *path = xasprintf ("%s/%s", gdir, r->name);
  CLEANUP_FREE char *tmp = xasprintf ("%s/.%s.tmp", gdir, r->name);
  char num[64];
  FILE *fp = fopen (tmp, "we");
  int bad;

  if (!fp)
    goto fail;
  put (fp, "name", r->name);
  snprintf (num, sizeof num, "%u", r->line);
  put (fp, "line", num);
  put (fp, "status", job_status_name (r->status));
  snprintf (num, sizeof num, "%d", r->exit);
  put (fp, "exit", num);
  put (fp, "message", r->message);
  snprintf (num, sizeof num, "%" PRId64, r->start);
  put (fp, "start", num);
  snprintf (num, sizeof num, "%.3f", r->seconds);
  put (fp, "seconds", num);
  snprintf (num, sizeof num, "%" PRIu64, r->bytes_read);
  put (fp, "bytes_read", num);
  snprintf (num, sizeof num, "%" PRIu64, r->bytes_written);
  put (fp, "bytes_written", num);
  snprintf (num, sizeof num, "%u", r->warnings);
  put (fp, "warnings", num);
  put (fp, "log", r->log);
  for (size_t i = 0; i < r->targets.len; ++i)
    put (fp, "target", r->targets.ptr[i]);
  bad = fflush (fp) != 0 || fsync (fileno (fp)) != 0;
  bad |= fclose (fp) != 0;
  if (bad || rename (tmp, path) == -1 || sync_dir (gdir) == -1)
    goto fail;
  return 0;

 fail:
  set_error_errno ("cannot write the journal record '%s'", path);
  error_set_kind (V2K_ERR_OUTPUT);
  unlink (tmp);
  return -1;
}

static char *
unescape (const char *v)
{
  char *out = xmalloc (strlen (v) + 1), *o = out;

  for (; *v; ++v) {
    if (*v == '\\' && v[1]) {
      ++v;
      *o++ = *v == 't' ? '\t' : *v == 'n' ? '\n' : *v;
    }
    else
      *o++ = *v;
  }
  *o = '\0';
  return out;
}

static int
parse_status (const char *v, enum job_status *s)
{
  for (size_t i = 0; i < sizeof status_names / sizeof *status_names; ++i)
    if (strcmp (v, status_names[i]) == 0) {
      *s = (enum job_status) i;
      return 0;
    }
  return -1;
}

static int
read_file (const char *path, struct job_record *r)
{
  CLEANUP_FCLOSE FILE *fp = fopen (path, "re");
  CLEANUP_FREE char *buf = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned line = 0;

  if (!fp) {
    if (errno == ENOENT)
      return 0;
    set_error_errno ("cannot open the journal record '%s'", path);
    return -1;
  }
  memset (r, 0, sizeof *r);
  r->targets = (string_vector) empty_vector;
  while ((len = getline (&buf, &cap, fp)) != -1) {
    char *tab = strchr (buf, '\t'), *v;
    ++line;
    if (len && buf[len - 1] == '\n')
      buf[--len] = '\0';
    if (!tab)
      goto corrupt;
    *tab = '\0';
    v = unescape (tab + 1);
    char **slot = !strcmp (buf, "name") ? &r->name
      : !strcmp (buf, "message") ? &r->message
      : !strcmp (buf, "log") ? &r->log : NULL;
    if (slot) {
      free (*slot);
      *slot = v;
      continue;
    }
    if (!strcmp (buf, "target")) {
      string_vector_append (&r->targets, v);
      continue;
    }
    if (!strcmp (buf, "status")) {
      if (parse_status (v, &r->status) == -1) {
        free (v);
        goto corrupt;
      }
    }
    else if (!strcmp (buf, "line"))
      r->line = (unsigned) strtoul (v, NULL, 10);
    else if (!strcmp (buf, "exit"))
      r->exit = atoi (v);
    else if (!strcmp (buf, "start"))
      r->start = strtoll (v, NULL, 10);
    else if (!strcmp (buf, "seconds"))
      r->seconds = strtod (v, NULL);
    else if (!strcmp (buf, "bytes_read"))
      r->bytes_read = strtoull (v, NULL, 10);
    else if (!strcmp (buf, "bytes_written"))
      r->bytes_written = strtoull (v, NULL, 10);
    else if (!strcmp (buf, "warnings"))
      r->warnings = (unsigned) strtoul (v, NULL, 10);
    free (v);                   /* unknown keys: ignored (newer versions) */
  }
  if (!r->name) {
    line = 0;
    goto corrupt;
  }
  return 1;

 corrupt:
  job_record_free (r);
  set_error (EINVAL, "'%s': line %u: corrupt journal record", path, line);
  return -1;
}

int
journal_read (const char *dir, const char *name, struct job_record *r)
{
  CLEANUP_FREE char *path = xasprintf ("%s/guests/%s", dir, name);

  return read_file (path, r);
}

static int
cmp_line (const void *a, const void *b)
{
  const struct job_record *x = a, *y = b;

  return x->line != y->line ? (x->line < y->line ? -1 : 1)
    : strcmp (x->name, y->name);
}

int
journal_list (const char *dir, job_record_list *out)
{
  CLEANUP_FREE char *gdir = xasprintf ("%s/guests", dir);
  DIR *d = opendir (gdir);
  struct dirent *e;
  size_t first = out->len;

  if (!d) {
    set_error_errno ("cannot read the state directory '%s'", dir);
    return -1;
  }
  while ((e = readdir (d))) {
    struct job_record r;
    CLEANUP_FREE char *path = NULL;
    if (e->d_name[0] == '.')
      continue;                 /* ., .., temporary files */
    path = xasprintf ("%s/%s", gdir, e->d_name);
    switch (read_file (path, &r)) {
    case -1: closedir (d); return -1;
    case 1: job_record_list_append (out, r); break;
    }
  }
  closedir (d);
  qsort (out->ptr + first, out->len - first, sizeof *out->ptr, cmp_line);
  return 0;
}

void
job_record_free (struct job_record *r)
{
  free (r->name);
  free (r->message);
  free (r->log);
  string_vector_free_all (&r->targets);
  memset (r, 0, sizeof *r);
}
