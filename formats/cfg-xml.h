/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: safe XML parsing for the XML config readers (libvirt XML, OVF,
 * XenServer ova.xml) and small DOM helpers.  libxml2 stays in formats/.
 *
 * cfg_xml_parse() never touches the network (XML_PARSE_NONET), never
 * loads a DTD or substitutes entities (no XML_PARSE_NOENT /
 * XML_PARSE_DTDLOAD), and refuses any document with a <!DOCTYPE>: none
 * of these formats uses one, and refusing it rules out external entities
 * (XXE, file:///etc/passwd) and entity expansion bombs (billion laughs).
 * The refusal is made by the parser itself (a SAX hook that stops it at
 * the <!DOCTYPE>, before any declaration is read), after it has decoded
 * the document, so every encoding is covered (UTF-16 too), and every XML
 * reader of formats/ parses through here (OVF, libvirt XML, ova.xml).
 */
#ifndef V2K_CFG_XML_H
#define V2K_CFG_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

/* Parse: the document, or NULL + set_error (EINVAL) "PATH:LINE: what". */
xmlDocPtr cfg_xml_parse (const char *buf, size_t len, const char *path);

/* First element child of n with local name `name` (namespace ns, or any
 * namespace if ns is NULL), or NULL. */
xmlNodePtr cfg_xml_child (xmlNodePtr n, const char *name, const char *ns);

/* Next element sibling after n with the same rules. */
xmlNodePtr cfg_xml_next (xmlNodePtr n, const char *name, const char *ns);

/* Attribute value (ns NULL: no namespace, falling back to any
 * namespace), as a new string (caller frees), or NULL. */
char *cfg_xml_prop (xmlNodePtr n, const char *name, const char *ns);

/* Text content, trimmed, as a new string (caller frees); never NULL. */
char *cfg_xml_text (xmlNodePtr n);

/* libvirt-style size: number + unit ("KiB" default_unit when unit is
 * NULL or empty; b, bytes, k, KB, KiB, M, MB, MiB, G, ... T, TiB).
 * 0 and *bytes, or -1 (no error set) if malformed or overflowing. */
int cfg_xml_size (const char *num, const char *unit, const char *default_unit,
                  uint64_t *bytes);

#endif /* V2K_CFG_XML_H */
