/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: names of parent disks as VHD and VHDX record them.
 *
 * Both formats store the parent's path in UTF-16 (VHD locators W2ku/W2ru
 * and VHDX locator values little-endian, the VHD parent unicode name
 * big-endian), often as a Windows path ("C:\VMs\base.vhd",
 * ".\base.vhd", "\\?\Volume{...}\base.vhdx") or a file URL
 * (XenServer's MacX "file://./base.vhd").  These helpers turn them into a
 * name that blk_open_backing() looks up next to the child.
 * docs/formats.md §2.5 and §3. */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "byteorder.h"
#include "parent-name.h"
#include "xalloc.h"

/* UTF-16 (little- or big-endian) to UTF-8, stopping at NUL.  Unpaired
 * surrogates become U+FFFD. */
char *
utf16_to_utf8 (const uint8_t *p, size_t len, bool big_endian)
{
  char *out = xmalloc (len / 2 * 3 + 1), *o = out;

  for (size_t i = 0; i + 1 < len; i += 2) {
    uint32_t c = big_endian ? get_be16 (p + i) : get_le16 (p + i);
    if (c == 0)
      break;
    if (c >= 0xd800 && c < 0xdc00 && i + 3 < len) {
      uint32_t d = big_endian ? get_be16 (p + i + 2) : get_le16 (p + i + 2);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i += 2;
      }
      else
        c = 0xfffd;
    }
    else if (c >= 0xd800 && c < 0xe000)
      c = 0xfffd;
    if (c < 0x80)
      *o++ = (char) c;
    else if (c < 0x800) {
      *o++ = (char) (0xc0 | c >> 6);
      *o++ = (char) (0x80 | (c & 0x3f));
    }
    else if (c < 0x10000) {
      *o++ = (char) (0xe0 | c >> 12);
      *o++ = (char) (0x80 | (c >> 6 & 0x3f));
      *o++ = (char) (0x80 | (c & 0x3f));
    }
    else {
      /* 4 bytes for 2 input units: fits the 3 bytes per unit budget. */
      *o++ = (char) (0xf0 | c >> 18);
      *o++ = (char) (0x80 | (c >> 12 & 0x3f));
      *o++ = (char) (0x80 | (c >> 6 & 0x3f));
      *o++ = (char) (0x80 | (c & 0x3f));
    }
  }
  *o = '\0';
  return out;
}

/* Turn a locator path into a name to look up next to the child:
 * backslashes become slashes, "file://" and leading "./" go, and an
 * absolute Windows path ("C:/dir/p.vhd", "//server/...") or an absolute
 * URL path keeps only its last component. */
char *
parent_path_to_name (char *s)
{
  char *p = s, *slash;

  for (char *q = s; *q; ++q)
    if (*q == '\\')
      *q = '/';
  if (strncmp (p, "file://", 7) == 0)
    p += 7;
  while (strncmp (p, "./", 2) == 0)
    p += 2;
  if ((p[0] && p[1] == ':') || p[0] == '/') {
    slash = strrchr (p, '/');
    if (slash)
      p = slash + 1;
  }
  memmove (s, p, strlen (p) + 1);
  return s;
}
