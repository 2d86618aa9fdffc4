/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the one error convention.
 *
 * Functions that can fail return -1, NULL or false.  The code that detects
 * the failure records exactly one message with set_error() (or
 * set_error_errno() which appends strerror(errno)); callers propagate the
 * failure without recording another one, optionally adding context with
 * prepend_error() (qemu's error_prepend).  Only convert/main.c prints
 * errors and chooses the exit code (see exit_code_for()).
 *
 * The store is thread-local, so worker threads of the copy engine can fail
 * independently; a worker hands its failure to the main thread with
 * get_error()/get_errno() and set_error().
 *
 * Message wording follows git's CodingGuidelines: lower-case first word, no
 * full stop, say what failed first, quote the subject:
 *   "cannot open 'disk.vmdk': No such file or directory"
 *   "disk.vmdk: grain table entry 17 points past end of file"
 *
 * errno values carried with messages, and what they mean to exit_code_for():
 *   EINVAL, EIO, ENOENT, EFBIG, E2BIG, ELOOP: the input is bad or unreadable
 *   ENOTSUP: a valid input using a feature v2kvm does not support
 *   EBADMSG: an integrity check (digest, checksum) failed
 *   ENOSPC, EROFS, EEXIST and write errors: reported by output code, which
 *     sets error_set_kind(V2K_ERR_OUTPUT) itself.
 */
#ifndef V2K_ERROR_H
#define V2K_ERROR_H

#include <signal.h>
#include <stdbool.h>

/* Exit codes of the program, documented in --help and v2kvm(1). */
enum v2k_exit {
  V2K_EXIT_OK = 0,
  V2K_EXIT_FAILURE = 1,         /* internal or otherwise unclassified */
  V2K_EXIT_USAGE = 2,           /* bad command line */
  V2K_EXIT_INPUT = 3,           /* input missing, unreadable, corrupt */
  V2K_EXIT_UNSUPPORTED = 4,     /* valid input, unsupported feature */
  V2K_EXIT_OUTPUT = 5,          /* cannot write the output */
  V2K_EXIT_INTEGRITY = 6,       /* checksum / manifest mismatch */
  V2K_EXIT_GUEST = 7,           /* guest cannot be converted (fixups) */
  V2K_EXIT_HYPERVISOR = 8,      /* appliance / libvirt / KVM launch failed */
  V2K_EXIT_BATCH_FAILED = 10,   /* batch: some guests failed (the others
                                   converted) */
  V2K_EXIT_INTERRUPTED = 130,   /* SIGINT or SIGTERM */
};

/* What kind of failure the last error is.  Set explicitly by code that
 * knows better than errno (output, guest, hypervisor); otherwise derived
 * from errno by exit_code_for(). */
enum v2k_err_kind {
  V2K_ERR_AUTO = 0,             /* derive from errno */
  V2K_ERR_INPUT,
  V2K_ERR_UNSUPPORTED,
  V2K_ERR_OUTPUT,
  V2K_ERR_INTEGRITY,
  V2K_ERR_GUEST,
  V2K_ERR_HYPERVISOR,
  V2K_ERR_USAGE,
  V2K_ERR_INTERRUPTED,
};

/* Record the last error: errnum (0 if none) and a printf message.
 * Resets the kind to V2K_ERR_AUTO.  Preserves errno. */
void set_error (int errnum, const char *fmt, ...)
  __attribute__((format (printf, 2, 3)));

/* Like set_error(errno, ...) but appends ": strerror(errno)". */
void set_error_errno (const char *fmt, ...)
  __attribute__((format (printf, 1, 2)));

/* Set the kind of the current error (after set_error). */
void error_set_kind (enum v2k_err_kind kind);
enum v2k_err_kind error_get_kind (void);

/* Prefix the current message with more context, e.g. "disk 2: ". */
void prepend_error (const char *fmt, ...)
  __attribute__((format (printf, 1, 2)));

/* The last error message ("" if none) and its errno (0 if none).  The
 * string stays valid until the next set_error on this thread. */
const char *get_error (void);
int get_errno (void);
void clear_error (void);

/* Exit code for the current error (never V2K_EXIT_OK). */
int exit_code_for (void);

/* A stable name for the condition of the current error, for programs
 * (`v2kvm inspect`'s blockers, docs/inspect.md): a static string such as
 * "xen-pv-only", set after set_error by the code that detects a
 * condition worth naming; set_error resets it to NULL. */
void error_set_code (const char *code);
const char *error_get_code (void);

/* The class of an exit code, as `inspect` and `batch report` name it:
 * "ok", "internal", "usage", "input", "unsupported", "output",
 * "integrity", "guest", "hypervisor", "batch-failed", "interrupted". */
const char *exit_class_name (int code);

/* Diagnostics.  warning() always prints to stderr at once ("v2kvm:
 * warning: ...") unless quiet; debug() prints only with verbose.  With
 * machine-readable output, warnings are also emitted as JSON by a hook.
 * code is the warning's stable name for programs (a static string such
 * as "kernel-not-default", listed in docs/inspect.md "Warning codes");
 * it never changes with the wording of the message. */
extern bool v2k_verbose;
extern bool v2k_quiet;
void warning (const char *code, const char *fmt, ...)
  __attribute__((format (printf, 2, 3)));
void debug (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/* Optional hook that receives every warning, its code and its message
 * (used by the --machine-readable output and `v2kvm inspect`), instead
 * of stderr.  NULL to disable. */
extern void (*warning_hook) (const char *code, const char *msg);

/* Independent checks that may each refuse a guest, all run so that
 * `v2kvm inspect` reports every blocker and not only the first
 * (docs/inspect.md):
 *
 *   struct error_checks ck = { 0 };
 *   error_check (&ck, check_a (...));
 *   error_check (&ck, check_b (...));
 *   if (error_checks_end (&ck) == -1) return -1;
 *
 * error_check takes a check's result: on -1 it passes the current error
 * to error_check_hook (when set on this thread) and, for the first
 * failure only, keeps a copy.  error_checks_end returns 0 when every
 * check passed, else restores the first failure as the current error
 * and returns -1 -- so without the hook the caller fails exactly as it
 * would have stopped at the first, only later. */
struct error_checks {
  int failed;                   /* failures seen */
  char msg[2048];
  int errnum;
  int kind;                     /* enum v2k_err_kind */
  const char *code;
};
void error_check (struct error_checks *ck, int r);
int error_checks_end (struct error_checks *ck);
/* Called (this thread) with the current error by error_check on a
 * failure (`v2kvm inspect` collects the blockers); NULL: none. */
extern _Thread_local void (*error_check_hook) (void);

/* Set by the SIGINT/SIGTERM handler in main.c.  Long loops poll it with
 * check_interrupted(), which records an "interrupted" error and returns
 * -1 once the flag is set (0 otherwise). */
extern volatile sig_atomic_t v2k_interrupted;
int check_interrupted (void);

/* Called by that handler after setting the flag, when set: stops a child
 * that would otherwise keep a blocking call going (the libguestfs
 * appliance).  Must be async-signal-safe. */
extern void (*volatile v2k_interrupt_hook) (void);

/* Name of the program for messages ("v2kvm"). */
extern const char *v2k_progname;

#endif /* V2K_ERROR_H */
