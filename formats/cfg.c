/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: config-reader core: read the file (capped at CFG_MAX_FILE)
 * through bfile, probe or look up the reader, call its parse(); helpers
 * the readers share.  See cfg.h for the contract. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bfile.h"
#include "cfg.h"
#include "error.h"
#include "xalloc.h"

const struct cfg_reader *
cfg_find_reader (const char *name)
{
  if (strcmp (name, "xm") == 0)
    name = "xl";
  for (size_t i = 0; cfg_readers[i]; ++i)
    if (strcmp (cfg_readers[i]->name, name) == 0)
      return cfg_readers[i];
  return NULL;
}

/* Read the whole file: 0 and a malloc'd, NUL-terminated *buf, or -1. */
static int
slurp (const char *path, char **buf, size_t *len)
{
  struct bfile *f = bfile_open (path);
  char *b;

  if (!f)
    return -1;
  if (f->size > CFG_MAX_FILE) {
    set_error (EFBIG, "%s: config file is %" PRIu64 " bytes, more than "
               "the limit of %d", path, f->size, CFG_MAX_FILE);
    bfile_close (f);
    return -1;
  }
  b = xmalloc (f->size + 1);
  if (f->size && bfile_pread (f, b, f->size, 0) == -1) {
    free (b);
    bfile_close (f);
    return -1;
  }
  b[f->size] = '\0';
  *len = f->size;
  *buf = b;
  bfile_close (f);
  return 0;
}

static const struct cfg_reader *
probe (const char *buf, size_t len, const char *path)
{
  const struct cfg_reader *best = NULL;
  int best_score = 0;

  for (size_t i = 0; cfg_readers[i]; ++i) {
    int s = cfg_readers[i]->probe (buf, len, path);
    if (s > best_score) {
      best_score = s;
      best = cfg_readers[i];
    }
  }
  if (!best)
    set_error (EINVAL, "'%s': not a guest configuration v2kvm knows "
               "(use -i to say which)", path);
  return best;
}

int
cfg_read_buffer (const char *name, const char *buf, size_t len,
                 const char *path, struct guest **out)
{
  const struct cfg_reader *r;

  r = name ? cfg_find_reader (name) : probe (buf, len, path);
  if (!r) {
    if (name)
      set_error (EINVAL, "unknown source type '%s'", name);
    return -1;
  }
  debug ("reading '%s' as %s", path, r->name);
  *out = NULL;
  if (r->parse (buf, len, path, out) == -1) {
    guest_free (*out);
    *out = NULL;
    return -1;
  }
  if (!(*out)->config_path)
    (*out)->config_path = xstrdup (path);
  return 0;
}

int
cfg_read (const char *name, const char *path, struct guest **out)
{
  char *buf;
  size_t len;
  int r;

  if (slurp (path, &buf, &len) == -1)
    return -1;
  r = cfg_read_buffer (name, buf, len, path, out);
  free (buf);
  return r;
}

int
cfg_ovf_read_buffer (const char *xml, size_t len, const char *name,
                     struct guest **out)
{
  return cfg_read_buffer ("ovf", xml, len, name, out);
}

int
cfg_xva_read_buffer (const char *xml, size_t len, const char *name,
                     struct guest **out)
{
  return cfg_read_buffer ("xva", xml, len, name, out);
}

int
cfg_parse_u64 (const char *s, uint64_t *out)
{
  uint64_t v = 0;

  if (!*s)
    return -1;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9')
      return -1;
    if (__builtin_mul_overflow (v, 10, &v) ||
        __builtin_add_overflow (v, (uint64_t) (*s - '0'), &v))
      return -1;
  }
  *out = v;
  return 0;
}

int
cfg_check_memory (const char *path, const char *where, uint64_t bytes)
{
  if (bytes > CFG_MAX_MEMORY) {
    set_error (EINVAL, "%s: %s: memory of %" PRIu64 " bytes is more "
               "than 16 TiB", path, where, bytes);
    return -1;
  }
  return 0;
}

const char *
cfg_format_from_name (const char *path)
{
  static const struct { const char *ext, *fmt; } map[] = {
    { ".vmdk", "vmdk" }, { ".vhd", "vhd" }, { ".qcow2", "qcow2" },
    { ".qcow", "qcow" }, { ".img", "raw" }, { ".raw", "raw" },
    { ".iso", "raw" }, { ".vhdx", "vhdx" },
  };
  const char *dot = path ? strrchr (path, '.') : NULL;

  if (!dot || strchr (dot, '/'))
    return NULL;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i)
    if (strcasecmp (dot, map[i].ext) == 0)
      return map[i].fmt;
  return NULL;
}
