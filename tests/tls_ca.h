/*
 * tls_ca: a throwaway certificate authority for the TLS tests, made with
 * the openssl command in a directory of the test's own:
 *
 *	DIR/ca.pem               the CA certificate (what clients trust)
 *	DIR/server.pem, .key     a server certificate it signed, for
 *	                         127.0.0.1, ::1, localhost and
 *	                         *.preview.localhost (lite_tls.h)
 *	DIR/other.pem            a CA nobody signed anything with
 *
 * Aborts the test when openssl fails.
 */
#ifndef RUNEVAL_TESTS_TLS_CA_H
#define RUNEVAL_TESTS_TLS_CA_H

struct tls_ca {
	char *ca;		/* DIR/ca.pem */
	char *cert;		/* DIR/server.pem */
	char *key;		/* DIR/server.key */
	char *other;		/* DIR/other.pem */
};

void tls_ca_make(struct tls_ca *t, const char *dir);
void tls_ca_release(struct tls_ca *t);

#endif
