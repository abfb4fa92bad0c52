/*
 * lite_relay: requests relayed to a sandbox, byte for byte.
 *
 * The request head is rewritten (target, hop-by-hop headers, credentials
 * meant for daytona-lite); the body and the response are streamed as they
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
#include <unistd.h>

bool lite_preview_host(const char *host, int *port, char *id, size_t size)
{
	static const char suffix[] = ".localhost";
	static const char deeper[] = "." LITE_TLS_PREVIEW_DOMAIN;
	size_t n = strcspn(host, ":"), idlen;
	const char *dash;
	long p = 0;

	/* {port}-{id}.preview.localhost (TLS) or {port}-{id}.localhost */
	if (n >= sizeof(deeper) + 2 && !strncasecmp(host + n -
						    sizeof(deeper) + 1,
						    deeper, sizeof(deeper) - 1))
		n -= sizeof(deeper) - 1;
	else if (n >= sizeof(suffix) + 2 &&
		 !strncasecmp(host + n - sizeof(suffix) + 1, suffix,
			      sizeof(suffix) - 1))
		n -= sizeof(suffix) - 1;
	else
		return false;
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

/* Does the request carry the sandbox's preview token? */
static bool lite_has_token(const struct lite_conn *c,
			   const struct lite_sandbox *sb)
{
	const char *v = lite_head_get(&c->head, "x-daytona-preview-token");
	const char *q = strchr(c->head.target, '?');
	const char *cookie = lite_head_get(&c->head, "cookie");
	bool ok = v && lite_secret_eq(v, strlen(v), sb->token);

	if (!ok && q) {
		char *k = lite_query_get(q + 1, LITE_TOKEN_PARAM);

		ok = k && lite_secret_eq(k, strlen(k), sb->token);
		free(k);
	}
	if (!ok && cookie) {
		char *name = rv_xasprintf(LITE_TOKEN_COOKIE "%s", sb->id);
		size_t n = 0;
		const char *at = lite_cookie_get(cookie, name, &n);

		ok = at && lite_secret_eq(at, n, sb->token);
		free(name);
	}
	return ok;
}

static bool lite_relay_auth(const struct lite_conn *c,
			    const struct lite_sandbox *sb, bool preview)
{
	size_t klen = 0;
	const char *key = lite_conn_bearer(c, &klen);

	if (key && lite_secret_eq(key, klen, c->srv->l->conf->api_key))
		return true;
	if (preview && sb->is_public)
		return true;
	return lite_has_token(c, sb);
}

/*
 * Is header h daytona-lite's own business, never the sandbox's?  The
 * credentials that open the relay (Authorization, whatever it holds; the
 * preview token as header, and anything holding the API key or the
 * token), and what a proxy never forwards.
 */
static bool lite_relay_drops(const struct lite_header *h, const char *key,
			     const char *token)
{
	return lite_header_is_hop(h->name) || !strcasecmp(h->name, "expect") ||
		!strcasecmp(h->name, "authorization") ||
		!strcasecmp(h->name, "proxy-authorization") ||
		!strcasecmp(h->name, "x-daytona-preview-token") ||
		lite_has_secret(h->value, key) ||
		lite_has_secret(h->value, token);
}

/* The request head as the sandbox gets it. */
static void lite_relay_head(const struct lite_conn *c, struct lite_bq *q,
			    const char *target, const char *token)
{
	const char *up = lite_head_get(&c->head, "upgrade");
	bool upgrade = up && lite_head_has_token(&c->head, "connection",
						 "upgrade");
	const char *key = c->srv->l->conf->api_key;
	char *clean = lite_target_without_param(target, LITE_TOKEN_PARAM);
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "%s %s HTTP/1.1\r\n", c->head.method, clean);
	for (size_t i = 0; i < c->head.nhdr; i++) {
		struct lite_header h = c->head.hdr[i];
		char *cookies = NULL;

		/* the preview token's cookies stay here, the app's go on */
		if (!strcasecmp(h.name, "cookie"))
			h.value = cookies =
				lite_cookie_without(h.value, LITE_TOKEN_COOKIE);
		if (h.value && !lite_relay_drops(&h, key, token))
			rv_buf_addf(&b, "%s: %s\r\n", h.name, h.value);
		free(cookies);
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
	free(clean);
}

/* Which answer a sandbox in state st gives instead of relaying. */
static int lite_state_status(enum lite_state st)
{
	return st == LITE_CREATING || st == LITE_STARTING ||
		st == LITE_RESTORING ? 503 : 409;
}

/*
 * Check the sandbox and find its socket; NULL after answering c.  token
 * gets the sandbox's preview token (to keep it from the sandbox).
 */
static char *lite_relay_check(struct lite_conn *c, const char *id, int port,
			      char token[LITE_TOKEN_LEN + 1])
{
	struct lite *l = c->srv->l;
	struct lite_faults *f = &l->conf->faults;
	struct lite_sandbox *sb;
	char *path = NULL;

	bool is_signed = false;

	lite_store_lock(l->store);
	sb = lite_store_find(l->store, id);
	if (!sb && port) {
		/* {port}-{signed token}.localhost needs no credentials */
		sb = lite_store_find_signed(l->store, id, port);
		is_signed = sb != NULL;
	}
	if (!sb) {
		lite_conn_error(c, 404, "Sandbox with ID or name %s not found",
				id);
	} else if (!is_signed && !lite_relay_auth(c, sb, port > 0)) {
		lite_conn_error(c, 401, "Unauthorized: send the API key as "
				"a Bearer token%s", port ? " or the preview "
				"token as X-Daytona-Preview-Token" : "");
	} else if (sb->state != LITE_STARTED) {
		lite_conn_error(c, lite_state_status(sb->state), "Sandbox %s "
				"is not running (state '%s')", sb->id,
				lite_state_name(sb->state));
	} else if (port && f->preview_502_ms > 0 &&
		   rv_now_ns() - sb->started_mono_ns <
		   (uint64_t)f->preview_502_ms * RV_NS_PER_MS) {
		lite_conn_error(c, 502, "simulated bad gateway after start "
				"(daytona-lite --fault-preview-502-ms)");
	} else if (port && lite_fault_hit(f, f->preview_5xx_rate)) {
		static const int codes[] = { 502, 503, 504 };

		lite_conn_error(c, codes[(int)(lite_fault_uniform(f) * 3) % 3],
				"simulated proxy error (daytona-lite "
				"--fault-preview-5xx-rate)");
	} else {
		const char *skip = lite_head_get(&c->head, "x-daytona-skip-"
						 "last-activity-update");

		if (!skip || strcasecmp(skip, "true"))
			lite_life_touch(sb);
		path = lite_box_socket(&l->box, sb->id, port > 0);
		memcpy(token, sb->token, LITE_TOKEN_LEN + 1);
	}
	lite_store_unlock(l->store);
	return path;
}

static void lite_relay_begin(struct lite_conn *c, const char *id,
			     const char *target, int port)
{
	char token[LITE_TOKEN_LEN + 1] = "";
	char *path = lite_relay_check(c, id, port, token);
	struct lite_up *u;
	lws_adopt_desc_t ad;
	int fd;

	if (!path)
		return;
	fd = lite_unix_connect(path);
	free(path);
	if (fd < 0) {
		lite_conn_error(c, 502, "cannot reach the %s of sandbox %s: %s",
				port ? "port forwarder" : "toolbox", id,
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
	lite_relay_head(c, port ? &u->pend : &u->out, target, token);
	memset(&ad, 0, sizeof(ad));
	ad.vh = c->srv->vh;
	ad.type = LWS_ADOPT_SOCKET;
	ad.fd.sockfd = fd;
	ad.vh_prot_name = "daytona-lite";
	ad.opaque = u;
	if (!lws_adopt_descriptor_vhost_via_info(&ad)) {
		lite_bq_release(&u->out);
		lite_bq_release(&u->pend);
		free(u);
		lite_conn_error(c, 502, "cannot relay to sandbox %s", id);
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

void lite_relay_toolbox(struct lite_conn *c)
{
	const char *p = c->head.target + strlen("/toolbox/");
	size_t n = strcspn(p, "/?");
	char *id = lite_pct_decode(p, n, false);
	char *target = rv_xasprintf("%s%s", p[n] == '/' ? "" : "/", p + n);

	if (!n || strlen(id) >= LITE_ID_MAX)
		lite_conn_error(c, 404, "Sandbox with ID or name %s not found",
				id);
	else
		lite_relay_begin(c, id, target, 0);
	free(id);
	free(target);
}

void lite_relay_preview(struct lite_conn *c, int port, const char *id)
{
	lite_relay_begin(c, id, c->head.target, port);
}
