/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: internal interface between the xl/xm config grammar
 * (cfg-xl-parse.c) and the mapping to struct guest (cfg-xl.c).  Not
 * used outside these two files. */
#ifndef V2K_CFG_XL_H
#define V2K_CFG_XL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strindex.h"

#define MAX_DEPTH 8
#define MAX_ITEMS 4096

enum vtype { V_NONE, V_STR, V_NUM, V_LIST };

struct xval {
  enum vtype t;
  char *s;                      /* V_STR text, V_NUM digits */
  struct xval *items;           /* V_LIST */
  size_t n;
  int line;
};

struct setting {
  char *key;
  struct xval v;
};

struct xl {
  const char *path;
  const char *p, *end;
  int line;
  int depth;
  struct setting *set;
  size_t nset, set_cap;
  struct strindex ix;           /* key -> position in set */
};

/* Parse all of x->p .. x->end into x->set: 0, or -1 + set_error naming
 * the file and line. */
int xl_parse_all (struct xl *x);

/* Free a value's contents (not v itself). */
void xl_xval_free (struct xval *v);

/* set_error (EINVAL, "PATH:LINE: what"); returns -1. */
int xl_err (struct xl *x, int line, const char *what);

/* The setting called key, or NULL if absent or None. */
struct xval *xl_lookup (struct xl *x, const char *key);

/* A string setting (*out NULL if absent); -1 + error if it is a list. */
int xl_get_str (struct xl *x, const char *key, const char **out);

/* A number (or numeric string, as libxlu accepts) setting, dflt if
 * absent; -1 + error if it is not a number. */
int xl_get_num (struct xl *x, const char *key, int64_t dflt, int64_t *out);

#endif /* V2K_CFG_XL_H */
