/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: abort-on-OOM allocation for small, fixed-size objects (qemu's
 * g_malloc stance).  Sizes that come from an image or config header must
 * NOT use these: cap them, compute with checked.h, call malloc and report
 * E2BIG/ENOMEM through set_error. */
#ifndef V2K_XALLOC_H
#define V2K_XALLOC_H

#include <stddef.h>

void *xmalloc (size_t n);
void *xzalloc (size_t n);
void *xreallocarray (void *p, size_t n, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif /* V2K_XALLOC_H */
