/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: drive formats/initramfs.c and the tar writer.
 *
 *   irdtool list IMAGE                   "codec EARLY_BYTES", then one
 *                                        "MODE SIZE NAME" line per entry
 *   irdtool put IMAGE OUT [NAME=FILE | -NAME]...
 *                                        replace/add NAME with FILE's
 *                                        bytes (0644), or remove NAME;
 *                                        write the new image to OUT
 *   irdtool tar OUT NAME=FILE...         a ustar archive of those files
 *
 * Exit 0, or 1 with "irdtool: <error>" on stderr.  The module is the code
 * under test; this program adds nothing but the argument loop. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "initramfs.h"
#include "archive-tar.h"

static int
die (void)
{
  fprintf (stderr, "irdtool: %s\n", get_error ());
  return 1;
}

static char *
slurp (const char *path, size_t *len)
{
  FILE *fp = fopen (path, "r");
  char *buf = NULL;
  size_t cap = 0, n;

  *len = 0;
  if (fp == NULL) {
    set_error_errno ("cannot open '%s'", path);
    return NULL;
  }
  do {
    if (*len + 65536 > cap) {
      cap = cap ? cap * 2 : 1 << 20;
      buf = realloc (buf, cap);
      if (buf == NULL)
        abort ();
    }
    n = fread (buf + *len, 1, cap - *len, fp);
    *len += n;
  } while (n > 0);
  fclose (fp);
  return buf;
}

static int
spill (const char *path, const void *data, size_t len)
{
  FILE *fp = fopen (path, "w");

  if (fp == NULL || fwrite (data, 1, len, fp) != len || fclose (fp) != 0) {
    set_error_errno ("cannot write '%s'", path);
    return -1;
  }
  return 0;
}

static int
cmd_list (const char *image)
{
  struct initramfs ird;
  size_t len;
  char *buf = slurp (image, &len);

  if (buf == NULL || initramfs_parse (image, (uint8_t *) buf, len, &ird) == -1) {
    free (buf);
    return die ();
  }
  free (buf);
  printf ("%s %zu\n", initramfs_codec_name (ird.codec), ird.early_len);
  for (size_t i = 0; i < ird.entries.len; ++i) {
    const struct ird_entry *e = &ird.entries.ptr[i];
    printf ("%06o %zu %s\n", e->mode, e->size, e->name);
  }
  initramfs_free (&ird);
  return 0;
}

static int
cmd_put (const char *image, const char *out, int n, char **args)
{
  struct initramfs ird;
  size_t len;
  char *buf = slurp (image, &len);
  uint8_t *img;

  if (buf == NULL || initramfs_parse (image, (uint8_t *) buf, len, &ird) == -1) {
    free (buf);
    return die ();
  }
  free (buf);
  for (int i = 0; i < n; ++i) {
    char *eq = strchr (args[i], '=');
    if (args[i][0] == '-') {
      initramfs_remove (&ird, args[i] + 1);
      continue;
    }
    if (eq == NULL) {
      set_error (EINVAL, "'%s': NAME=FILE or -NAME expected", args[i]);
      initramfs_free (&ird);
      return die ();
    }
    *eq = '\0';
    char *data = slurp (eq + 1, &len);
    int r = data ? initramfs_put (&ird, args[i], 0644, data, len) : -1;
    free (data);
    if (r == -1) {
      initramfs_free (&ird);
      return die ();
    }
  }
  if (initramfs_write (&ird, 0, &img, &len) == -1 || spill (out, img, len)) {
    initramfs_free (&ird);
    return die ();
  }
  free (img);
  initramfs_free (&ird);
  return 0;
}

static int
cmd_tar (const char *out, int n, char **args)
{
  FILE *fp = fopen (out, "w");
  int r = 0;

  if (fp == NULL) {
    set_error_errno ("cannot create '%s'", out);
    return die ();
  }
  for (int i = 0; r == 0 && i < n; ++i) {
    char *eq = strchr (args[i], '=');
    size_t len;
    char *data;
    if (eq == NULL) {
      set_error (EINVAL, "'%s': NAME=FILE expected", args[i]);
      r = -1;
      break;
    }
    *eq = '\0';
    data = slurp (eq + 1, &len);
    r = data ? tar_write_file (fp, args[i], 0644, data, len) : -1;
    free (data);
  }
  if (r == 0)
    r = tar_write_end (fp);
  if (fclose (fp) != 0 && r == 0) {
    set_error_errno ("cannot write '%s'", out);
    r = -1;
  }
  return r == -1 ? die () : 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "list") == 0)
    return cmd_list (argv[2]);
  if (argc >= 4 && strcmp (argv[1], "put") == 0)
    return cmd_put (argv[2], argv[3], argc - 4, argv + 4);
  if (argc >= 3 && strcmp (argv[1], "tar") == 0)
    return cmd_tar (argv[2], argc - 3, argv + 3);
  fprintf (stderr, "usage: irdtool list IMAGE | put IMAGE OUT "
           "[NAME=FILE|-NAME]... | tar OUT NAME=FILE...\n");
  return 2;
}
