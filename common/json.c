/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: JSON string escaping (RFC 8259 section 7). */
#include <config.h>

#include "json.h"

void
json_string (FILE *fp, const char *s)
{
  if (!s) {
    fputs ("null", fp);
    return;
  }
  fputc ('"', fp);
  for (const unsigned char *p = (const unsigned char *) s; *p; ++p) {
    switch (*p) {
    case '"': fputs ("\\\"", fp); break;
    case '\\': fputs ("\\\\", fp); break;
    case '\n': fputs ("\\n", fp); break;
    case '\r': fputs ("\\r", fp); break;
    case '\t': fputs ("\\t", fp); break;
    default:
      if (*p < 0x20)
        fprintf (fp, "\\u%04x", *p);
      else
        fputc (*p, fp);
    }
  }
  fputc ('"', fp);
}

void
json_warning_line (const char *code, const char *msg)
{
  printf ("{\"type\":\"warning\",\"code\":");
  json_string (stdout, code);
  printf (",\"message\":");
  json_string (stdout, msg);
  printf ("}\n");
  fflush (stdout);
}
