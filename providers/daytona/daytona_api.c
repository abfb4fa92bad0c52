#include "daytona_api.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct daytona_client {
	char *api_url;
	char *target;
	char *headers[8];	/* NULL-terminated */
	struct rv_http_pool *pool;	/* the provider's, borrowed */
};

struct daytona_client *daytona_client_new(const struct daytona_config *cfg,
					  struct rv_err *err)
{
	bool ne = cfg->no_env;
	const char *url = remote_env(cfg->api_url, "DAYTONA_API_URL", ne);
	const char *key = remote_env(cfg->api_key, "DAYTONA_API_KEY", ne);
	const char *jwt = remote_env(cfg->jwt, "DAYTONA_JWT_TOKEN", ne);
	const char *org = remote_env(cfg->org_id, "DAYTONA_ORGANIZATION_ID", ne);
	const char *target = remote_env(cfg->target, "DAYTONA_TARGET", ne);
	struct daytona_client *c;
	size_t h = 0;

	if (!key && !(jwt && org)) {
		rv_errf(err, RV_ERR_CONFIG,
			"no Daytona credentials: set DAYTONA_API_KEY (or "
			"DAYTONA_JWT_TOKEN with DAYTONA_ORGANIZATION_ID) and "
			"DAYTONA_API_URL (default %s), or add '--lite' to run "
			"against daytona-lite, an offline Daytona on this "
			"machine", DAYTONA_DEFAULT_API_URL);
		return NULL;
	}
	if (!url)
		url = DAYTONA_DEFAULT_API_URL;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		rv_errf(err, RV_ERR_CONFIG, "bad DAYTONA_API_URL '%s': "
			"expected http:// or https://", url);
		return NULL;
	}
	c = rv_xcalloc(1, sizeof(*c));
	c->api_url = remote_url_trim(url);
	c->target = rv_xstrdup(target);
	c->pool = cfg->pool;
	rv_redact_add(key ? key : jwt);
	c->headers[h++] = rv_xasprintf("Authorization: Bearer %s",
				       key ? key : jwt);
	if (!key)
		c->headers[h++] = rv_xasprintf("X-Daytona-Organization-ID: %s",
					       org);
	c->headers[h++] = rv_xstrdup("X-Daytona-Source: " DAYTONA_SOURCE);
	c->headers[h++] = rv_xstrdup("X-Daytona-SDK-Version: "
				     DAYTONA_SDK_VERSION);
	c->headers[h++] = rv_xstrdup("User-Agent: runeval/" RUNEVAL_VERSION);
	c->headers[h] = NULL;
	return c;
}

void daytona_client_free(struct daytona_client *c)
{
	if (!c)
		return;
	for (char **h = c->headers; *h; h++)
		free(*h);
	free(c->api_url);
	free(c->target);
	free(c);
}

const char *daytona_client_api_url(const struct daytona_client *c)
{
	return c->api_url;
}

const char *daytona_client_target(const struct daytona_client *c)
{
	return c->target;
}

struct rv_http_pool *daytona_client_pool(const struct daytona_client *c)
{
	return c->pool;
}

const char *const *daytona_client_headers(const struct daytona_client *c)
{
	return (const char *const *)c->headers;
}

void daytona_sandbox_info_release(struct daytona_sandbox_info *s)
{
	free(s->id);
	free(s->name);
	free(s->state);
	free(s->error_reason);
	free(s->toolbox_proxy_url);
	free(s->job_label);
	memset(s, 0, sizeof(*s));
}

void daytona_sandbox_list_free(struct daytona_sandbox_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		daytona_sandbox_info_release(&v[i]);
	free(v);
}

/* --- requests -------------------------------------------------------- */

enum rv_code daytona_request(struct daytona_client *c,
			     const struct remote_req *r,
			     const struct remote_call *call,
			     uint64_t default_deadline_ms,
			     struct rv_http_response *resp, bool *ambiguous,
			     struct rv_err *err)
{
	struct remote_req rr = *r;

	rr.pool = c->pool;
	return remote_request((const char *const *)c->headers, &rr, call,
			      default_deadline_ms, resp, ambiguous, err);
}
