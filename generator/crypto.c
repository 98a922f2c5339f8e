/* SPDX-License-Identifier: MIT */
/* What needs OpenSSL: name-based UUIDs and CMS signing of Apple profiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "crypto.h"
#include "input.h"
#include "xalloc.h"

/* mailconf's own UUID namespace, 6d61696c-636f-4e66-9a3e-517b2c8044d1
 * ("mailcoNf..."), fixed forever: changing it would change every
 * profile's UUIDs. */
static const unsigned char namespace[16] = {0x6d, 0x61, 0x69, 0x6c, 0x63, 0x6f,
                                            0x4e, 0x66, 0x9a, 0x3e, 0x51, 0x7b,
                                            0x2c, 0x80, 0x44, 0xd1};

char *
crypto_uuid5(const char *name)
{
	/* Fetched once: a view computes two UUIDs for every person. */
	static EVP_MD *sha1;
	static EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *out = xcalloc(37, 1), *o = out;

	if (sha1 == NULL) {
		sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
		ctx = EVP_MD_CTX_new();
	}
	if (sha1 == NULL || ctx == NULL ||
	    EVP_DigestInit_ex(ctx, sha1, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, namespace, sizeof(namespace)) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &n) != 1 || n < 16) {
		fputs("mailconf: SHA-1 is not available\n", stderr);
		abort();
	}
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = "0123456789ABCDEF"[md[i] >> 4];
		*o++ = "0123456789ABCDEF"[md[i] & 15];
	}
	return out;
}

/* no_prompt refuses to ask for a passphrase: mailconf runs in scripts and
 * CI, where OpenSSL's default would wait on the terminal. */
static int
no_prompt(char *buf, int size, int rwflag, void *asked)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)asked = true;
	return -1;
}

static void
ssl_error(struct diag *d, const char *what, const char *path)
{
	unsigned long e = ERR_get_error();
	char msg[256] = "unknown error";

	if (e != 0)
		ERR_error_string_n(e, msg, sizeof(msg));
	diag_error(d, NULL, "signing: cannot %s %s: %s", what, path, msg);
	ERR_clear_error();
}

/* A certificate, a key or a chain is a few kilobytes. */
#define MAX_PEM (1024 * 1024)

/* open_pem reads the PEM file at path into b (through input_read: a FIFO
 * named as a key must not hang the run) and returns a memory BIO over it,
 * which b must outlive; NULL, reported, when it cannot be read. */
static BIO *
open_pem(const char *path, struct buf *b, const char *what, struct diag *d)
{
	const char *why;
	int rc;

	buf_reset(b);
	rc = input_read(b, path, MAX_PEM, 0, &why);
	if (rc != 0) {
		diag_error(d, NULL, "signing: cannot %s %s: %s", what, path,
		           rc == INPUT_TOO_LARGE ? "larger than 1 MiB" : why);
		return NULL;
	}
	return BIO_new_mem_buf(buf_cstr(b), (int)b->len);
}

bool
crypto_sign(struct buf *data, const char *cert_path, const char *key_path,
            const char *chain_path, struct diag *d)
{
	BIO *in = NULL, *out = NULL, *f = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	STACK_OF(X509) *chain = NULL;
	CMS_ContentInfo *cms = NULL;
	BUF_MEM *mem;
	struct buf pem = BUF_INIT;
	bool ok = false, asked = false;

	f = open_pem(cert_path, &pem, "read the certificate", d);
	if (f == NULL)
		goto out;
	if ((cert = PEM_read_bio_X509(f, NULL, NULL, NULL)) == NULL) {
		ssl_error(d, "read the certificate", cert_path);
		goto out;
	}
	BIO_free(f);
	f = open_pem(key_path, &pem, "read the private key in", d);
	if (f == NULL)
		goto out;
	if ((key = PEM_read_bio_PrivateKey(f, NULL, no_prompt, &asked)) ==
	    NULL) {
		if (asked) {
			ERR_clear_error();
			diag_error(
			    d, NULL,
			    "signing: the private key in %s is encrypted; "
			    "give an unencrypted copy (openssl pkey -in "
			    "KEY -out PLAIN), mailconf asks for no "
			    "passphrase",
			    key_path);
		} else
			ssl_error(d, "read the private key in", key_path);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		diag_error(d, NULL,
		           "signing: the key in %s does not belong to the "
		           "certificate in %s",
		           key_path, cert_path);
		goto out;
	}
	chain = sk_X509_new_null();
	if (chain_path != NULL) {
		X509 *c;

		BIO_free(f);
		f = open_pem(chain_path, &pem, "read the chain", d);
		if (f == NULL)
			goto out;
		/* A "fullchain" file starts with the signer itself. */
		while ((c = PEM_read_bio_X509(f, NULL, NULL, NULL)) != NULL)
			if (X509_cmp(c, cert) == 0)
				X509_free(c);
			else
				sk_X509_push(chain, c);
		ERR_clear_error();
		if (sk_X509_num(chain) == 0) {
			diag_error(d, NULL,
			           "signing: %s holds no PEM certificate",
			           chain_path);
			goto out;
		}
	}
	/* CMS_BINARY: the plist is signed byte for byte, no CRLF
	 * canonicalisation. */
	in = BIO_new_mem_buf(data->data, (int)data->len);
	cms = CMS_sign(cert, key, chain, in, CMS_BINARY);
	out = BIO_new(BIO_s_mem());
	if (cms == NULL || out == NULL || i2d_CMS_bio(out, cms) != 1) {
		ssl_error(d, "sign with", cert_path);
		goto out;
	}
	BIO_get_mem_ptr(out, &mem);
	buf_reset(data);
	buf_add(data, mem->data, mem->length);
	ok = true;
out:
	BIO_free(f);
	/* It held the private key. */
	if (pem.data != NULL)
		OPENSSL_cleanse(pem.data, pem.cap);
	buf_free(&pem);
	BIO_free(in);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok;
}
