/*
 * lite_creds: the credentials a request to an offline server (daytona-
 * lite, e2b-lite) carries, read strictly and scrubbed before a request is
 * relayed into a sandbox.
 *
 * Pure functions over strings (no I/O, no state).  Returned strings are
 * malloc'ed; pointers into an argument are borrowed from it.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_CREDS_H
#define RUNEVAL_PROVIDERS_LITE_LITE_CREDS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The token of an Authorization header value "Bearer <token>": the
 * scheme in any case, exactly one space, and a token of one or more
 * visible ASCII characters with nothing after it (RFC 6750 2.1; the
 * header parser has trimmed the value).  NULL when value is anything
 * else; *len is the token's length.
 */
const char *lite_bearer_token(const char *value, size_t *len);

/*
 * The value of cookie name in a Cookie header value ("a=1; b=2"), or
 * NULL; *len is its length.
 */
const char *lite_cookie_get(const char *cookies, const char *name,
			    size_t *len);

/*
 * cookies without every cookie whose name starts with prefix; NULL when
 * none is left (drop the header then).
 */
char *lite_cookie_without(const char *cookies, const char *prefix);

/*
 * target ("/path?a=1&b=2") without every query parameter whose name,
 * percent-decoded, is name in any case; the '?' goes too when nothing is
 * left.
 */
char *lite_target_without_param(const char *target, const char *name);

/*
 * Does value contain secret?  Only secrets of 8 characters or more are
 * looked for (a shorter one would match too much by chance).
 */
bool lite_has_secret(const char *value, const char *secret);

#endif
