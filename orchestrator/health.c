/* health: the shared health wait (see health.h). */
#include "health.h"

#include "rv_net.h"

#include "mode.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define HEALTH_MAX_INTERVAL_NS (250 * RV_NS_PER_MS)
#define HEALTH_PROBE_BASE_NS (250 * 1000)	/* 0.25 ms */
#define HEALTH_MAX_PROBE_NS (10 * RV_NS_PER_MS)
#define HEALTH_ATTEMPT_TIMEOUT_MS 5000L
/* through a remote preview: every request is a round trip through the
   provider's proxy, so wait half the time waited so far (5 ms to 1 s) */
#define HEALTH_REMOTE_MIN_NS (5 * RV_NS_PER_MS)
#define HEALTH_REMOTE_MAX_NS RV_NS_PER_SEC

struct health_ctx {
	struct mode_app *app;
	struct health_wait *hw;
	CURLM *multi;
	const char **headers;
	char *url;
	uint64_t deadline;
	struct sockaddr_in probe;	/* loopback address, or port 0 */
	char last[300];			/* the last "not yet" answer */
};

void health_wait_release(struct health_wait *hw)
{
	free(hw->log_tail);
	hw->log_tail = NULL;
}

static bool health_cancelled(const struct health_ctx *c)
{
	return c->hw->cancel && *c->hw->cancel;
}

/* Run one request on the multi handle, waking up for a cancel. */
static enum rv_code health_fetch(struct health_ctx *c,
				 struct rv_http_response *resp,
				 struct rv_err *err)
{
	uint64_t now = rv_now_ns();
	long left = (long)((c->deadline - now) / RV_NS_PER_MS) + 1;
	struct rv_http_request req = {
		.url = c->url, .headers = c->headers,
		.timeout_ms = left < HEALTH_ATTEMPT_TIMEOUT_MS ? left :
			HEALTH_ATTEMPT_TIMEOUT_MS,
		.max_response = 1 << 20,
		.pool = c->app->preview.pool,
	};
	struct rv_http_xfer *x = rv_http_xfer_new(&req, resp);
	struct curl_waitfd wfd = { .fd = c->hw->wake_fd,
				   .events = CURL_WAIT_POLLIN };
	CURLcode cc = CURLE_ABORTED_BY_CALLBACK;
	enum rv_code rc;
	CURLMsg *msg;
	int running = 1, left_msgs;

	curl_multi_add_handle(c->multi, rv_http_xfer_handle(x));
	while (running && !health_cancelled(c)) {
		curl_multi_perform(c->multi, &running);
		if (running)
			curl_multi_poll(c->multi, wfd.fd >= 0 ? &wfd : NULL,
					wfd.fd >= 0 ? 1 : 0, 100, NULL);
	}
	while ((msg = curl_multi_info_read(c->multi, &left_msgs)))
		if (msg->msg == CURLMSG_DONE)
			cc = msg->data.result;
	curl_multi_remove_handle(c->multi, rv_http_xfer_handle(x));
	if (running)
		rc = rv_errf(err, RV_ERR_INTR, "interrupted");
	else
		rc = rv_http_xfer_finish(x, (int)cc, err);
	rv_http_xfer_free(x);
	return rc;
}

/* Is the app's process gone?  Then fill err and hw->log_tail. */
static bool health_app_exited(struct health_ctx *c, struct rv_err *err)
{
	struct provider_proc_status st;

	if (!mode_app_exited(c->app, &st, HEALTH_LOG_TAIL_BYTES,
			     &c->hw->log_tail))
		return false;
	if (st.term_signal)
		rv_errf(err, RV_ERR_CHILD, "task app was killed by signal %d%s",
			st.term_signal, c->hw->recheck ? "" :
			" before it became healthy");
	else
		rv_errf(err, RV_ERR_CHILD, "task app exited with status %d%s",
			st.exit_code, c->hw->recheck ? "" :
			" before it became healthy");
	return true;
}

static bool health_unauthorised(const struct rv_http_response *resp)
{
	if (resp->status == 401 || resp->status == 403)
		return true;
	return resp->status == 400 &&
		(strstr(resp->body.data, "unauthorised") ||
		 strstr(resp->body.data, "unauthorized"));
}

/* Is the app on this host (the loopback address, probed by connect)? */
static bool health_local(const struct health_ctx *c)
{
	return c->probe.sin_port != 0;
}

/*
 * How long to wait before the next look, given the time waited so far:
 * on this host, a refused connect probe is cheap (0.25 ms + 0.4%, at
 * most 10 ms), and so is an HTTP request (1 ms + 2%, at most 250 ms);
 * through a remote preview, half the time waited (5 ms to 1 s), so that
 * an app that takes a while costs a dozen probes, not a hundred.
 */
static uint64_t health_interval(const struct health_ctx *c, bool refused,
				uint64_t waited)
{
	uint64_t nap;

	if (!health_local(c)) {
		nap = waited / 2;
		if (nap < HEALTH_REMOTE_MIN_NS)
			nap = HEALTH_REMOTE_MIN_NS;
		return nap > HEALTH_REMOTE_MAX_NS ? HEALTH_REMOTE_MAX_NS : nap;
	}
	if (refused) {
		nap = HEALTH_PROBE_BASE_NS + waited / 250;
		return nap > HEALTH_MAX_PROBE_NS ? HEALTH_MAX_PROBE_NS : nap;
	}
	nap = RV_NS_PER_MS + waited / 50;
	return nap > HEALTH_MAX_INTERVAL_NS ? HEALTH_MAX_INTERVAL_NS : nap;
}

/*
 * For http://127.0.0.1:PORT a plain connect() tells "nothing listens
 * yet" for a few microseconds, so the wait can look every quarter of a
 * millisecond without an HTTP request each time.
 */
static void health_probe_init(struct health_ctx *c)
{
	const char *p = c->app->preview.url;
	static const char pre[] = "http://127.0.0.1:";

	memset(&c->probe, 0, sizeof(c->probe));
	if (strncmp(p, pre, sizeof(pre) - 1))
		return;
	c->probe.sin_family = AF_INET;
	c->probe.sin_port = htons((unsigned short)atoi(p + sizeof(pre) - 1));
	c->probe.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* false only when the port certainly refuses connections. */
static bool health_port_open(struct health_ctx *c)
{
	if (!c->probe.sin_port)
		return true;
	return rv_net_connect_probe((struct sockaddr *)&c->probe,
				    sizeof(c->probe), 200) != RV_NET_REFUSED;
}

/*
 * One attempt: RV_OK when healthy, RV_ERR_AGAIN when not yet, anything
 * else is final.
 */
static enum rv_code health_attempt(struct health_ctx *c, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;

	c->hw->attempts++;
	rc = health_fetch(c, &resp, &e);
	if (rc == RV_ERR_INTR) {
		rv_errf(err, rc, "interrupted while waiting for the task app");
	} else if (rc != RV_OK) {
		/* an attempt cut short by the deadline says nothing new */
		if (rc != RV_ERR_TIMEOUT || rv_now_ns() < c->deadline)
			snprintf(c->last, sizeof(c->last), "%s", resp.error);
		rc = RV_ERR_AGAIN;
	} else if (health_unauthorised(&resp)) {
		rc = rv_errf(err, RV_ERR_AUTH, "task app rejected the key "
			     "(HTTP %ld unauthorised): it expects a different "
			     "ENVIRONMENT_API_KEY", resp.status);
	} else if (resp.status == 503 && strstr(resp.body.data,
						"missing_environment_api_key")) {
		/* it will not get one by waiting */
		rc = rv_errf(err, RV_ERR_AUTH, "task app has no key (HTTP 503 "
			     "missing_environment_api_key): ENVIRONMENT_API_KEY "
			     "did not reach it; does its start command keep "
			     "its environment?");
	} else if (resp.status != 200) {
		snprintf(c->last, sizeof(c->last), "HTTP %ld", resp.status);
		rc = RV_ERR_AGAIN;
	}
	rv_debug("health attempt %u: %s", c->hw->attempts,
		 rc == RV_OK ? "200" : rc == RV_ERR_AGAIN ? c->last : err->msg);
	rv_http_response_release(&resp);
	return rc;
}

/* Sleep ns, or less when the wake fd becomes readable. */
static void health_nap(struct health_ctx *c, uint64_t ns)
{
	struct pollfd p = { .fd = c->hw->wake_fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(ns / RV_NS_PER_SEC),
			       .tv_nsec = (long)(ns % RV_NS_PER_SEC) };

	if (p.fd >= 0)
		ppoll(&p, 1, &ts, NULL);
	else
		rv_sleep_ns(ns, c->hw->cancel);
}

static enum rv_code health_loop(struct health_ctx *c, struct rv_err *err)
{
	uint64_t start = rv_now_ns();
	enum rv_code rc;

	for (;;) {
		uint64_t now, nap;
		bool refused;

		if (health_cancelled(c))
			return rv_errf(err, RV_ERR_INTR,
				       "interrupted while waiting for the task app");
		if (health_app_exited(c, err))
			return RV_ERR_CHILD;
		refused = !health_port_open(c);
		if (refused) {
			c->hw->attempts++;
			snprintf(c->last, sizeof(c->last), "connection refused");
			rc = RV_ERR_AGAIN;
		} else {
			rc = health_attempt(c, err);
		}
		if (rc == RV_OK)
			/* the answer must come from our process */
			return health_app_exited(c, err) ? RV_ERR_CHILD : RV_OK;
		if (rc != RV_ERR_AGAIN)
			return rc;
		now = rv_now_ns();
		if (now >= c->deadline)
			return rv_errf(err, RV_ERR_TIMEOUT, "task app not healthy "
				       "after %.1f s (%u attempts; last: %s)",
				       (double)c->hw->timeout_ms / 1000.0,
				       c->hw->attempts, c->last);
		nap = health_interval(c, refused, now - start);
		if (nap > c->deadline - now)
			nap = c->deadline - now;
		health_nap(c, nap);
	}
}

enum rv_code health_wait(struct mode_app *app, void *arg, struct rv_err *err)
{
	struct health_wait *hw = arg;
	struct health_ctx c = { .app = app, .hw = hw };
	char *key_header = NULL;
	size_t n = 0, i = 0;
	enum rv_code rc;

	if (!app->preview.url)
		return rv_errf(err, RV_ERR_INTERNAL, "health: no preview URL");
	while (app->preview.headers && app->preview.headers[n])
		n++;
	c.headers = rv_xcalloc(n + 2, sizeof(*c.headers));
	if (hw->api_key) {
		key_header = rv_xasprintf("X-API-Key: %s", hw->api_key);
		c.headers[i++] = key_header;
	}
	for (size_t j = 0; j < n; j++)
		c.headers[i++] = app->preview.headers[j];
	c.url = rv_xasprintf("%s/health", app->preview.url);
	c.deadline = rv_now_ns() + (uint64_t)hw->timeout_ms * RV_NS_PER_MS;
	c.multi = curl_multi_init();
	health_probe_init(&c);
	snprintf(c.last, sizeof(c.last), "no answer");
	hw->attempts = 0;
	rc = health_loop(&c, err);
	app->attempts = hw->attempts;
	curl_multi_cleanup(c.multi);
	free(c.url);
	free(c.headers);
	free(key_header);
	return rc;
}
