/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: parent disk names recorded by VHD and VHDX (parent-name.c). */
#ifndef V2K_PARENT_NAME_H
#define V2K_PARENT_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UTF-16 (little- or big-endian) to a new UTF-8 string, stopping at NUL
 * or after len bytes.  Unpaired surrogates become U+FFFD. */
char *utf16_to_utf8 (const uint8_t *p, size_t len, bool big_endian);

/* Rewrite s in place into a name to look up next to the child:
 * backslashes become slashes, "file://" and leading "./" go, and an
 * absolute path (Windows drive, UNC, volume or Unix) keeps only its
 * last component.  Returns s. */
char *parent_path_to_name (char *s);

#endif /* V2K_PARENT_NAME_H */
