/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: choose the kernel the converted guest boots.
 *
 * The kernels are the ones the bootloader offers, in its menu order:
 * "linux"/"linux16"/"linuxefi" lines of grub2's grub.cfg, "kernel" lines
 * of legacy grub's grub.conf/menu.lst, "linux" lines of Boot Loader
 * Specification entries (/boot/loader/entries, newest first as grub2
 * sorts them).  With no bootloader configuration, /boot/vmlinuz-* is
 * used.  A kernel qualifies when /lib/modules/VERSION exists and it is not
 * a Xen-PV-only kernel (version containing "xen": RHEL 5 "-el5xen", SUSE
 * "-xen"); among those the first (the menu default, or legacy grub's
 * default=N) with virtio_blk (module in modules.dep or built in per
 * modules.builtin) wins.  If only Xen kernels exist this fails before
 * anything is written, naming them.
 *
 * Legacy grub's default= is moved to the chosen kernel when it differs
 * (linux_set_default_kernel, once the guest is writable); for grub2 a
 * warning says the default entry must be checked.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

static const char *const grub_configs[] = {
  "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg",
  "/boot/grub/grub.conf", "/boot/grub/menu.lst", NULL
};

static bool
is_kernel_keyword (const char *w, size_t n)
{
  return (n == 5 && strncmp (w, "linux", 5) == 0) ||
    (n == 7 && strncmp (w, "linux16", 7) == 0) ||
    (n == 8 && strncmp (w, "linuxefi", 8) == 0) ||
    (n == 6 && strncmp (w, "kernel", 6) == 0);
}

static void
add_unique (string_vector *v, char *s)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i], s) == 0) {
      free (s);
      return;
    }
  string_vector_append (v, s);
}

/* Version from a kernel path: ".../vmlinuz-6.1.0-50-amd64" -> "6.1.0-50-amd64". */
static char *
version_of (const char *path, size_t len)
{
  const char *base = path;

  for (size_t i = 0; i < len; ++i)
    if (path[i] == '/')
      base = path + i + 1;
  len -= base - path;
  if (len > 8 && strncmp (base, "vmlinuz-", 8) == 0)
    return xstrndup (base + 8, len - 8);
  if (len > 8 && strncmp (base, "vmlinux-", 8) == 0)
    return xstrndup (base + 8, len - 8);
  return NULL;
}

/* Append the kernels of one bootloader file in menu order. */
static void
scan_config (const char *text, string_vector *out)
{
  const char *p = text;

  while (p && *p) {
    const char *w, *e;
    while (*p == ' ' || *p == '\t')
      ++p;
    w = p;
    while (*p && !isspace ((unsigned char) *p))
      ++p;
    if (is_kernel_keyword (w, p - w)) {
      char *v;
      while (*p == ' ' || *p == '\t')
        ++p;
      /* legacy grub may prefix the path with (hd0,0) */
      if (*p == '(' && strchr (p, ')'))
        p = strchr (p, ')') + 1;
      for (e = p; *e && !isspace ((unsigned char) *e); ++e)
        ;
      if ((v = version_of (p, e - p)) != NULL)
        add_unique (out, v);
      p = e;
    }
    p = strchr (p, '\n');
    if (p)
      ++p;
  }
}

/* legacy grub "default=N" (or "default N"); -1 if absent or "saved". */
static int
legacy_default (const char *text)
{
  for (const char *p = text; p; p = strchr (p, '\n')) {
    while (*p == '\n' || *p == ' ' || *p == '\t')
      ++p;
    if (strncmp (p, "default", 7) == 0 && (p[7] == '=' || p[7] == ' ') &&
        isdigit ((unsigned char) p[8]))
      return atoi (p + 8);
  }
  return -1;
}

static int
bootloader_kernels (struct fx *fx, string_vector *out, int *deflt,
                    const char **legacy)
{
  string_vector bls = empty_vector;

  *deflt = 0;
  *legacy = NULL;
  for (size_t i = 0; grub_configs[i]; ++i) {
    CLEANUP_FREE char *text = NULL;
    int r = fx_read (fx, grub_configs[i], &text, NULL);
    if (r == -1)
      return -1;
    if (r == 0 || fx_is_symlink (fx, grub_configs[i]))
      continue;
    scan_config (text, out);
    if (strstr (grub_configs[i], ".cfg") == NULL && *legacy == NULL) {
      *legacy = grub_configs[i];
      *deflt = legacy_default (text);
    }
  }
  if (fx_ls (fx, "/boot/loader/entries", &bls) == -1)
    return -1;
  for (size_t i = bls.len; i-- > 0; ) {
    CLEANUP_FREE char *path = xasprintf ("/boot/loader/entries/%s",
                                         bls.ptr[i]);
    CLEANUP_FREE char *text = NULL;
    if (fx_read (fx, path, &text, NULL) == 1)
      scan_config (text, out);
  }
  string_vector_free_all (&bls);
  if (out->len == 0) {
    string_vector files = empty_vector;
    if (fx_ls (fx, "/boot", &files) == -1)
      return -1;
    for (size_t i = files.len; i-- > 0; ) {
      char *v = version_of (files.ptr[i], strlen (files.ptr[i]));
      if (v)
        add_unique (out, v);
    }
    string_vector_free_all (&files);
  }
  if (*deflt < 0 || (size_t) *deflt >= out->len)
    *deflt = 0;
  return 0;
}

static bool
text_has_module (const char *text, const char *module)
{
  CLEANUP_FREE char *a = xasprintf ("/%s.ko", module);
  CLEANUP_FREE char *b = xstrdup (a);

  for (char *p = b; *p; ++p)
    if (*p == '_')
      *p = '-';
  return strstr (text, a) || strstr (text, b);
}

bool
linux_kernel_has_module (struct fx *fx, const char *version,
                         const char *module)
{
  static const char *const lists[] = { "modules.builtin", "modules.dep" };

  if (!fx->modlist_version || strcmp (fx->modlist_version, version) != 0) {
    free (fx->modlist_version);
    free (fx->modlist);
    fx->modlist_version = xstrdup (version);
    fx->modlist = xstrdup ("");
    for (size_t i = 0; i < 2; ++i) {
      CLEANUP_FREE char *path = xasprintf ("/lib/modules/%s/%s", version,
                                           lists[i]);
      CLEANUP_FREE char *text = NULL;
      if (fx_read (fx, path, &text, NULL) == 1) {
        char *t = xasprintf ("%s%s\n", fx->modlist, text);
        free (fx->modlist);
        fx->modlist = t;
      }
    }
  }
  return text_has_module (fx->modlist, module);
}

static char *
join (const string_vector *v)
{
  char *s = xstrdup ("");

  for (size_t i = 0; i < v->len; ++i) {
    char *t = xasprintf ("%s%s'%s'", s, i ? ", " : "", v->ptr[i]);
    free (s);
    s = t;
  }
  return s;
}

/* Rewrite legacy grub's default= to point at entry index. */
static int
set_legacy_default (struct fx *fx, const char *path, size_t index)
{
  CLEANUP_FREE char *text = NULL;
  CLEANUP_FREE char *out = NULL;
  CLEANUP_FREE char *what = NULL;
  char *p;
  size_t len;

  if (fx_read (fx, path, &text, &len) != 1)
    return -1;
  p = strstr (text, "default=");
  if (p == NULL || (p != text && p[-1] != '\n'))
    return 0;
  out = xmalloc (len + 32);
  memcpy (out, text, p - text);
  len = (p - text) + sprintf (out + (p - text), "default=%zu", index);
  p += 8;
  while (isdigit ((unsigned char) *p))
    ++p;
  strcpy (out + len, p);
  what = xasprintf ("default boot entry -> %zu ('%s')", index, fx->kernel);
  return fx_write (fx, path, out, strlen (out), what);
}

static void
fill_caps (struct fx *fx, bool virtio)
{
  const char *v = fx->kernel;

  fx->res->kernel = xstrdup (v);
  fx->caps->block_bus = virtio ? CAPS_BLOCK_VIRTIO_BLK : CAPS_BLOCK_SATA;
  fx->caps->net_model = linux_kernel_has_module (fx, v, "virtio_net")
    ? CAPS_NET_VIRTIO : CAPS_NET_E1000;
  fx->caps->virtio_rng = linux_kernel_has_module (fx, v, "virtio-rng");
  fx->caps->virtio_balloon = linux_kernel_has_module (fx, v, "virtio_balloon");
  if (!virtio)
    warning ("no-virtio-blk", "kernel '%s' has no virtio_blk driver: the guest will use "
             "SATA disks", v);
}

int
linux_choose_kernel (struct fx *fx)
{
  string_vector all = empty_vector, xen = empty_vector;
  const char *legacy;
  int deflt, chosen = -1;
  bool virtio = false;

  if (bootloader_kernels (fx, &all, &deflt, &legacy) == -1)
    goto out;
  for (size_t k = 0; k < all.len; ++k) {
    size_t i = (k + deflt) % all.len;   /* the default first */
    CLEANUP_FREE char *mods = xasprintf ("/lib/modules/%s", all.ptr[i]);
    if (strstr (all.ptr[i], "xen")) {
      string_vector_append (&xen, all.ptr[i]);
      continue;
    }
    if (!fx_is_dir (fx, mods)) {
      debug ("kernel %s: no %s, skipped", all.ptr[i], mods);
      continue;
    }
    if (chosen == -1 || (!virtio &&
                         linux_kernel_has_module (fx, all.ptr[i], "virtio_blk"))) {
      chosen = i;
      virtio = linux_kernel_has_module (fx, all.ptr[i], "virtio_blk");
    }
  }
  if (chosen == -1) {
    CLEANUP_FREE char *names = join (xen.len ? &xen : &all);
    if (xen.len)
      set_error (ENOTSUP, "the guest has only Xen-PV kernels (%s), which "
                 "cannot boot on KVM: install a non-Xen kernel in the guest "
                 "first", names);
    else if (all.len)
      set_error (ENOENT, "no kernel of the bootloader (%s) has its modules "
                 "in /lib/modules", names);
    else
      set_error (ENOENT, "no kernel found in the bootloader configuration "
                 "or /boot");
    error_set_kind (V2K_ERR_GUEST);
    error_set_code (xen.len ? "xen-pv-only" : "no-kernel");
    goto out;
  }
  fx->kernel = xstrdup (all.ptr[chosen]);
  fill_caps (fx, virtio);
  if (chosen != deflt && legacy) {
    fx->legacy_conf = legacy;
    fx->legacy_index = chosen;
  }
  else if (chosen != deflt)
    warning ("kernel-not-default", "kernel '%s' is not the bootloader's default entry: make it "
             "the default before booting on KVM", fx->kernel);
out:
  string_vector_reset (&xen);
  string_vector_free_all (&all);
  return chosen == -1 ? -1 : 0;
}

int
linux_set_default_kernel (struct fx *fx)
{
  if (fx->legacy_conf == NULL)
    return 0;
  return set_legacy_default (fx, fx->legacy_conf, fx->legacy_index);
}
