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
    {.name = "autodiscover",
     .template = "autodiscover.xml.mustache",
     .output = "autodiscover.xml",
     .escape = escape_xml,
     .check = xml_check,
     .mode = 0644,
     .help = "Outlook Autodiscover (POX) response, to serve over HTTPS"},
    {.name = "autodiscover-json",
     .template = "autodiscover.json.mustache",
     .output = "autodiscover.json",
     .escape = escape_json,
     .mode = 0644,
     .help = "Autodiscover v2 pointer to the POX response"},
    {.name = "outlook-prf",
     .template = "outlook.prf.mustache",
     .output = "outlook.prf",
     .escape = escape_prf,
     .finish = finish_cp1252_crlf,
     .mode = 0644,
     .per_user = true,
     .help = "classic Outlook profile (outlook.exe /importprf), best effort"},
    {.name = "fetchmail",
     .template = "fetchmail.rc.mustache",
     .output = "fetchmailrc",
     .escape = escape_fetchmail,
     .mode = 0600,
     .per_user = true,
     .install = ".fetchmailrc",
     .needs = "fetch",
     .needs_why = "the spec has no incoming server (of the protocol "
                  "--incoming names) with a sign-in method fetchmail 6.4 "
                  "has: it has no OAuth2",
     .help = "fetchmail 6.4 run control file (~/.fetchmailrc)"},
    {.name = "mbsync",
     .template = "mbsync.rc.mustache",
     .output = "mbsyncrc",
     .escape = escape_mbsync,
     .check = check_mbsync_lines,
     .mode = 0600,
     .per_user = true,
     .install = ".mbsyncrc",
     .maildir = true,
     .needs = "imap_primary",
     .needs_why = "mbsync speaks only IMAP and the spec has no [imap] server",
     .help = "mbsync (isync 1.4/1.5) configuration (~/.mbsyncrc)"},
    {.name = "msmtp",
     .template = "msmtp.rc.mustache",
     .output = "msmtprc",
     .escape = escape_msmtp,
     .check = check_msmtp_lines,
     .mode = 0600,
     .per_user = true,
     .install = ".msmtprc",
     .help = "msmtp 1.8 configuration (~/.msmtprc)"},
    {.name = "checklist",
     .template = "checklist.%s.md.mustache",
     .output = "checklist.md",
     .escape = escape_markdown,
     .mode = 0644,
     .help = "settings and steps for people, Markdown (--lang en|ja)"},
    {.name = "checklist-html",
     .template = "checklist.%s.html.mustache",
     .output = "checklist.html",
     .escape = escape_xml,
     .check = xml_check,
     .mode = 0644,
     .help = "the checklist as one printable HTML page (--lang en|ja)"},
    {.name = "apple",
     .template = "apple.mobileconfig.mustache",
     .output = "mail.mobileconfig",
     .escape = escape_xml,
     .check = xml_check,
     .finish = finish_sign,
     .mode = 0644,
     .apple_ids = true,
     .help = "Apple configuration profile (com.apple.mail.managed), "
             "signed with --sign-cert"},
    {.name = NULL},
};

size_t
target_count(void)
{
	size_t n = 0;

	while (targets[n].name != NULL)
		n++;
	return n;
}

const struct target *
target_find(const char *name)
{
	for (const struct target *t = targets; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
