/*
 * lite_tls: HTTPS (and wss) for the offline servers (daytona-lite,
 * e2b-lite), which serve plain HTTP unless given a certificate.
 *
 *	rc = lite_tls_check(conf->tls_cert, conf->tls_key, err);
 *	...
 *	lite_tls_apply(&info, conf->tls_cert, conf->tls_key);
 *	url = rv_xasprintf("%s://%s:%d/api", lite_tls_scheme(tls, false), ...);
 *
 * lite_tls_check() is called once at start-up, before the server
 * listens: it loads the certificate (PEM, chain allowed) and the private
 * key with OpenSSL and checks that they belong together, so a wrong
 * file is a one-line usage error, not a handshake that fails later.
 * lite_tls_apply() turns the listening vhost into a TLS one
 * (libwebsockets then encrypts every accepted connection, raw ones too;
 * what the server reads and writes stays plain).
 *
 * A certificate for loopback names 127.0.0.1, ::1, localhost and
 * *.LITE_TLS_PREVIEW_DOMAIN: a TLS client refuses a wildcard directly
 * under a top-level name such as *.localhost, so previews served over
 * TLS are https://{port}-{id}.preview.localhost:PORT (clients such as
 * libcurl resolve every *.localhost name to loopback themselves).
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_TLS_H
#define RUNEVAL_PROVIDERS_LITE_LITE_TLS_H

#include <stdbool.h>

#include "rv_err.h"

struct lws_context_creation_info;

#define LITE_TLS_PREVIEW_DOMAIN "preview.localhost"

/*
 * Both NULL: plain HTTP, RV_OK.  Only one of them, a file that cannot be
 * read, a certificate or key that is not PEM, or a key that is not the
 * certificate's: RV_ERR_USAGE naming the file and the reason.
 */
enum rv_code lite_tls_check(const char *cert, const char *key,
			    struct rv_err *err);

/* Serve TLS with cert and key (checked); nothing when cert is NULL. */
void lite_tls_apply(struct lws_context_creation_info *info,
		    const char *cert, const char *key);

/* "https"/"http", or "wss"/"ws" for a WebSocket URL. */
const char *lite_tls_scheme(bool tls, bool websocket);

#endif
