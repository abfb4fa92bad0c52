/* lite_tls: certificate checks and the TLS vhost (lite_tls.h). */
#include "lite_tls.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* The first OpenSSL error, or what errno says. */
static const char *lite_tls_why(char *buf, size_t size, int saved_errno)
{
	unsigned long e = ERR_get_error();

	if (e) {
		ERR_error_string_n(e, buf, size);
		ERR_clear_error();
		return buf;
	}
	return saved_errno ? strerror(saved_errno) : "not PEM";
}

enum rv_code lite_tls_check(const char *cert, const char *key,
			    struct rv_err *err)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	enum rv_code rc = RV_OK;
	char why[256];
	FILE *f;

	if (!cert && !key)
		return RV_OK;
	if (!cert || !key)
		return rv_errf(err, RV_ERR_USAGE, "'--tls-cert' and "
			       "'--tls-key' go together");
	ERR_clear_error();
	f = fopen(cert, "r");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!x) {
		rc = rv_errf(err, RV_ERR_USAGE, "cannot use TLS certificate "
			     "'%s': %s", cert, lite_tls_why(why, sizeof(why),
							   f ? 0 : errno));
		goto out;
	}
	f = fopen(key, "r");
	if (f) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!k) {
		rc = rv_errf(err, RV_ERR_USAGE, "cannot use TLS key '%s': %s",
			     key, lite_tls_why(why, sizeof(why), f ? 0 : errno));
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		rc = rv_errf(err, RV_ERR_USAGE, "TLS key '%s' does not belong "
			     "to certificate '%s'", key, cert);
	}
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

void lite_tls_apply(struct lws_context_creation_info *info,
		    const char *cert, const char *key)
{
	if (!cert)
		return;
	info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info->ssl_cert_filepath = cert;
	info->ssl_private_key_filepath = key;
	/* the servers speak HTTP/1.1 only: never let ALPN pick h2 */
	info->alpn = "http/1.1";
}

const char *lite_tls_scheme(bool tls, bool websocket)
{
	if (websocket)
		return tls ? "wss" : "ws";
	return tls ? "https" : "http";
}
