/* SPDX-License-Identifier: MIT */
/* Re-parse rendered XML with libxml2 before anything is written. */
#ifndef MAILCONF_XML_CHECK_H
#define MAILCONF_XML_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* xml_check parses text[0..len) with no network, no DTD and no entity
 * expansion; a document that is not well-formed is reported to d as an
 * internal error naming what (the target). */
bool xml_check(const char *what, const char *text, size_t len, struct diag *d);
/* xml_cleanup frees libxml2's global state (for leak checkers). */
void xml_cleanup(void);

#endif
