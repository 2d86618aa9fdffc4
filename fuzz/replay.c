/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: replay files through a harness without libFuzzer (the
 * regression corpus, under the normal ASan+UBSan build).
 *
 *   fuzz-NAME-replay FILE|DIR...
 *
 * Runs LLVMFuzzerTestOneInput once per file (a directory: each file in
 * it); exit 0 when every run returned, whatever the parser answered: a
 * finding is a sanitizer report or an abort. */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file (const char *path)
{
  FILE *fp = fopen (path, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;

  if (!fp) {
    perror (path);
    return -1;
  }
  do {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = realloc (buf, cap);
      if (!buf) {
        perror ("realloc");
        exit (1);
      }
    }
    n = fread (buf + len, 1, cap - len, fp);
    len += n;
  } while (n > 0);
  fclose (fp);
  fprintf (stderr, "replay: %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput (buf, len);
  free (buf);
  return 0;
}

int
main (int argc, char **argv)
{
  int rc = 0;

  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode)) {
      DIR *d = opendir (argv[i]);
      struct dirent *e;
      while (d && (e = readdir (d)) != NULL) {
        char *p;
        if (e->d_name[0] == '.')
          continue;
        if (asprintf (&p, "%s/%s", argv[i], e->d_name) == -1)
          exit (1);
        if (run_file (p) == -1)
          rc = 1;
        free (p);
      }
      if (d)
        closedir (d);
    }
    else if (run_file (argv[i]) == -1)
      rc = 1;
  }
  return rc;
}
