#include "llm.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <ctype.h>
#include <curl/curl.h>
#include <string.h>

#define LLM_SUFFIX "/chat/completions"
#define LLM_MAX_RESPONSE (8u << 20)
#define LLM_TICK_MS 100

char *taskapp_llm_endpoint(const char *base)
{
	size_t qpos = strcspn(base, "?#");
	size_t plen = qpos, slen = strlen(LLM_SUFFIX);

	if (plen >= slen && !memcmp(base + plen - slen, LLM_SUFFIX, slen))
		return rv_xstrdup(base);
	while (plen > 0 && base[plen - 1] == '/')
		plen--;
	return rv_xasprintf("%.*s%s%s", (int)plen, base, LLM_SUFFIX,
			    base + qpos);
}

static char *llm_body(const struct taskapp_llm_call *c)
{
	json_t *req = json_pack("{s:s, s:O}", "model", c->model, "messages",
				c->messages);
	char *s;

	if (c->temperature >= 0)
		json_object_set_new(req, "temperature", json_real(c->temperature));
	if (c->max_tokens > 0)
		json_object_set_new(req, "max_tokens", json_integer(c->max_tokens));
	s = rv_json_dumps(req);
	json_decref(req);
	return s;
}

/* Run the transfer on its own multi handle, watching *cancel. */
static enum rv_code llm_perform(const struct rv_http_request *req,
				struct rv_http_response *resp,
				const volatile int *cancel, struct rv_err *err)
{
	struct rv_http_xfer *x = rv_http_xfer_new(req, resp);
	CURLM *multi = curl_multi_init();
	CURLcode cc = CURLE_OK;
	enum rv_code rc;
	int running = 1;

	curl_multi_add_handle(multi, rv_http_xfer_handle(x));
	while (running) {
		CURLMsg *m;
		int left;

		if (cancel && *cancel) {
			rc = rv_errf(err, RV_ERR_INTR, "inference call cancelled");
			goto out;
		}
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(multi, &left)))
			if (m->msg == CURLMSG_DONE)
				cc = m->data.result;
		if (running)
			curl_multi_poll(multi, NULL, 0, LLM_TICK_MS, NULL);
	}
	rc = rv_http_xfer_finish(x, (int)cc, err);
out:
	curl_multi_remove_handle(multi, rv_http_xfer_handle(x));
	curl_multi_cleanup(multi);
	rv_http_xfer_free(x);
	return rc;
}

static enum rv_code llm_parse(const struct rv_http_response *resp,
			      struct taskapp_llm_answer *ans,
			      struct rv_err *err)
{
	struct rv_err perr = RV_ERR_INIT;
	json_t *v, *choice;
	const char *content;
	enum rv_code rc = RV_OK;

	v = rv_json_parse(resp->body.data, resp->body.len, "inference response",
			  &perr);
	if (!v)
		return rv_errf(err, RV_ERR_PROTO, "%s", perr.msg);
	choice = json_array_get(rv_json_path(v, "choices"), 0);
	content = rv_json_str(choice, "message.content");
	if (!content) {
		rc = rv_errf(err, RV_ERR_PROTO, "inference response has no "
			     "choices[0].message.content");
		goto out;
	}
	ans->content = rv_xstrdup(content);
	ans->total_tokens = (long)rv_json_int(v, "usage.total_tokens", -1);
out:
	json_decref(v);
	return rc;
}

enum rv_code taskapp_llm_complete(const struct taskapp_llm_call *call,
				  struct taskapp_llm_answer *ans,
				  struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *body = llm_body(call), *auth = NULL;
	const char *headers[3] = { "Content-Type: application/json" };
	struct rv_http_request req = {
		.url = call->url, .headers = headers, .body = body,
		.body_len = strlen(body), .connect_timeout_ms = 10000,
		.max_response = LLM_MAX_RESPONSE,
	};
	uint64_t now = rv_now_ns();
	enum rv_code rc;

	memset(ans, 0, sizeof(*ans));
	ans->total_tokens = -1;
	if (call->api_key && *call->api_key) {
		auth = rv_xasprintf("Authorization: Bearer %s", call->api_key);
		headers[1] = auth;
	}
	if (call->deadline_ns) {
		if (call->deadline_ns <= now) {
			rc = rv_errf(err, RV_ERR_TIMEOUT, "no time left for the "
				     "inference call");
			goto out;
		}
		req.timeout_ms = (long)((call->deadline_ns - now) / RV_NS_PER_MS) + 1;
	}
	rc = llm_perform(&req, &resp, call->cancel, err);
	ans->elapsed_ns = rv_now_ns() - now;
	if (rc)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		char *text = rv_redact(resp.body.data);

		rc = rv_errf(err, RV_ERR_HTTP, "inference endpoint answered HTTP "
			     "%ld: %.200s", resp.status, text);
		free(text);
		goto out;
	}
	rc = llm_parse(&resp, ans, err);
out:
	rv_http_response_release(&resp);
	free(body);
	free(auth);
	return rc;
}

void taskapp_llm_answer_release(struct taskapp_llm_answer *ans)
{
	free(ans->content);
	ans->content = NULL;
}

static bool llm_is_c_tag(const char *tag, size_t n)
{
	static const char *const tags[] = { "c", "c11", "c99", "c17", "h" };

	for (size_t i = 0; i < sizeof(tags) / sizeof(*tags); i++)
		if (n == strlen(tags[i]) && !strncasecmp(tag, tags[i], n))
			return true;
	return false;
}

char *taskapp_llm_extract_code(const char *answer)
{
	const char *p = answer, *best = NULL, *best_c = NULL;
	size_t best_len = 0, best_c_len = 0;

	while ((p = strstr(p, "```"))) {
		const char *tag = p + 3, *nl = strchr(tag, '\n'), *body, *end;
		size_t taglen;

		if (!nl)
			break;
		taglen = (size_t)(nl - tag);
		while (taglen && isspace((unsigned char)tag[taglen - 1]))
			taglen--;
		body = nl + 1;
		end = strstr(body, "```");
		if (!end)
			end = body + strlen(body);	/* unterminated */
		if (llm_is_c_tag(tag, taglen)) {
			best_c = body;
			best_c_len = (size_t)(end - body);
		}
		best = body;
		best_len = (size_t)(end - body);
		p = *end ? end + 3 : end;
	}
	if (best_c)
		return rv_xstrndup(best_c, best_c_len);
	if (best)
		return rv_xstrndup(best, best_len);
	return rv_xstrdup(answer);
}
