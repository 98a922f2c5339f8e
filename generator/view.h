/* SPDX-License-Identifier: MIT */
/* Model -> the names templates use: flags for enums, lists in preference order,
 * derived fields. */
#ifndef MAILCONF_VIEW_H
#define MAILCONF_VIEW_H

#include "model.h"
#include "value.h"

/* The schema of the root scope; every template is checked against it. */
extern const struct field view_schema[];

/* view_build returns the value tree of m (owned; object_free). */
struct object *view_build(const struct model *m);

#endif
