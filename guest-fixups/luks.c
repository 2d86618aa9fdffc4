/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: open the guest's LUKS devices in the appliance before inspection
 * (virt-v2v(1) "--key", "--keys-from-stdin"; guestfs(3) "ENCRYPTED
 * DISKS").
 *
 * Every block device and partition whose content is "crypto_LUKS" needs
 * a passphrase: the --key options naming its appliance device, its LUKS
 * UUID or "all" are tried in order, else one line is read from the key
 * stream (--keys-from-stdin).  A device left without any is refused
 * before anything is opened (no prompting: conversions run unattended).
 *
 * The devices are opened as "luks-UUID" first.  The guest's own name
 * for its mapping (the first field of its /etc/crypttab) matters twice:
 * an fstab naming /dev/mapper/NAME resolves only if NAME exists, and
 * Debian's cryptsetup-initramfs hook (cryptroot) looks the root's
 * mapping up in crypttab by that name when the initramfs is rebuilt.  So
 * once the root is found and mounted, luks_names_from_crypttab() reopens
 * each device under its crypttab name and the caller inspects again.
 *
 * Passphrases go to libguestfs (which hands them to cryptsetup on its
 * standard input inside the appliance), never into an argv, a log line
 * or an error message, and are wiped when freed.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

static void
wipe_free (char *s)
{
  if (s) {
    explicit_bzero (s, strlen (s));
    free (s);
  }
}

void
fixup_keys_free (fixup_key_list *keys)
{
  for (size_t i = 0; i < keys->len; ++i) {
    free (keys->ptr[i].id);
    wipe_free (keys->ptr[i].passphrase);
  }
  fixup_key_list_reset (keys);
}

void
luks_dev_list_free (luks_dev_list *l)
{
  for (size_t i = 0; i < l->len; ++i) {
    free (l->ptr[i].dev);
    free (l->ptr[i].uuid);
    free (l->ptr[i].name);
    wipe_free (l->ptr[i].key);
  }
  luks_dev_list_reset (l);
}

static bool
key_matches (const struct fixup_key *k, const struct luks_dev *d)
{
  return strcmp (k->id, "all") == 0 || strcmp (k->id, d->dev) == 0 ||
    (d->uuid && strcasecmp (k->id, d->uuid) == 0);
}

static bool
has_key (const struct fixup_options *opts, const struct luks_dev *d)
{
  for (size_t i = 0; opts->keys && i < opts->keys->len; ++i)
    if (key_matches (&opts->keys->ptr[i], d))
      return true;
  return false;
}

/* One line of the key stream, without its newline; NULL at its end. */
static char *
read_key_line (FILE *in)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline (&line, &cap, in);

  if (n <= 0) {
    wipe_free (line);
    return NULL;
  }
  if (line[n - 1] == '\n')
    line[--n] = '\0';
  return line;
}

static int
open_one (guestfs_h *g, struct luks_dev *d, const char *key, bool readonly)
{
  return guestfs_cryptsetup_open (g, d->dev, key, d->name,
                                  GUESTFS_CRYPTSETUP_OPEN_READONLY, readonly,
                                  -1);
}

/* Try the keys naming d, then the stream; keep the one that opens it. */
static int
unlock (guestfs_h *g, const struct fixup_options *opts, struct luks_dev *d)
{
  const char *why = NULL;
  CLEANUP_FREE char *saved = NULL;

  for (size_t i = 0; opts->keys && i < opts->keys->len; ++i) {
    const struct fixup_key *k = &opts->keys->ptr[i];
    if (!key_matches (k, d))
      continue;
    if (open_one (g, d, k->passphrase, opts->dry_run) == 0) {
      d->key = xstrdup (k->passphrase);
      return 0;
    }
    free (saved);
    saved = xstrdup (guestfs_last_error (g) ?: "");
  }
  if (saved == NULL && opts->key_input) {
    char *line = read_key_line (opts->key_input);
    if (line == NULL) {
      set_error (EINVAL, "--keys-from-stdin: no line left for the LUKS "
                 "device '%s'", d->dev);
      error_set_kind (V2K_ERR_USAGE);
      error_set_code ("luks-no-key");
      return -1;
    }
    if (open_one (g, d, line, opts->dry_run) == 0) {
      d->key = line;
      return 0;
    }
    wipe_free (line);
    saved = xstrdup (guestfs_last_error (g) ?: "");
  }
  why = saved ? saved : "";
  if (strstr (why, "No key available") != NULL || strstr (why, "passphrase")) {
    set_error (EACCES, "the key given does not open the LUKS device '%s' "
               "(UUID %s)", d->dev, d->uuid ? d->uuid : "unknown");
    error_set_kind (V2K_ERR_USAGE);
    error_set_code ("luks-bad-key");
  }
  else {
    CLEANUP_FREE char *line = xstrdup (why);
    line[strcspn (line, "\n")] = '\0';
    set_error (EIO, "cannot open the LUKS device '%s': %s", d->dev, line);
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("luks-open-failed");
  }
  return -1;
}

/* "'/dev/sda2', '/dev/sdb1'" for the devices without a key. */
static char *
missing_list (const struct fixup_options *opts, const luks_dev_list *l)
{
  char *s = xstrdup ("");

  for (size_t i = 0; i < l->len; ++i) {
    if (has_key (opts, &l->ptr[i]))
      continue;
    char *t = xasprintf ("%s%s'%s'", s, *s ? ", " : "", l->ptr[i].dev);
    free (s);
    s = t;
  }
  return s;
}

/* Appends the LUKS devices among names[] (freed) to *out. */
static void
collect (guestfs_h *g, char **names, luks_dev_list *out)
{
  for (size_t i = 0; names && names[i]; ++i) {
    CLEANUP_FREE char *type = guestfs_vfs_type (g, names[i]);
    if (type && strcmp (type, "crypto_LUKS") == 0) {
      struct luks_dev d = { .dev = xstrdup (names[i]) };
      d.uuid = guestfs_luks_uuid (g, names[i]);
      d.name = xasprintf ("luks-%s", d.uuid ? d.uuid : names[i] + 5);
      for (char *p = d.name; *p; ++p)
        if (*p == '/')
          *p = '-';
      luks_dev_list_append (out, d);
    }
    free (names[i]);
  }
  free (names);
}

int
luks_open_all (guestfs_h *g, const struct fixup_options *opts,
               luks_dev_list *out)
{
  size_t nmissing = 0;

  /* Whole disks, partitions and LVs (libguestfs 1.48's
   * list_filesystems leaves LUKS devices out). */
  collect (g, guestfs_list_devices (g), out);
  collect (g, guestfs_list_partitions (g), out);
  collect (g, guestfs_lvs (g), out);
  if (out->len == 0)
    return 0;

  for (size_t i = 0; i < out->len; ++i)
    nmissing += !has_key (opts, &out->ptr[i]);
  if (nmissing && !opts->key_input) {
    CLEANUP_FREE char *list = missing_list (opts, out);
    set_error (EACCES, "%s %s LUKS-encrypted and no key was given: pass "
               "--key DEVICE:file:FILE (or --key all:..., or "
               "--keys-from-stdin)", list, nmissing > 1 ? "are" : "is");
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("luks-no-key");
    return -1;
  }
  for (size_t i = 0; i < out->len; ++i) {
    if (unlock (g, opts, &out->ptr[i]) == -1)
      return -1;
    debug ("opened LUKS device %s (UUID %s) as /dev/mapper/%s",
           out->ptr[i].dev, out->ptr[i].uuid ? out->ptr[i].uuid : "?",
           out->ptr[i].name);
  }
  /* LVM inside LUKS: its volume groups appear only now. */
  if (guestfs_lvm_scan (g, 1) == -1) {
    set_error (EIO, "cannot scan for LVM inside the LUKS devices: %s",
               guestfs_last_error (g));
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  return 0;
}

/* The crypttab name of d: a line whose source is UUID=<d's UUID>,
 * /dev/disk/by-uuid/<UUID> or d's device name. */
static char *
crypttab_name (const char *crypttab, const struct luks_dev *d)
{
  const char *p = crypttab;

  while (p && *p) {
    const char *eol = strchr (p, '\n');
    size_t len = eol ? (size_t) (eol - p) : strlen (p);
    CLEANUP_FREE char *line = xstrndup (p, len);
    char name[256], src[512];

    p = eol ? eol + 1 : NULL;
    if (sscanf (line, " %255s %511s", name, src) != 2 || name[0] == '#')
      continue;
    const char *u = NULL;
    if (strncasecmp (src, "UUID=", 5) == 0)
      u = src + 5;
    else if (strncmp (src, "/dev/disk/by-uuid/", 18) == 0)
      u = src + 18;
    if ((u && d->uuid && strcasecmp (u, d->uuid) == 0) ||
        strcmp (src, d->dev) == 0)
      return xstrdup (name);
  }
  return NULL;
}

int
luks_names_from_crypttab (guestfs_h *g, const char *root, luks_dev_list *l,
                          bool readonly)
{
  CLEANUP_FREE char *crypttab = NULL;
  size_t size;
  bool renamed = false;

  /* The root alone, read-only: its fstab may name mappings that do not
   * exist yet. */
  if (l->len == 0 || guestfs_mount_ro (g, root, "/") == -1)
    return 0;
  if (guestfs_is_file_opts (g, "/etc/crypttab",
                            GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) > 0)
    crypttab = guestfs_read_file (g, "/etc/crypttab", &size);
  if (guestfs_umount_all (g) == -1)
    goto fail;
  if (crypttab == NULL)
    return 0;                   /* none, or unreadable: keep our names */
  for (size_t i = 0; i < l->len; ++i) {
    struct luks_dev *d = &l->ptr[i];
    CLEANUP_FREE char *name = crypttab_name (crypttab, d);
    if (name == NULL || strcmp (name, d->name) == 0)
      continue;
    if (!renamed && guestfs_vg_activate_all (g, 0) == -1)
      goto fail;
    renamed = true;
    CLEANUP_FREE char *mapped = xasprintf ("/dev/mapper/%s", d->name);
    if (guestfs_cryptsetup_close (g, mapped) == -1)
      goto fail;
    free (d->name);
    d->name = name;
    name = NULL;
    if (open_one (g, d, d->key, readonly) == -1)
      goto fail;
    debug ("LUKS device %s reopened as /dev/mapper/%s (the guest's "
           "crypttab name)", d->dev, d->name);
  }
  if (renamed && guestfs_lvm_scan (g, 1) == -1)
    goto fail;
  return renamed;

 fail:
  set_error (EIO, "cannot reopen the LUKS devices under their crypttab "
             "names: %s", guestfs_last_error (g));
  error_set_kind (V2K_ERR_GUEST);
  return -1;
}
