/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: read any image through the blk readers.
 *
 *   (-d N chooses the disk of an OVA, as --disk does)
 *   blktool [-f FMT] cat IMAGE OUT      write the virtual disk to OUT (raw,
 *                                       sparse: holes and zero extents are
 *                                       not written)
 *   blktool [-f FMT] sha256 IMAGE       sha256 of the whole virtual disk
 *   blktool [-f FMT] map IMAGE          extents, one per line:
 *                                       "OFFSET LENGTH data|zero|hole"
 *   blktool [-f FMT] read IMAGE OFF LEN hexdump-free: raw bytes to stdout
 *
 * Exit 0, or 1 with "blktool: <error>" on stderr.  The readers are the
 * code under test; this program adds nothing but the loops. */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "archive.h"
#include "blk.h"
#include "checked.h"
#include "error.h"

#define CHUNK (4 * 1024 * 1024)

static int
die (void)
{
  fprintf (stderr, "blktool: %s\n", get_error ());
  return 1;
}

/* Call fn on every extent of b in order. */
static int
walk (struct blk *b, int (*fn) (struct blk *, const struct extent *, void *),
      void *opaque)
{
  extent_list l = empty_vector;
  uint64_t pos = 0;

  while (pos < b->size) {
    l.len = 0;
    if (blk_extents (b, pos, MIN (b->size - pos, (uint64_t) 1 << 30), &l) == -1)
      return -1;
    for (size_t i = 0; i < l.len; ++i)
      if (fn (b, &l.ptr[i], opaque) == -1)
        return -1;
    pos = l.ptr[l.len - 1].offset + l.ptr[l.len - 1].length;
  }
  extent_list_reset (&l);
  return 0;
}

static int
print_extent (struct blk *b, const struct extent *e, void *opaque)
{
  printf ("%" PRIu64 " %" PRIu64 " %s\n", e->offset, e->length,
          extent_type_name (e->type));
  return 0;
}

struct cat { int fd; char *buf; EVP_MD_CTX *md; };

static int
cat_extent (struct blk *b, const struct extent *e, void *opaque)
{
  struct cat *c = opaque;

  for (uint64_t off = e->offset; off < e->offset + e->length; ) {
    size_t n = MIN ((uint64_t) CHUNK, e->offset + e->length - off);
    if (e->type == EXT_DATA) {
      if (blk_pread (b, c->buf, n, off) == -1)
        return -1;
    }
    else
      memset (c->buf, 0, n);
    if (c->md)
      EVP_DigestUpdate (c->md, c->buf, n);
    if (c->fd >= 0 && e->type == EXT_DATA &&
        pwrite (c->fd, c->buf, n, (off_t) off) != (ssize_t) n) {
      set_error_errno ("write");
      return -1;
    }
    off += n;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  struct blk_open_options opts = { 0 };
  struct blk *b;
  struct cat c = { .fd = -1 };

  if (argc > 2 && strcmp (argv[1], "-f") == 0) {
    opts.format = argv[2];
    argc -= 2; argv += 2;
  }
  if (argc > 2 && strcmp (argv[1], "-d") == 0) {  /* archives: --disk */
    opts.disk = argv[2];
    argc -= 2; argv += 2;
  }
  if (argc < 3) {
    fprintf (stderr, "usage: blktool [-f FMT] [-d DISK] cat|sha256|map|read IMAGE ...\n");
    return 2;
  }
  v2k_progname = "blktool";
  b = blk_open (argv[2], &opts);
  if (!b)
    return die ();
  c.buf = malloc (CHUNK);
  if (strcmp (argv[1], "map") == 0) {
    if (walk (b, print_extent, NULL) == -1) return die ();
  }
  else if (strcmp (argv[1], "cat") == 0 && argc == 4) {
    c.fd = open (argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (c.fd == -1 || ftruncate (c.fd, (off_t) b->size) == -1) {
      perror (argv[3]);
      return 1;
    }
    if (walk (b, cat_extent, &c) == -1) return die ();
    close (c.fd);
  }
  else if (strcmp (argv[1], "sha256") == 0) {
    unsigned char md[32];
    c.md = EVP_MD_CTX_new ();
    EVP_DigestInit_ex (c.md, EVP_sha256 (), NULL);
    if (walk (b, cat_extent, &c) == -1) return die ();
    EVP_DigestFinal_ex (c.md, md, NULL);
    for (int i = 0; i < 32; ++i) printf ("%02x", md[i]);
    printf ("  %" PRIu64 "\n", b->size);
    EVP_MD_CTX_free (c.md);
  }
  else if (strcmp (argv[1], "read") == 0 && argc == 5) {
    uint64_t off = strtoull (argv[3], NULL, 0);
    size_t len = strtoull (argv[4], NULL, 0);
    char *buf = malloc (len ? len : 1);
    if (blk_pread (b, buf, len, off) == -1) return die ();
    fwrite (buf, 1, len, stdout);
    free (buf);
  }
  else {
    fprintf (stderr, "blktool: bad command\n");
    return 2;
  }
  free (c.buf);
  blk_close (b);
  return 0;
}
