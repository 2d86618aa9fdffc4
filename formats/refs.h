/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the rule for references from one input file to another.
 *
 * A disk or configuration may name other files: VMDK extents and
 * parentFileNameHint, VHD/VHDX parent locators, qcow2 backing files, OVF
 * File hrefs, a .vmx's disk fileName.  A hostile input must not make
 * v2kvm read a file of the conversion host (an extent "/etc/shadow"
 * would be copied into the output disk), so every reference obeys one
 * rule (docs/formats.md §5.6, README "References to other files"):
 *   - inside an archive (OVA, XVA) it names another member of the same
 *     archive: never absolute, never out through "..";
 *   - between loose files it resolves against the referring file's
 *     directory and stays inside the directory of the file the user
 *     named, unless the user allows more (--allow-external-refs);
 *   - a device, FIFO or socket is never opened through a reference.
 *
 * ref_resolve() is the pure half of the rule: names only, no file system,
 * so local files (bfile.c, archive-tar.c) and remote sources (a datastore path
 * over HTTPS or SFTP) decide the same way.  Local files then also check
 * what they opened (bfile.c: the real path after symbolic links, and the
 * file type).
 */
#ifndef V2K_REFS_H
#define V2K_REFS_H

enum ref_verdict {
  REF_OK = 0,
  REF_EMPTY,                    /* "" names nothing */
  REF_ABSOLUTE,                 /* absolute, where root is relative (an
                                 * archive's members) */
  REF_OUTSIDE,                  /* leads out of root */
};

/* Where ref, written in the file named referrer, leads, and whether it
 * may be followed.  Names are "/"-separated paths.  ref is joined to
 * referrer's directory unless it is absolute, then normalised: empty and
 * "." components dropped, ".." removes the previous one ("/.." is "/";
 * a relative name keeps leading ".." components).
 * root: the directory every reference must stay inside, in the same
 * frame as referrer: "" for the top of an archive (member names), an
 * absolute directory for files; NULL allows anything
 * (--allow-external-refs).
 * *resolved gets the normalised name (malloc'd) for REF_OK and
 * REF_OUTSIDE (for the message), NULL otherwise.  Pure: no I/O. */
enum ref_verdict ref_resolve (const char *referrer, const char *ref,
                              const char *root, char **resolved);

/* True if the normalised path is root or inside it (root normalised
 * too; "" is the relative top, "/" holds every absolute path). */
int ref_inside (const char *path, const char *root);

/* Why a verdict refuses, for messages ("leaves the directory", ...). */
const char *ref_verdict_string (enum ref_verdict v);

#endif /* V2K_REFS_H */
