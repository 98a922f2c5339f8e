/* SPDX-License-Identifier: MIT */
/* What the fuzz harnesses share: every target rendered over a model, with its
 * checks as oracles. */
#ifndef MAILCONF_FUZZ_H
#define MAILCONF_FUZZ_H

#include "diag.h"
#include "model.h"
#include "spec.h"

/* fuzz_render_all renders every target of m (with and without a person)
 * and aborts when a rendered XML file does not re-parse or an rc value
 * does not read back: what validation accepted, every format must carry. */
void fuzz_render_all(const struct model *m);

#endif
