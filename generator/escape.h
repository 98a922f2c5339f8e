/* SPDX-License-Identifier: MIT */
/* Escapers: how a value is written in each output format. */
#ifndef MAILCONF_ESCAPE_H
#define MAILCONF_ESCAPE_H

#include "template.h"

/* Precondition for every escaper: the value is valid UTF-8 without control
 * characters (model validation rejects them, with a location). */

/* XML element text and attribute values: & < > " ' become entities. */
escape_fn escape_xml;

#endif
