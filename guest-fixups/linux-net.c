/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: keep the guest's network interface names on KVM.
 *
 * Predictable names follow the PCI slot (VMware "ens192"/"ens160"), Xen's
 * netfront gives "enX0", old guests pin "eth0" in udev's
 * 70-persistent-net.rules: on virtio-net the same NIC would get another
 * name (enp1s0) and ifupdown/ifcfg/NetworkManager/netplan configuration
 * naming the old one stops matching.  The MAC is kept by the XML writer, so
 * each configured name is pinned to its MAC: a systemd.link(5) file
 * /etc/systemd/network/10-v2kvm-NAME.link ([Match] MACAddress=, [Link]
 * Name=) on systemd guests, a udev rule (ATTR{address}, NAME) otherwise.
 *
 * Names come from /etc/network/interfaces(.d), ifcfg-* (RHEL, SUSE),
 * NetworkManager keyfiles, netplan and systemd-networkd .network files
 * ([Match] Name=, systemd.network(5)); MACs from the guest (udev rules,
 * .link files, ifcfg HWADDR/LLADDR, ifupdown hwaddress, NM mac-address,
 * netplan macaddress, .network [Match] MACAddress=) or from
 * --mac NAME=MAC.  A name already pinned by a
 * .link file or netplan set-name is left alone; a name with no known MAC
 * gets a warning.  Guest text is untrusted: names are checked against
 * IFNAMSIZ and a safe character set, MACs against their syntax.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

#define MAX_IFACES 64
#define MAX_IFNAME 15           /* IFNAMSIZ - 1 */

struct iface {
  char name[MAX_IFNAME + 1];
  char mac[18];
  bool configured;              /* some network config uses the name */
  bool pinned;                  /* a .link file / set-name keeps it */
};

struct ifaces {
  struct iface v[MAX_IFACES];
  size_t n;
};

static bool
valid_name (const char *s, size_t n)
{
  if (n == 0 || n > MAX_IFNAME)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (!isalnum ((unsigned char) s[i]) && s[i] != '_' && s[i] != '-')
      return false;
  return true;
}

/* A NIC name (not lo, bridges, bonds, vlans, wireless). */
static bool
physical (const char *s)
{
  return strncmp (s, "eth", 3) == 0 || strncmp (s, "en", 2) == 0 ||
    strncmp (s, "em", 2) == 0 || (s[0] == 'p' && isdigit ((unsigned char) s[1]));
}

static struct iface *
get (struct ifaces *ifs, const char *name, size_t n)
{
  while (n && (name[n - 1] == '"' || name[n - 1] == '\'' || name[n - 1] == ':'))
    --n;
  while (n && (*name == '"' || *name == '\'')) ++name, --n;
  if (!valid_name (name, n))
    return NULL;
  for (size_t i = 0; i < ifs->n; ++i)
    if (strlen (ifs->v[i].name) == n && strncmp (ifs->v[i].name, name, n) == 0)
      return &ifs->v[i];
  if (ifs->n == MAX_IFACES)
    return NULL;
  memcpy (ifs->v[ifs->n].name, name, n);
  return &ifs->v[ifs->n++];
}

/* Copy a MAC ("00:50:56:AA:bb:01", quotes allowed) in lower case. */
static void
set_mac (struct iface *ifc, const char *s)
{
  char mac[18];

  if (ifc == NULL)
    return;
  while (*s == '"' || *s == '\'' || *s == ' ')
    ++s;
  for (size_t i = 0; i < 17; ++i) {
    if (i % 3 == 2 ? s[i] != ':' : !isxdigit ((unsigned char) s[i]))
      return;
    mac[i] = tolower ((unsigned char) s[i]);
  }
  if (isxdigit ((unsigned char) s[17]))
    return;
  mac[17] = '\0';
  memcpy (ifc->mac, mac, sizeof mac);
}

/* Value after "key" (e.g. "HWADDR=") at the start of a trimmed line. */
static const char *
value (const char *line, const char *key)
{
  while (*line == ' ' || *line == '\t')
    ++line;
  return strncmp (line, key, strlen (key)) == 0 ? line + strlen (key) : NULL;
}

static size_t
word_len (const char *s)
{
  size_t n = 0;
  while (s[n] && !isspace ((unsigned char) s[n]) && s[n] != '"' && s[n] != ',')
    ++n;
  return n;
}

typedef void (*parse_fn) (struct ifaces *ifs, const char *file, char *text);

static void
parse_link (struct ifaces *ifs, const char *file, char *text)
{
  const char *mac = NULL, *name = NULL, *v;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    if ((v = value (l, "MACAddress=")))
      mac = v;
    if ((v = value (l, "Name=")))
      name = v;
  }
  if (mac && name) {
    struct iface *ifc = get (ifs, name, word_len (name));
    set_mac (ifc, mac);
    if (ifc)
      ifc->pinned = true;
  }
}

static void
parse_udev (struct ifaces *ifs, const char *file, char *text)
{
  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    const char *a = strstr (l, "ATTR{address}==\""), *n = strstr (l, "NAME=\"");
    if (l[0] == '#' || !a || !n)
      continue;
    set_mac (get (ifs, n + 6, word_len (n + 6)), a + 16);
  }
}

static void
parse_ifupdown (struct ifaces *ifs, const char *file, char *text)
{
  static const char *const keys[] = { "iface ", "auto ", "allow-hotplug ", NULL };
  struct iface *cur = NULL;
  const char *v;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    for (size_t k = 0; keys[k]; ++k)
      if ((v = value (l, keys[k]))) {
        cur = get (ifs, v, word_len (v));
        if (cur)
          cur->configured = true;
      }
    if ((v = value (l, "hwaddress ")))
      set_mac (cur, strncmp (v, "ether ", 6) == 0 ? v + 6 : v);
  }
}

static void
parse_ifcfg (struct ifaces *ifs, const char *file, char *text)
{
  const char *base = strrchr (file, '/') + 1 + 6;   /* after "ifcfg-" */
  struct iface *ifc = NULL;
  const char *v, *mac = NULL;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    if ((v = value (l, "DEVICE=")))
      ifc = get (ifs, v, word_len (v + (*v == '"')) + 2 * (*v == '"'));
    if ((v = value (l, "HWADDR=")) || (v = value (l, "LLADDR=")))
      mac = v;
  }
  if (ifc == NULL)
    ifc = get (ifs, base, strlen (base));
  if (ifc) {
    ifc->configured = true;
    if (mac)
      set_mac (ifc, mac);
  }
}

static void
parse_nm (struct ifaces *ifs, const char *file, char *text)
{
  struct iface *ifc = NULL;
  const char *v, *mac = NULL;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    if ((v = value (l, "interface-name=")))
      ifc = get (ifs, v, word_len (v));
    if ((v = value (l, "mac-address=")))
      mac = v;
  }
  if (ifc) {
    ifc->configured = true;
    if (mac)
      set_mac (ifc, mac);
  }
}

/* systemd.network(5): the [Match] section's Name= (one plain name; a
 * list or a glob names no single NIC) and MACAddress=. */
static void
parse_networkd (struct ifaces *ifs, const char *file, char *text)
{
  const char *name = NULL, *mac = NULL, *v;
  bool match = false;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    const char *t = l + strspn (l, " \t");
    if (*t == '[')
      match = strncmp (t, "[Match]", 7) == 0;
    else if (match && (v = value (t, "Name=")))
      name = v;
    else if (match && (v = value (t, "MACAddress=")))
      mac = v;
  }
  if (name && name[word_len (name) + strspn (name + word_len (name), " \t")]
      == '\0' && !strpbrk (name, "*?[!")) {
    struct iface *ifc = get (ifs, name, word_len (name));
    if (ifc) {
      ifc->configured = true;
      if (mac)
        set_mac (ifc, mac);
    }
  }
}

/* netplan YAML, line by line: entries under "ethernets:" one level deeper. */
static void
parse_netplan (struct ifaces *ifs, const char *file, char *text)
{
  int eth_indent = -1, entry_indent = -1;
  struct iface *cur = NULL;
  const char *v;

  for (char *l = strtok (text, "\n"); l; l = strtok (NULL, "\n")) {
    int ind = strspn (l, " ");
    const char *t = l + ind;
    if (*t == '#' || *t == '\0')
      continue;
    if (eth_indent >= 0 && ind <= eth_indent)
      eth_indent = -1, cur = NULL;
    if (strncmp (t, "ethernets:", 10) == 0) {
      eth_indent = ind, entry_indent = -1;
      continue;
    }
    if (eth_indent < 0)
      continue;
    if (entry_indent == -1)
      entry_indent = ind;
    if (ind == entry_indent) {
      cur = get (ifs, t, word_len (t));
      if (cur)
        cur->configured = true;
    }
    else if ((v = value (t, "macaddress:")))
      set_mac (cur, v + strspn (v, " "));
    else if ((v = value (t, "set-name:")) && cur) {
      v += strspn (v, " ");
      struct iface *named = get (ifs, v, word_len (v));
      if (named) {
        named->configured = named->pinned = true;
        if (cur->mac[0])
          memcpy (named->mac, cur->mac, sizeof cur->mac);
      }
      cur->configured = false;  /* the key was only an id */
    }
  }
}

/* Apply fn to every file of dir whose name starts with prefix and ends
 * with suffix. */
static int
scan_dir (struct fx *fx, struct ifaces *ifs, const char *dir,
          const char *prefix, const char *suffix, parse_fn fn)
{
  string_vector names = empty_vector;
  int r = fx_ls (fx, dir, &names);

  for (size_t i = 0; r == 0 && i < names.len; ++i) {
    const char *n = names.ptr[i];
    size_t ln = strlen (n), ls = strlen (suffix);
    CLEANUP_FREE char *path = xasprintf ("%s/%s", dir, n);
    CLEANUP_FREE char *text = NULL;
    if (strncmp (n, prefix, strlen (prefix)) != 0 || ln < ls ||
        strcmp (n + ln - ls, suffix) != 0)
      continue;
    r = fx_read (fx, path, &text, NULL);
    if (r == 1)
      fn (ifs, path, text), r = 0;
  }
  string_vector_free_all (&names);
  return r;
}

static int
gather (struct fx *fx, struct ifaces *ifs)
{
  CLEANUP_FREE char *text = NULL;
  int r;

  if (scan_dir (fx, ifs, "/etc/systemd/network", "", ".link", parse_link) ||
      scan_dir (fx, ifs, "/etc/systemd/network", "", ".network",
                parse_networkd) ||
      scan_dir (fx, ifs, "/etc/udev/rules.d", "", ".rules", parse_udev) ||
      scan_dir (fx, ifs, "/etc/network/interfaces.d", "", "", parse_ifupdown) ||
      scan_dir (fx, ifs, "/etc/sysconfig/network-scripts", "ifcfg-", "",
                parse_ifcfg) ||
      scan_dir (fx, ifs, "/etc/sysconfig/network", "ifcfg-", "", parse_ifcfg) ||
      scan_dir (fx, ifs, "/etc/NetworkManager/system-connections", "", "",
                parse_nm) ||
      scan_dir (fx, ifs, "/etc/netplan", "", ".yaml", parse_netplan))
    return -1;
  r = fx_read (fx, "/etc/network/interfaces", &text, NULL);
  if (r == 1)
    parse_ifupdown (ifs, "/etc/network/interfaces", text);
  return r < 0 ? -1 : 0;
}

/* True if some interface already has mac. */
static bool
mac_taken (const struct ifaces *ifs, const char *mac)
{
  for (size_t k = 0; k < ifs->n; ++k)
    if (strcasecmp (ifs->v[k].mac, mac) == 0)
      return true;
  return false;
}

/* The index N in "enX<N>" / "eth<N>", or -1. */
static long
name_index (const char *name)
{
  const char *p = strncmp (name, "enX", 3) == 0 ? name + 3 :
    strncmp (name, "eth", 3) == 0 ? name + 3 : NULL;
  char *end;
  long n;

  if (!p || !isdigit ((unsigned char) *p))
    return -1;
  n = strtol (p, &end, 10);
  return *end == '\0' && n < MAX_IFACES ? n : -1;
}

/* MACs for configured names the guest has no MAC for: --mac NAME=MAC
 * first, then the source VM's NICs (fixup.h source_macs). */
static void
apply_options (struct fx *fx, struct ifaces *ifs)
{
  const string_vector *macs = fx->opts->macs;
  const string_vector *src = fx->opts->source_macs;
  struct iface *lone = NULL;
  size_t missing = 0, unused = 0;
  const char *free_mac = NULL;

  for (size_t i = 0; macs && i < macs->len; ++i) {
    const char *eq = strchr (macs->ptr[i], '=');
    for (size_t k = 0; eq && k < ifs->n; ++k)
      if (strlen (ifs->v[k].name) == (size_t) (eq - macs->ptr[i]) &&
          strncmp (ifs->v[k].name, macs->ptr[i], eq - macs->ptr[i]) == 0 &&
          ifs->v[k].mac[0] == '\0')
        set_mac (&ifs->v[k], eq + 1);
  }
  if (!src || src->len == 0)
    return;
  for (size_t k = 0; k < ifs->n; ++k) {
    struct iface *ifc = &ifs->v[k];
    long n = name_index (ifc->name);
    if (ifc->mac[0] || !ifc->configured || !physical (ifc->name))
      continue;
    if (n >= 0 && (size_t) n < src->len && !mac_taken (ifs, src->ptr[n]))
      set_mac (ifc, src->ptr[n]);
    else {
      lone = ifc;
      missing++;
    }
  }
  for (size_t i = 0; i < src->len; ++i)
    if (!mac_taken (ifs, src->ptr[i])) {
      free_mac = src->ptr[i];
      unused++;
    }
  if (missing == 1 && unused == 1)
    set_mac (lone, free_mac);
}

static int
pin (struct fx *fx, const struct iface *ifc)
{
  CLEANUP_FREE char *path = NULL;
  CLEANUP_FREE char *text = NULL;
  CLEANUP_FREE char *what = xasprintf ("pinned %s to MAC %s", ifc->name,
                                       ifc->mac);

  if (fx->in->has_systemd) {
    path = xasprintf ("/etc/systemd/network/10-v2kvm-%s.link", ifc->name);
    text = xasprintf ("# v2kvm: keep the name this NIC had before "
                      "conversion\n[Match]\nMACAddress=%s\n\n[Link]\n"
                      "Name=%s\n", ifc->mac, ifc->name);
  }
  else {
    path = xasprintf ("/etc/udev/rules.d/70-v2kvm-%s.rules", ifc->name);
    text = xasprintf ("# v2kvm: keep the name this NIC had before "
                      "conversion\nSUBSYSTEM==\"net\", ACTION==\"add\", "
                      "ATTR{address}==\"%s\", NAME=\"%s\"\n",
                      ifc->mac, ifc->name);
  }
  return fx_write (fx, path, text, strlen (text), what);
}

int
linux_pin_interfaces (struct fx *fx)
{
  struct ifaces *ifs = xzalloc (sizeof *ifs);
  int r = gather (fx, ifs);

  apply_options (fx, ifs);
  for (size_t i = 0; r == 0 && i < ifs->n; ++i) {
    const struct iface *ifc = &ifs->v[i];
    if (!ifc->configured || !physical (ifc->name))
      continue;
    if (ifc->mac[0])
      string_vector_append (&fx->res->guest_macs,
                            xasprintf ("%s=%s", ifc->name, ifc->mac));
    if (ifc->pinned)
      continue;
    if (ifc->mac[0] == '\0') {
      warning ("interface-mac-unknown", "interface '%s' is configured in the guest but its MAC is "
               "unknown: it may get another name on KVM (give it with "
               "--mac %s=MAC)", ifc->name, ifc->name);
      continue;
    }
    r = pin (fx, ifc);
  }
  free (ifs);
  return r;
}
