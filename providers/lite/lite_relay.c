/*
 * lite_relay: requests relayed to a sandbox, byte for byte.
 *
 * The request head is rewritten (target, hop-by-hop headers, credentials
 * meant for the server); the body and the response are streamed as they
 * come, framing tracked by lite_http so that the client connection can be
 * reused.  A 101 answer turns both connections into a tunnel (WebSocket).
 */
#include "lite.h"
#include "lite_creds.h"
#include "lite_srv.h"
#include "lite_tls.h"
#include "lite_unix.h"
#include "rv_alloc.h"
#include "rv_clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

bool lite_preview_host(const char *host, const char *domain, int *port,
		       char *id, size_t size)
{
	size_t n = strcspn(host, ":"), dlen = strlen(domain), idlen;
	const char *dash;
	long p = 0;

	/* "{port}-{id}" "." domain */
	if (n < dlen + 4 || host[n - dlen - 1] != '.' ||
	    strncasecmp(host + n - dlen, domain, dlen))
		return false;
	n -= dlen + 1;
	dash = memchr(host, '-', n);
	if (!dash || dash == host || dash - host > 5)
		return false;
	for (const char *d = host; d < dash; d++) {
		if (!isdigit((unsigned char)*d))
			return false;
		p = p * 10 + (*d - '0');
	}
	idlen = n - (size_t)(dash + 1 - host);
	if (p < 1 || p > 65535 || !idlen || idlen >= size)
		return false;
	for (size_t i = 0; i < idlen; i++) {
		char ch = (char)tolower((unsigned char)dash[1 + i]);

		if (!isalnum((unsigned char)ch) && ch != '-')
			return false;
		id[i] = ch;
	}
	id[idlen] = '\0';
	*port = (int)p;
	return true;
}

bool lite_sandbox_host(const struct lite *l, const char *host, int *port,
		       char *id, size_t size)
{
	const char *d = l->conf->domain;

	if (lite_preview_host(host, d, port, id, size))
		return true;
	if (!strcmp(d, "localhost"))
		return lite_preview_host(host, LITE_TLS_PREVIEW_DOMAIN, port,
					 id, size);
	if (!strcmp(d, LITE_TLS_PREVIEW_DOMAIN))
		return lite_preview_host(host, "localhost", port, id, size);
	return false;
}

/* Does value hold one of secrets (NULL-ended)? */
static bool lite_holds_secret(const char *value, const char *const *secrets)
{
	for (; secrets && *secrets; secrets++)
		if (lite_has_secret(value, *secrets))
			return true;
	return false;
}

/* The request head as the sandbox gets it. */
static void lite_relay_head(const struct lite_conn *c, struct lite_bq *q,
			    const char *target, const char *const *secrets)
{
	const char *up = lite_head_get(&c->head, "upgrade");
	bool upgrade = up && lite_head_has_token(&c->head, "connection",
						 "upgrade");
	const struct lite_face *face = c->srv->l->face;
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "%s %s HTTP/1.1\r\n", c->head.method, target);
	for (size_t i = 0; i < c->head.nhdr; i++) {
		const struct lite_header *h = &c->head.hdr[i];
		char *owned = NULL;
		const char *v;

		/* credentials are the server's, not the sandbox's */
		if (lite_header_is_hop(h->name) ||
		    !strcasecmp(h->name, "expect"))
			continue;
		v = face->relay_header(c, h, &owned);
		if (v && !lite_holds_secret(v, secrets))
			rv_buf_addf(&b, "%s: %s\r\n", h->name, v);
		free(owned);
	}
	if (!lite_head_get(&c->head, "host"))
		rv_buf_adds(&b, "Host: localhost\r\n");
	if (upgrade)
		rv_buf_addf(&b, "Connection: Upgrade\r\nUpgrade: %s\r\n", up);
	else
		rv_buf_adds(&b, "Connection: close\r\n");
	rv_buf_adds(&b, "\r\n");
	lite_bq_add(q, b.data, b.len);
	rv_buf_release(&b);
}

bool lite_relay_port_ready(struct lite_conn *c, const struct lite_sandbox *sb)
{
	struct lite_faults *f = &c->srv->l->conf->faults;

	if (f->preview_502_ms > 0 && rv_now_ns() - sb->started_mono_ns <
	    (uint64_t)f->preview_502_ms * RV_NS_PER_MS) {
		lite_conn_error(c, 502, "simulated bad gateway after start "
				"(%s --fault-preview-502-ms)",
				c->srv->l->face->name);
		return false;
	}
	if (lite_fault_hit(f, f->preview_5xx_rate)) {
		static const int codes[] = { 502, 503, 504 };

		lite_conn_error(c, codes[(int)(lite_fault_uniform(f) * 3) % 3],
				"simulated proxy error (%s "
				"--fault-preview-5xx-rate)",
				c->srv->l->face->name);
		return false;
	}
	return true;
}

void lite_relay_begin(struct lite_conn *c, const char *path, int port,
		      const char *target, const char *const *secrets,
		      const char *what)
{
	struct lite_up *u;
	lws_adopt_desc_t ad;
	int fd = lite_unix_connect(path);

	if (fd < 0) {
		lite_conn_error(c, 502, "cannot reach the %s of the sandbox: "
				"%s", port ? "port forwarder" : what,
				strerror(errno));
		return;
	}
	u = rv_xcalloc(1, sizeof(*u));
	u->kind = LITE_K_UP;
	u->srv = c->srv;
	u->conn = c;
	u->port = port;
	u->rx_on = true;
	u->head_request = !strcmp(c->head.method, "HEAD");
	u->state = port ? LU_HANDSHAKE : LU_HEAD;
	if (port) {
		char line[32];
		int n = snprintf(line, sizeof(line), "CONNECT %d\n", port);

		lite_bq_add(&u->out, line, (size_t)n);
	}
	lite_relay_head(c, port ? &u->pend : &u->out, target, secrets);
	memset(&ad, 0, sizeof(ad));
	ad.vh = c->srv->vh;
	ad.type = LWS_ADOPT_SOCKET;
	ad.fd.sockfd = fd;
	ad.vh_prot_name = "lite";
	ad.opaque = u;
	if (!lws_adopt_descriptor_vhost_via_info(&ad)) {
		lite_bq_release(&u->out);
		lite_bq_release(&u->pend);
		free(u);
		lite_conn_error(c, 502, "cannot relay to the sandbox");
		return;
	}
	c->up = u;
	c->state = LC_RELAY;
	/* nginx's way: answer 100 ourselves, never wait on the sandbox */
	if (!c->body.done && c->head.minor >= 1 &&
	    lite_head_has_token(&c->head, "expect", "100-continue")) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		lite_bq_add(&c->out, cont, sizeof(cont) - 1);
		lite_conn_want_write(c);
	}
	if (u->wsi)
		lws_callback_on_writable(u->wsi);
}
