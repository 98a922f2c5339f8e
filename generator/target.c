/* SPDX-License-Identifier: MIT */
/* The targets table: adding a format is a row here, a template and its golden
 * files. */
#include <string.h>

#include "escape.h"
#include "target.h"
#include "xml_check.h"

const struct target targets[] = {
    {.name = "thunderbird",
     .template = "thunderbird.xml.mustache",
     .output = "config-v1.1.xml",
     .escape = escape_xml,
     .check = xml_check,
     .mode = 0644,
     .help = "Thunderbird autoconfig (clientConfig 1.1), to serve over "
             "HTTPS"},
    {.name = NULL},
};

const struct target *
target_find(const char *name)
{
	for (const struct target *t = targets; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

size_t
target_count(void)
{
	size_t n = 0;

	while (targets[n].name != NULL)
		n++;
	return n;
}
