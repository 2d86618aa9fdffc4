/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: default guest capabilities from the source's OS hint (see
 * guestcaps.h).  The hint words are VMware guestOS identifiers (vmx
 * `guestOS`, OVF `vmw:osType`, docs/formats.md §7.3) and free-text
 * descriptions (OVF OperatingSystemSection/Description, XenServer
 * template names).  Unknown hints give the modern defaults. */
#include <config.h>

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "guest.h"
#include "guestcaps.h"

/* Case-insensitive: does s start with prefix, followed by a non-digit?
 * ("rhel5" matches "rhel5-64" but not "rhel50"). */
static bool
word_prefix (const char *s, const char *prefix)
{
  size_t n = strlen (prefix);

  return s && strncasecmp (s, prefix, n) == 0 && !isdigit ((unsigned char) s[n]);
}

/* Case-insensitive substring followed by a non-digit. */
static bool
contains_word (const char *s, const char *needle)
{
  for (; s && *s; ++s)
    if (word_prefix (s, needle))
      return true;
  return false;
}

bool
guestcaps_os_is_old (const struct guest *g)
{
  static const char *const ids[] = {
    "rhel2", "rhel3", "rhel4", "rhel5", "centos5", "winXP", "winNet",
    "win2000", "winNT", "win98", "win95", "win31", "dos", "other24xlinux",
  };
  static const char *const descs[] = {
    "Windows XP", "Windows Server 2003", "Windows 2003", "Windows 2000",
    "Red Hat Enterprise Linux 5", "Red Hat Enterprise Linux 4",
    "Red Hat Enterprise Linux 3", "CentOS 5", "CentOS 4",
  };

  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; ++i)
    if (word_prefix (g->os.id, ids[i]))
      return true;
  for (size_t i = 0; i < sizeof descs / sizeof descs[0]; ++i)
    if (contains_word (g->os.description, descs[i]))
      return true;
  return false;
}

bool
guestcaps_os_is_windows (const struct guest *g)
{
  const char *id = g->os.id;

  if (id && strncasecmp (id, "win", 3) == 0)
    return true;
  return g->os.description && strcasestr (g->os.description, "windows");
}

void
guestcaps_init (struct guestcaps *caps, const struct guest *g)
{
  bool windows = guestcaps_os_is_windows (g);

  memset (caps, 0, sizeof *caps);
  caps->block_bus = CAPS_BLOCK_VIRTIO_BLK;
  caps->net_model = CAPS_NET_VIRTIO;
  caps->machine = guestcaps_os_is_old (g) ? CAPS_MACHINE_PC : CAPS_MACHINE_Q35;
  caps->firmware = g->firmware == GUEST_FW_UEFI ? CAPS_FW_UEFI : CAPS_FW_BIOS;
  caps->secure_boot = g->firmware == GUEST_FW_UEFI && g->secure_boot;
  caps->video = CAPS_VIDEO_VIRTIO;
  caps->virtio_rng = true;
  caps->virtio_balloon = true;
  caps->rtc_utc = !(g->localtime || windows);
  caps->hyperv = windows;
  caps->guest_agent = true;
  caps->arch = g->os.arch && strcmp (g->os.arch, "i686") == 0
    ? "i686" : "x86_64";
}
