/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the batch plan (batch.h, docs/batch.md): words, `defaults`
 * lines, validation by convert's parser, guest names, shards. */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cleanup.h"
#include "convert.h"
#include "error.h"
#include "guest.h"
#include "xalloc.h"

int
plan_split (const char *p, string_vector *words)
{
  char *w = NULL;
  size_t len = 0, cap = 0;
  bool in_word = false;

#define PUT(ch) do {                                    \
    if (len + 2 > cap)                                  \
      w = xreallocarray (w, cap = cap ? 2 * cap : 64, 1); \
    w[len++] = (ch);                                    \
    in_word = true;                                     \
  } while (0)

  for (;;) {
    char ch = *p;
    if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      if (in_word) {
        if (!w)
          w = xmalloc (cap = 64);
        w[len] = '\0';
        string_vector_append (words, xstrdup (w));
        len = 0;
        in_word = false;
      }
      if (ch == '\0')
        break;
      p++;
    }
    else if (ch == '#' && !in_word)
      break;
    else if (ch == '\'') {
      const char *end = strchr (p + 1, '\'');
      if (!end)
        goto unterminated;
      in_word = true;           /* '' is an empty word */
      for (p++; p < end; p++)
        PUT (*p);
      p = end + 1;
    }
    else if (ch == '"') {
      bool closed = false;
      in_word = true;
      for (p++; *p; p++) {
        if (*p == '"') {
          closed = true;
          p++;
          break;
        }
        if (*p == '\\' && p[1] && strchr ("\"\\$`", p[1]))
          p++;
        PUT (*p);
      }
      if (!closed)
        goto unterminated;
    }
    else if (ch == '\\') {
      if (p[1] == '\0')
        break;                  /* a lone trailing backslash: ignored */
      PUT (p[1]);
      p += 2;
    }
    else {
      PUT (ch);
      p++;
    }
  }
  free (w);
  return 0;
#undef PUT

 unterminated:
  free (w);
  set_error (EINVAL, "unterminated quote");
  return -1;
}

static void
words_free (string_vector *v)
{
  string_vector_free_all (v);
}

/* The name of a guest line (see struct plan_guest). */
static char *
guest_name (const struct convert_options *o)
{
  struct guest *g = NULL;
  bool quiet = v2k_quiet;
  char *name = NULL;

  if (o->name)
    return xstrdup (o->name);
  v2k_quiet = true;             /* its warnings are for its own run */
  /* A remote source (-ic, -it ssh) is not contacted while the plan is
   * read (docs/batch.md): its name is the last element of the source's
   * path, without its extension. */
  if (!o->input_conn && !o->input_transport &&
      convert_read_guest (o, &g) == 0)
    name = xstrdup (g->name);
  v2k_quiet = quiet;
  guest_free (g);
  clear_error ();
  if (!name) {
    CLEANUP_FREE char *copy = xstrdup (o->sources[0]);
    char *base = basename (copy), *dot = strrchr (base, '.');
    if (dot && dot != base)
      *dot = '\0';
    name = xstrdup (base);
  }
  return name;
}

static int
bad_line (const char *path, unsigned line, const char *msg)
{
  fprintf (stderr, "%s: %s:%u: %s\n", v2k_progname, path, line, msg);
  return 1;
}

/* Make the argv of a guest line and validate it; 0, or -1 + set_error. */
static int
make_guest (const string_vector *defaults, const string_vector *own,
            unsigned line, struct plan_guest *pg)
{
  struct convert_options o;
  size_t n = 1 + defaults->len + own->len;
  int r;

  pg->line = line;
  pg->argv = xzalloc ((n + 1) * sizeof *pg->argv);
  pg->argv[0] = xstrdup ("convert");
  for (size_t i = 0; i < defaults->len; ++i)
    pg->argv[1 + i] = xstrdup (defaults->ptr[i]);
  for (size_t i = 0; i < own->len; ++i)
    pg->argv[1 + defaults->len + i] = xstrdup (own->ptr[i]);
  pg->argc = (int) n;
  {
    /* convert_parse permutes its argv: validate a copy, keep the
     * plan's order (defaults first, so the line's own options win). */
    CLEANUP_FREE char **copy = xzalloc ((n + 1) * sizeof *copy);
    memcpy (copy, pg->argv, n * sizeof *copy);
    r = convert_parse ((int) n, copy, &o);
    if (r == 0 && o.help) {
      set_error (EINVAL, "--help is not a guest");
      r = -1;
    }
    else if (r == 0 && o.print_source) {
      set_error (EINVAL, "--print-source converts nothing");
      r = -1;
    }
    else if (r == 0 && o.keys_from_stdin) {
      set_error (EINVAL, "--keys-from-stdin: a batch guest has no "
                 "stdin; give --key ID:file:FILE");
      r = -1;
    }
    for (size_t i = 0; r == 0 && i < o.keys.len; ++i)
      if (!o.keys.ptr[i].from_file) {
        /* the plan line becomes a child's argv (ps(1) shows it) */
        set_error (EINVAL, "--key %s:key:...: a passphrase in a plan "
                   "would be in a child's command line; give --key "
                   "%s:file:FILE", o.keys.ptr[i].id, o.keys.ptr[i].id);
        r = -1;
      }
    if (r == 0)
      pg->name = guest_name (&o);
    convert_options_free (&o);
  }
  return r;
}

static void
guest_free_one (struct plan_guest *pg)
{
  for (int i = 0; pg->argv && i < pg->argc; ++i)
    free (pg->argv[i]);
  free (pg->argv);
  free (pg->name);
}

int
plan_read (const char *path, plan_guest_list *out)
{
  CLEANUP_FCLOSE FILE *fp = fopen (path, "r");
  string_vector defaults = empty_vector;
  CLEANUP_FREE char *buf = NULL;
  size_t cap = 0;
  unsigned line = 0, bad = 0, defaults_line = 0;

  if (!fp) {
    set_error_errno ("cannot open the plan '%s'", path);
    return -1;
  }
  while (getline (&buf, &cap, fp) != -1) {
    string_vector words = empty_vector;
    struct plan_guest pg = { 0 };
    ++line;
    if (plan_split (buf, &words) == -1) {
      bad += bad_line (path, line, get_error ());
      words_free (&words);
      continue;
    }
    if (words.len == 0) {
      words_free (&words);
      continue;
    }
    if (strcmp (words.ptr[0], "defaults") == 0) {
      /* A defaults line replaces the earlier one (none: clears). */
      words_free (&defaults);
      defaults_line = line;
      for (size_t i = 1; i < words.len; ++i)
        string_vector_append (&defaults, xstrdup (words.ptr[i]));
      words_free (&words);
      continue;
    }
    if (strcmp (words.ptr[0], "convert") == 0 ||
        strcmp (words.ptr[0], "v2kvm") == 0) {
      bad += bad_line (path, line, "a guest line is convert's arguments "
                       "only (no 'v2kvm convert' in front)");
      words_free (&words);
      continue;
    }
    if (make_guest (&defaults, &words, line, &pg) == -1) {
      const char *msg = get_error ();
      CLEANUP_FREE char *full = NULL;
      if (strncmp (msg, "convert: ", 9) == 0)
        msg += 9;
      if (defaults.len)
        msg = full = xasprintf ("%s (with the defaults of line %u)", msg,
                                defaults_line);
      bad += bad_line (path, line, msg);
      guest_free_one (&pg);
    }
    else {
      for (size_t i = 0; i < out->len; ++i)
        if (strcmp (out->ptr[i].name, pg.name) == 0) {
          CLEANUP_FREE char *msg =
            xasprintf ("guest '%s' is already on line %u (name one with "
                       "-on NAME)", pg.name, out->ptr[i].line);
          bad += bad_line (path, line, msg);
          guest_free_one (&pg);
          pg.argv = NULL;
          break;
        }
      if (pg.argv)
        plan_guest_list_append (out, pg);
    }
    words_free (&words);
  }
  words_free (&defaults);
  if (ferror (fp)) {
    set_error_errno ("cannot read the plan '%s'", path);
    return -1;
  }
  if (bad) {
    set_error (EINVAL, "%s: %u bad line%s: nothing was run", path, bad,
               bad > 1 ? "s" : "");
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  if (out->len == 0) {
    set_error (EINVAL, "%s: the plan has no guest line", path);
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  return 0;
}

void
plan_free (plan_guest_list *plan)
{
  for (size_t i = 0; i < plan->len; ++i)
    guest_free_one (&plan->ptr[i]);
  plan_guest_list_reset (plan);
}

bool
plan_in_shard (const char *name, unsigned k, unsigned n)
{
  uint64_t h = UINT64_C (0xcbf29ce484222325);

  for (const unsigned char *p = (const unsigned char *) name; *p; ++p) {
    h ^= *p;
    h *= UINT64_C (0x100000001b3);
  }
  return h % n == k - 1;
}
