#include "tls_ca.h"

#include "rv_alloc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run a shell line in dir; abort the test when it fails. */
static void tls_sh(const char *dir, const char *line)
{
	char *cmd = rv_xasprintf("cd '%s' && (%s) >openssl.log 2>&1", dir,
				 line);
	int rc = system(cmd);

	ck_assert_msg(rc == 0, "openssl failed: %s (see %s/openssl.log)",
		      line, dir);
	free(cmd);
}

void tls_ca_make(struct tls_ca *t, const char *dir)
{
	static const char key[] = "-newkey ec -pkeyopt "
		"ec_paramgen_curve:P-256 -nodes";

	memset(t, 0, sizeof(*t));
	{
		char *ca = rv_xasprintf("openssl req -x509 %s -keyout ca.key "
					"-out ca.pem -days 2 -subj "
					"'/CN=runeval test CA'", key);
		char *other = rv_xasprintf("openssl req -x509 %s -keyout "
					   "other.key -out other.pem -days 2 "
					   "-subj '/CN=another CA'", key);
		char *srv = rv_xasprintf("openssl req %s -keyout server.key "
					 "-out server.csr -subj "
					 "'/CN=localhost'", key);

		tls_sh(dir, ca);
		tls_sh(dir, other);
		tls_sh(dir, srv);
		free(ca);
		free(other);
		free(srv);
	}
	tls_sh(dir, "printf 'subjectAltName=DNS:localhost,"
	       "DNS:*.preview.localhost,IP:127.0.0.1,IP:::1\\n"
	       "basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' "
	       "> server.ext && openssl x509 -req -in server.csr -CA ca.pem "
	       "-CAkey ca.key -CAcreateserial -out server.pem -days 2 "
	       "-extfile server.ext");
	t->ca = rv_xasprintf("%s/ca.pem", dir);
	t->cert = rv_xasprintf("%s/server.pem", dir);
	t->key = rv_xasprintf("%s/server.key", dir);
	t->other = rv_xasprintf("%s/other.pem", dir);
}

void tls_ca_release(struct tls_ca *t)
{
	free(t->ca);
	free(t->cert);
	free(t->key);
	free(t->other);
	memset(t, 0, sizeof(*t));
}
