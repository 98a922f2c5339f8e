/* SPDX-License-Identifier: MIT */
/* Thunderbird autoconfig XML -> spec INI: the second front end. */
#ifndef MAILCONF_IMPORT_H
#define MAILCONF_IMPORT_H

#include <stdbool.h>

#include "buf.h"
#include "diag.h"

/* import_file reads the autoconfig file at path (no network, no DTD, at
 * most 1 MiB) and appends an equivalent spec to ini: the servers, in
 * order, that Thunderbird would read from it. Everything changed or
 * dropped is reported to d as a warning with file:line and repeated as a
 * comment in the spec. Returns false, reporting why, when the file cannot
 * be imported at all. */
bool import_file(const char *path, struct buf *ini, struct diag *d);

#endif
