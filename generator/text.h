/* SPDX-License-Identifier: MIT */
/* Small string helpers shared by the front ends: edit distance, UTF-8,
 * character classes. */
#ifndef MAILCONF_TEXT_H
#define MAILCONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Levenshtein distance between a and b, capped at max + 1 (cheaper). */
size_t edit_distance(const char *a, const char *b, size_t max);
/* closest returns the candidate (borrowed) nearest to word within a
 * distance that makes a typo likely, or NULL. cands ends with NULL. */
const char *closest(const char *word, const char *const *cands);
/* utf8_check returns the byte offset of the first invalid UTF-8 sequence
 * (overlong forms, surrogates, U+FFFE, U+FFFF and values over U+10FFFF
 * are invalid), or
 * (size_t)-1 when s[0..n) is valid. */
size_t utf8_check(const char *s, size_t n);
/* utf8_length counts the code points of a valid UTF-8 string. */
size_t utf8_length(const char *s);
/* first_control returns a pointer to the first C0 control character or
 * DEL in s, or NULL. */
const char *first_control(const char *s);

#endif
