/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: rename block devices and the Xen console in a Linux guest's
 * configuration.
 *
 * Devices: "/dev/xvdX", "/dev/sdX", "/dev/hdX" (and partitions) become the
 * "/dev/vdX" name the disk gets on virtio-blk: by the source target list
 * when the caller has one (guest config: disk i was "xvdb"), else by the
 * letters (sdb -> vdb).  UUID=, LABEL= and /dev/disk/by-* names are left
 * alone, they still work.  The files are edited as text, line by line;
 * grub.cfg is edited in place and update-grub/grub2-mkconfig is never run
 * inside the appliance, because grub-probe there sees the appliance's own
 * device names (the virt-v2v bug that rewrote root=/dev/xvda2 into
 * root=/dev/sdb2).  grubenv keeps its fixed 1024-byte size.
 *
 * Console: "console=hvc0"/"console=xvc0" become "console=ttyS0" (or are
 * dropped when the line already has a ttyS0 console); inittab lines on
 * hvc0/xvc0 move to ttyS0; securetty gains ttyS0; serial-getty@hvc0 and
 * @xvc0 units are replaced by serial-getty@ttyS0.
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

char fx_delete_line[] = "";

/* Files that name block devices or the console, in every family. */
static const char *const config_files[] = {
  "/etc/fstab", "/etc/crypttab", "/etc/mdadm.conf", "/etc/mdadm/mdadm.conf",
  "/etc/initramfs-tools/conf.d/resume", "/etc/uswsusp.conf",
  "/etc/default/grub", "/etc/default/grub_installdevice",
  "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg",
  "/boot/grub/grub.conf", "/boot/grub/menu.lst",
  "/boot/grub/device.map", "/boot/grub2/device.map",
  "/boot/grub2/grubenv", "/boot/grub/grubenv",
  NULL
};

/* Keep a grubenv block at its original size by adjusting '#' padding. */
static char *
pad_grubenv (char *text, size_t *len, size_t want)
{
  char *end = text + *len;

  while (*len > want && end > text && end[-1] == '#')
    --end, --*len;
  if (*len < want) {
    text = xreallocarray (text, want + 1, 1);
    memset (text + *len, '#', want - *len);
    *len = want;
  }
  text[*len] = '\0';
  return text;
}

int
fx_edit_lines (struct fx *fx, const char *path, fx_line_fn fn, void *data)
{
  CLEANUP_FREE char *text = NULL;
  char *out = NULL;
  size_t size, len = 0, cap;
  bool changed = false;
  int r = fx_read (fx, path, &text, &size);

  if (r <= 0 || fx_is_symlink (fx, path))
    return r;
  cap = size + 1;
  out = xmalloc (cap);
  for (char *line = text; line && *line; ) {
    char *nl = strchr (line, '\n');
    char *repl;
    size_t n;
    if (nl)
      *nl = '\0';
    repl = fn (fx, path, line, data);
    if (repl == FX_DELETE_LINE)
      changed = true;
    else {
      const char *l = repl ? repl : line;
      n = strlen (l);
      if (len + n + 2 > cap) {
        cap = (len + n + 2) * 2;
        out = xreallocarray (out, cap, 1);
      }
      memcpy (out + len, l, n);
      len += n;
      if (nl)
        out[len++] = '\n';
      changed |= repl != NULL;
      free (repl);
    }
    line = nl ? nl + 1 : NULL;
  }
  out[len] = '\0';
  if (changed && strstr (path, "grubenv") && size == 1024)
    out = pad_grubenv (out, &len, 1024);
  /* the callbacks logged each change */
  r = changed ? fx_write (fx, path, out, len, NULL) : 0;
  free (out);
  return r;
}

/* Index of a disk from its letters: "a" 0, "z" 25, "aa" 26. */
static int
letters_index (const char *s, size_t n)
{
  int i = 0;

  for (size_t k = 0; k < n; ++k)
    i = i * 26 + (s[k] - 'a' + 1);
  return i - 1;
}

static char *
index_letters (int i)
{
  char buf[8], *p = buf + sizeof buf;

  *--p = '\0';
  for (++i; i > 0; i = (i - 1) / 26)
    *--p = 'a' + (i - 1) % 26;
  return xstrdup (p);
}

char *
linux_new_device_name (struct fx *fx, const char *name)
{
  static const char *const prefixes[] = { "xvd", "sd", "hd", NULL };
  const char *const *targets = fx->opts->source_targets;

  for (size_t i = 0; prefixes[i]; ++i) {
    size_t pl = strlen (prefixes[i]), nl = 0;
    int index = -1;
    if (strncmp (name, prefixes[i], pl) != 0)
      continue;
    while (islower ((unsigned char) name[pl + nl]))
      ++nl;
    if (nl == 0 || nl > 3)
      return NULL;
    if (targets) {
      for (size_t d = 0; targets[d]; ++d)
        if (strlen (targets[d]) == pl + nl &&
            strncmp (targets[d], name, pl + nl) == 0)
          index = d;
    }
    else
      index = letters_index (name + pl, nl);
    if (index < 0)
      return NULL;
    CLEANUP_FREE char *l = index_letters (index);
    return xasprintf ("vd%s%s", l, name + pl + nl);
  }
  return NULL;
}

/* Replace every "/dev/<old>" in line; NULL when nothing changed. */
static char *
remap_line (struct fx *fx, const char *path, const char *line, void *data)
{
  char *out = NULL;
  const char *p = line, *hit;
  size_t len = 0;

  while ((hit = strstr (p, "/dev/")) != NULL) {
    const char *name = hit + 5, *e = name;
    CLEANUP_FREE char *old = NULL;
    CLEANUP_FREE char *nw = NULL;
    while (isalnum ((unsigned char) *e))
      ++e;
    old = xstrndup (name, e - name);
    nw = linux_new_device_name (fx, old);
    if (nw == NULL || strcmp (nw, old) == 0) {
      p = e > name ? e : name;
      continue;
    }
    out = xreallocarray (out, len + (name - line) + strlen (nw) + 1, 1);
    /* copy what precedes, from the last copied position */
    memcpy (out + len, line, name - line);
    len += name - line;
    strcpy (out + len, nw);
    len += strlen (nw);
    line = p = e;
    fx_log (fx, path, "%s -> %s", old, nw);
  }
  if (out == NULL)
    return NULL;
  out = xreallocarray (out, len + strlen (line) + 1, 1);
  strcpy (out + len, line);
  return out;
}

/* "console=hvc0[,opts]" -> "console=ttyS0", or dropped when the line
 * already has a ttyS0 console. */
static char *
console_line (struct fx *fx, const char *path, const char *line, void *data)
{
  static const char *const xen[] = { "console=hvc0", "console=xvc0", NULL };
  char *s = NULL;

  for (size_t i = 0; xen[i]; ++i) {
    const char *cur = s ? s : line;
    char *hit = strstr (cur, xen[i]);
    const char *end;
    char *t;
    if (hit == NULL)
      continue;
    end = hit + strlen (xen[i]);
    while (*end && !isspace ((unsigned char) *end) && *end != '"' &&
           *end != '\'')
      ++end;
    if (strstr (cur, "console=ttyS0")) {
      size_t start = hit - cur;
      if (start > 0 && cur[start - 1] == ' ')
        --start;
      t = xasprintf ("%.*s%s", (int) start, cur, end);
      fx_log (fx, path, "removed %.*s (ttyS0 is already a console)",
              (int) (end - hit), hit);
    }
    else {
      t = xasprintf ("%.*sconsole=ttyS0%s", (int) (hit - cur), cur, end);
      fx_log (fx, path, "%.*s -> console=ttyS0", (int) (end - hit), hit);
    }
    free (s);
    s = t;
    --i;                        /* the same name may appear again */
  }
  return s;
}

/* Every grub/bootloader file including BLS entries, the grub.cfg files
 * on the EFI system partition and family extras. */
static int
for_each_config (struct fx *fx, fx_line_fn fn)
{
  string_vector bls = empty_vector;
  int r = 0;

  for (size_t i = 0; r == 0 && config_files[i]; ++i)
    r = fx_edit_lines (fx, config_files[i], fn, NULL);
  for (size_t i = 0; r == 0 && fx->fam->extra_config[i]; ++i)
    r = fx_edit_lines (fx, fx->fam->extra_config[i], fn, NULL);
  if (r == 0)
    r = fx_ls (fx, "/boot/loader/entries", &bls);
  if (r == 0)
    r = linux_esp_grub_configs (fx, &bls);
  for (size_t i = 0; r == 0 && i < bls.len; ++i) {
    CLEANUP_FREE char *p = bls.ptr[i][0] == '/' ? xstrdup (bls.ptr[i])
      : xasprintf ("/boot/loader/entries/%s", bls.ptr[i]);
    r = fx_edit_lines (fx, p, fn, NULL);
  }
  string_vector_free_all (&bls);
  return r;
}

int
linux_remap_devices (struct fx *fx)
{
  return for_each_config (fx, remap_line);
}

/* inittab: "co:2345:respawn:/sbin/agetty xvc0 9600" -> ttyS0. */
static char *
inittab_line (struct fx *fx, const char *path, const char *line, void *data)
{
  static const char *const xen[] = { "hvc0", "xvc0", NULL };

  if (line[0] == '#')
    return NULL;
  for (size_t i = 0; xen[i]; ++i) {
    const char *hit = strstr (line, xen[i]);
    if (hit && (hit == line || !isalnum ((unsigned char) hit[-1]))) {
      fx_log (fx, path, "getty on %s -> ttyS0", xen[i]);
      return xasprintf ("%.*sttyS0%s", (int) (hit - line), line, hit + 4);
    }
  }
  return NULL;
}

static int
fix_securetty (struct fx *fx)
{
  CLEANUP_FREE char *text = NULL;
  CLEANUP_FREE char *out = NULL;
  size_t len;
  int r = fx_read (fx, "/etc/securetty", &text, &len);

  if (r <= 0 || strstr (text, "\nttyS0\n") || strncmp (text, "ttyS0\n", 6) == 0)
    return r;
  out = xasprintf ("%s%sttyS0\n", text,
                   len && text[len - 1] != '\n' ? "\n" : "");
  return fx_write (fx, "/etc/securetty", out, strlen (out), "added ttyS0");
}

static int
fix_getty_units (struct fx *fx)
{
  static const char *const wants = "/etc/systemd/system/getty.target.wants";
  static const char *const xen[] = { "hvc0", "xvc0", NULL };
  CLEANUP_FREE char *ttys0 = xasprintf ("%s/serial-getty@ttyS0.service", wants);

  for (size_t i = 0; xen[i]; ++i) {
    CLEANUP_FREE char *old = xasprintf ("%s/serial-getty@%s.service",
                                        wants, xen[i]);
    CLEANUP_FREE char *what = NULL;
    if (!fx_is_symlink (fx, old))
      continue;
    what = xasprintf ("disabled serial-getty@%s (now ttyS0)", xen[i]);
    if (fx_unlink (fx, old, what) == -1)
      return -1;
    if (!fx_is_symlink (fx, ttys0) &&
        fx_symlink (fx, fx_is_file (fx, "/usr/lib/systemd/system/serial-getty@.service")
                    ? "/usr/lib/systemd/system/serial-getty@.service"
                    : "/lib/systemd/system/serial-getty@.service",
                    ttys0, "enabled serial-getty@ttyS0") == -1)
      return -1;
  }
  return 0;
}

int
linux_fix_console (struct fx *fx)
{
  if (for_each_config (fx, console_line) == -1 ||
      fx_edit_lines (fx, "/etc/inittab", inittab_line, NULL) == -1 ||
      fix_securetty (fx) == -1)
    return -1;
  return fix_getty_units (fx);
}
