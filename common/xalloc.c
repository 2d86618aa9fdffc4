/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: abort-on-OOM allocation wrappers. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void __attribute__((noreturn))
oom (void)
{
  fputs ("v2kvm: out of memory\n", stderr);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (!p) oom ();
  return p;
}

void *
xzalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (!p) oom ();
  return p;
}

void *
xreallocarray (void *p, size_t n, size_t size)
{
  void *r = reallocarray (p, n ? n : 1, size ? size : 1);
  if (!r) oom ();
  return r;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (!r) oom ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (!r) oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r;

  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) == -1) oom ();
  va_end (ap);
  return r;
}
