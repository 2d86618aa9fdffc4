/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: last-error store (see error.h for the convention). */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MSG_MAX 2048

static _Thread_local char last_msg[MSG_MAX];
static _Thread_local int last_errno;
static _Thread_local enum v2k_err_kind last_kind;
static _Thread_local const char *last_code;

/* Messages are one line (README: a one-line error naming the file):
 * they often quote the input (a config value, a member name), whose
 * control characters -- a newline above all -- become '?'. */
static void
one_line (char *s)
{
  for (; *s; ++s)
    if ((unsigned char) *s < 0x20 || *s == 0x7f)
      *s = '?';
}

bool v2k_verbose = false;
bool v2k_quiet = false;
void (*warning_hook) (const char *code, const char *msg) = NULL;
_Thread_local void (*error_check_hook) (void) = NULL;
const char *v2k_progname = "v2kvm";
volatile sig_atomic_t v2k_interrupted = 0;
void (*volatile v2k_interrupt_hook) (void);

int
check_interrupted (void)
{
  if (!v2k_interrupted)
    return 0;
  set_error (EINTR, "interrupted by signal");
  error_set_kind (V2K_ERR_INTERRUPTED);
  return -1;
}

void
set_error (int errnum, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (last_msg, sizeof last_msg, fmt, ap);
  va_end (ap);
  one_line (last_msg);
  last_errno = errnum;
  last_kind = V2K_ERR_AUTO;
  last_code = NULL;
  errno = saved;
}

void
set_error_errno (const char *fmt, ...)
{
  int saved = errno;
  char strerr[256];
  size_t len;
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (last_msg, sizeof last_msg, fmt, ap);
  va_end (ap);
  len = strlen (last_msg);
  snprintf (last_msg + len, sizeof last_msg - len, ": %s",
            strerror_r (saved, strerr, sizeof strerr));
  one_line (last_msg);
  last_errno = saved;
  last_kind = V2K_ERR_AUTO;
  last_code = NULL;
  errno = saved;
}

void
error_set_kind (enum v2k_err_kind kind)
{
  last_kind = kind;
}

enum v2k_err_kind
error_get_kind (void)
{
  return last_kind;
}

void
error_set_code (const char *code)
{
  last_code = code;
}

const char *
error_get_code (void)
{
  return last_code;
}

const char *
exit_class_name (int code)
{
  switch (code) {
  case V2K_EXIT_OK: return "ok";
  case V2K_EXIT_USAGE: return "usage";
  case V2K_EXIT_INPUT: return "input";
  case V2K_EXIT_UNSUPPORTED: return "unsupported";
  case V2K_EXIT_OUTPUT: return "output";
  case V2K_EXIT_INTEGRITY: return "integrity";
  case V2K_EXIT_GUEST: return "guest";
  case V2K_EXIT_HYPERVISOR: return "hypervisor";
  case V2K_EXIT_BATCH_FAILED: return "batch-failed";
  case V2K_EXIT_INTERRUPTED: return "interrupted";
  default: return "internal";
  }
}

void
prepend_error (const char *fmt, ...)
{
  char prefix[512];
  char old[MSG_MAX];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  size_t plen = strlen (prefix);

  memcpy (old, last_msg, sizeof old);
  if (plen >= sizeof last_msg)
    plen = sizeof last_msg - 1;
  memcpy (last_msg, prefix, plen);
  memcpy (last_msg + plen, old, sizeof last_msg - plen - 1);
  last_msg[sizeof last_msg - 1] = '\0';
  one_line (last_msg);
}

const char *
get_error (void)
{
  return last_msg;
}

int
get_errno (void)
{
  return last_errno;
}

void
clear_error (void)
{
  last_msg[0] = '\0';
  last_errno = 0;
  last_kind = V2K_ERR_AUTO;
  last_code = NULL;
}

int
exit_code_for (void)
{
  switch (last_kind) {
  case V2K_ERR_INPUT: return V2K_EXIT_INPUT;
  case V2K_ERR_UNSUPPORTED: return V2K_EXIT_UNSUPPORTED;
  case V2K_ERR_OUTPUT: return V2K_EXIT_OUTPUT;
  case V2K_ERR_INTEGRITY: return V2K_EXIT_INTEGRITY;
  case V2K_ERR_GUEST: return V2K_EXIT_GUEST;
  case V2K_ERR_HYPERVISOR: return V2K_EXIT_HYPERVISOR;
  case V2K_ERR_USAGE: return V2K_EXIT_USAGE;
  case V2K_ERR_INTERRUPTED: return V2K_EXIT_INTERRUPTED;
  case V2K_ERR_AUTO: break;
  }
  switch (last_errno) {
  case ENOTSUP: return V2K_EXIT_UNSUPPORTED;
  case EBADMSG: return V2K_EXIT_INTEGRITY;
  case EINTR: return V2K_EXIT_INTERRUPTED;
  case ENOSPC: case EROFS: case EDQUOT: return V2K_EXIT_OUTPUT;
  case 0: return V2K_EXIT_FAILURE;
  default: return V2K_EXIT_INPUT;
  }
}

static void
vprint (const char *level, const char *code, const char *fmt, va_list ap)
{
  char msg[MSG_MAX];

  vsnprintf (msg, sizeof msg, fmt, ap);
  if (warning_hook && code)
    warning_hook (code, msg);
  else
    fprintf (stderr, "%s: %s: %s\n", v2k_progname, level, msg);
}

void
warning (const char *code, const char *fmt, ...)
{
  va_list ap;

  if (v2k_quiet && !warning_hook)
    return;
  va_start (ap, fmt);
  vprint ("warning", code, fmt, ap);
  va_end (ap);
}

void
error_check (struct error_checks *ck, int r)
{
  if (r != -1)
    return;
  if (error_check_hook)
    error_check_hook ();
  if (ck->failed++ == 0) {
    snprintf (ck->msg, sizeof ck->msg, "%s", last_msg);
    ck->errnum = last_errno;
    ck->kind = (int) last_kind;
    ck->code = last_code;
  }
}

int
error_checks_end (struct error_checks *ck)
{
  if (!ck->failed)
    return 0;
  snprintf (last_msg, sizeof last_msg, "%s", ck->msg);
  last_errno = ck->errnum;
  last_kind = (enum v2k_err_kind) ck->kind;
  last_code = ck->code;
  return -1;
}

void
debug (const char *fmt, ...)
{
  va_list ap;

  if (!v2k_verbose)
    return;
  va_start (ap, fmt);
  vprint ("debug", NULL, fmt, ap);
  va_end (ap);
}
