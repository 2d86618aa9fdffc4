/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: safe XML parsing and DOM helpers for the XML config readers
 * (see cfg-xml.h).  libxml2's own messages are silenced; the first error
 * is reported once through set_error with its line. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "cfg-xml.h"
#include "checked.h"
#include "error.h"
#include "xalloc.h"

static void
silent (void *ctx, const char *msg, ...)
{
}

/* The first error libxml2 reports during one parse (later ones are
 * usually consequences of it). */
static _Thread_local struct {
  int set, line;
  int doctype;                  /* the parse met a <!DOCTYPE> */
  char msg[200];
} first;

static void
first_error (void *ctx, xmlErrorPtr e)
{
  if (first.set || first.doctype || !e || e->level < XML_ERR_ERROR)
    return;
  first.set = 1;
  first.line = e->line;
  snprintf (first.msg, sizeof first.msg, "%s", e->message ? e->message : "");
  first.msg[strcspn (first.msg, "\n")] = '\0';
}

/* SAX hook: a <!DOCTYPE> (and with it any DTD or entity declaration)
 * stops the parse at once.  libxml2 calls it after it has decoded the
 * document, whatever its encoding (a byte search for "<!DOCTYPE" misses
 * UTF-16), and before it reads a single declaration of the internal
 * subset, so an entity bomb is never expanded or even stored. */
static void
refuse_doctype (void *ctx, const xmlChar *name, const xmlChar *ext_id,
                const xmlChar *sys_id)
{
  xmlParserCtxtPtr ctxt = ctx;

  if (!first.doctype) {
    first.doctype = 1;
    first.line = ctxt->input ? ctxt->input->line : 0;
  }
  xmlStopParser (ctxt);
}

xmlDocPtr
cfg_xml_parse (const char *buf, size_t len, const char *path)
{
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;

  if (len > INT32_MAX) {
    set_error (EFBIG, "%s: XML document too large", path);
    return NULL;
  }
  xmlSetGenericErrorFunc (NULL, silent);
  xmlSetStructuredErrorFunc (NULL, first_error);
  first.set = first.doctype = 0;
  ctxt = xmlNewParserCtxt ();
  if (!ctxt) {
    set_error (ENOMEM, "%s: cannot create an XML parser", path);
    return NULL;
  }
  ctxt->sax->internalSubset = refuse_doctype;
  ctxt->sax->externalSubset = refuse_doctype;
  /* Never XML_PARSE_NOENT (substitute entities), XML_PARSE_DTDLOAD,
   * XML_PARSE_DTDATTR, XML_PARSE_DTDVALID or XML_PARSE_HUGE. */
  doc = xmlCtxtReadMemory (ctxt, buf, (int) len, path, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOWARNING |
                           XML_PARSE_NOERROR);
  if (first.doctype) {
    set_error (EINVAL, "%s:%d: <!DOCTYPE> is not allowed (no DTDs, "
               "entities or external references in guest configs)",
               path, first.line);
    xmlFreeDoc (doc);
    doc = NULL;
  }
  else if (!doc || !ctxt->wellFormed) {
    set_error (EINVAL, "%s:%d: invalid XML: %s", path, first.line,
               first.set ? first.msg : "not well-formed");
    xmlFreeDoc (doc);
    doc = NULL;
  }
  else if (!xmlDocGetRootElement (doc)) {
    set_error (EINVAL, "%s: empty XML document", path);
    xmlFreeDoc (doc);
    doc = NULL;
  }
  else if (doc->intSubset || doc->extSubset) {
    /* Cannot happen with the hooks above; a DTD must never get by. */
    set_error (EINVAL, "%s: <!DOCTYPE> is not allowed", path);
    xmlFreeDoc (doc);
    doc = NULL;
  }
  xmlFreeParserCtxt (ctxt);
  return doc;
}

static bool
matches (xmlNodePtr n, const char *name, const char *ns)
{
  if (n->type != XML_ELEMENT_NODE || strcmp ((const char *) n->name, name))
    return false;
  if (!ns)
    return true;
  return n->ns && n->ns->href && strcmp ((const char *) n->ns->href, ns) == 0;
}

xmlNodePtr
cfg_xml_next (xmlNodePtr n, const char *name, const char *ns)
{
  for (n = n ? n->next : NULL; n; n = n->next)
    if (matches (n, name, ns))
      return n;
  return NULL;
}

xmlNodePtr
cfg_xml_child (xmlNodePtr n, const char *name, const char *ns)
{
  if (!n)
    return NULL;
  for (n = n->children; n; n = n->next)
    if (matches (n, name, ns))
      return n;
  return NULL;
}

char *
cfg_xml_prop (xmlNodePtr n, const char *name, const char *ns)
{
  xmlChar *v;
  char *r;

  if (!n)
    return NULL;
  v = ns ? xmlGetNsProp (n, BAD_CAST name, BAD_CAST ns)
    : xmlGetNoNsProp (n, BAD_CAST name);
  if (!v && !ns) {            /* any namespace (prefixes vary) */
    for (xmlAttrPtr a = n->properties; a; a = a->next)
      if (strcmp ((const char *) a->name, name) == 0) {
        v = xmlNodeGetContent ((xmlNodePtr) a);
        break;
      }
  }
  if (!v)
    return NULL;
  r = xstrdup ((const char *) v);
  xmlFree (v);
  return r;
}

char *
cfg_xml_text (xmlNodePtr n)
{
  xmlChar *v = n ? xmlNodeGetContent (n) : NULL;
  const char *s = v ? (const char *) v : "";
  size_t len;
  char *r;

  while (isspace ((unsigned char) *s)) s++;
  len = strlen (s);
  while (len && isspace ((unsigned char) s[len - 1])) len--;
  r = xstrndup (s, len);
  xmlFree (v);
  return r;
}

int
cfg_xml_size (const char *num, const char *unit, const char *default_unit,
              uint64_t *bytes)
{
  static const struct { const char *u; uint64_t m; } units[] = {
    { "b", 1 }, { "bytes", 1 },
    { "k", 1024 }, { "KiB", 1024 }, { "KB", 1000 },
    { "M", 1 << 20 }, { "MiB", 1 << 20 }, { "MB", 1000000 },
    { "G", 1 << 30 }, { "GiB", 1 << 30 }, { "GB", 1000000000 },
    { "T", UINT64_C (1) << 40 }, { "TiB", UINT64_C (1) << 40 },
    { "TB", UINT64_C (1000000000000) },
  };
  uint64_t v = 0;
  const char *p = num;

  if (!unit || !*unit)
    unit = default_unit;
  if (!*p)
    return -1;
  for (; *p; ++p) {
    if (!isdigit ((unsigned char) *p) || MUL_OVERFLOW (v, 10, &v) ||
        ADD_OVERFLOW (v, (uint64_t) (*p - '0'), &v))
      return -1;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i)
    if (strcasecmp (unit, units[i].u) == 0)
      return MUL_OVERFLOW (v, units[i].m, bytes) ? -1 : 0;
  return -1;
}
