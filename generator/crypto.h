/* SPDX-License-Identifier: MIT */
/* What needs OpenSSL: name-based UUIDs and CMS signing of Apple profiles. */
#ifndef MAILCONF_CRYPTO_H
#define MAILCONF_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* crypto_uuid5 returns the RFC 4122 version 5 UUID of name in mailconf's
 * namespace, upper case as Apple writes them (owned). The same name gives
 * the same UUID, so re-running gives byte-identical profiles. */
char *crypto_uuid5(const char *name);

/* crypto_sign replaces data with a DER CMS SignedData that embeds it,
 * signed with the certificate and key in the PEM files cert and key, and
 * carrying the certificates in the PEM file chain (may be NULL). Problems
 * are reported to d; false then, and data is unchanged. */
bool crypto_sign(struct buf *data, const char *cert, const char *key,
                 const char *chain, struct diag *d);

#endif
