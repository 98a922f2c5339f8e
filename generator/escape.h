/* SPDX-License-Identifier: MIT */
/* Escapers: how a value is written in each output format. */
#ifndef MAILCONF_ESCAPE_H
#define MAILCONF_ESCAPE_H

#include "template.h"

/* Precondition for every escaper: the value is valid UTF-8 without control
 * characters (model validation rejects them, with a location). Numbers
 * are written bare; the rc escapers quote every text, so a template never
 * writes quotes around a value. */

/* XML element text and attribute values (and so plists and XHTML):
 * & < > " ' become entities. */
escape_fn escape_xml;
/* JSON: a quoted string with " and \ escaped. */
escape_fn escape_json;
/* fetchmail: "..." with \ doubled and " written \x22 (its lexer ends a
 * quoted string at the first ", escaped or not). */
escape_fn escape_fetchmail;
/* mbsync: "..." with " and \ backslash-escaped. */
escape_fn escape_mbsync;
/* msmtp: "..." around the value as it is: msmtp removes one pair of
 * quotes and knows no escapes. A word of letters, digits and ._@+- is
 * written bare (account names must be). */
escape_fn escape_msmtp;
/* Markdown inline text: ASCII punctuation that could start markup is
 * backslash-escaped. */
escape_fn escape_markdown;
/* Outlook PRF (an INI file): a value runs to the end of the line and has
 * no escapes, so it is written as it is. */
escape_fn escape_prf;

/* Server configuration and zone files: values there are host names,
 * domains and paths that validation restricted to safe characters, so
 * they are written as they are (asserted). */
escape_fn escape_conf;

#endif
