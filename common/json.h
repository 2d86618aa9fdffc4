/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: minimal JSON output helpers for --json and --machine-readable.
 * Writers print objects by hand with these; nothing here allocates. */
#ifndef V2K_JSON_H
#define V2K_JSON_H

#include <stdio.h>

/* Print s as a JSON string literal (quotes included); NULL prints null. */
void json_string (FILE *fp, const char *s);

/* A warning_hook (error.h) for --machine-readable output: the JSON line
 * {"type":"warning","code":CODE,"message":MSG} on stdout, flushed
 * (docs/machine-readable.md). */
void json_warning_line (const char *code, const char *msg);

#endif /* V2K_JSON_H */
