#include "llm.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_dl.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
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

/*
 * libcurl is loaded when the llm policy first calls a model: the other
 * policies never need it, and the bundle (scripts/make-bundle.sh) leaves
 * out libcurl and the twenty-odd libraries it pulls in (15 MB of 20).
 * An image without it fails the llm rollout with the reason.
 */
#define LLM_CURL_FUNCS(X) \
	X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) \
	X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_strerror) \
	X(curl_slist_append) X(curl_slist_free_all) X(curl_multi_init) \
	X(curl_multi_add_handle) X(curl_multi_perform) \
	X(curl_multi_info_read) X(curl_multi_poll) \
	X(curl_multi_remove_handle) X(curl_multi_cleanup)

LLM_CURL_FUNCS(RV_DL_DECLARE)

static const struct rv_dl_sym llm_curl_syms[] = {
	LLM_CURL_FUNCS(RV_DL_ENTRY)
};

static struct rv_dl_lib llm_curl =
	RV_DL_LIB("libcurl.so.4", "libcurl4", llm_curl_syms);
static pthread_once_t llm_curl_once = PTHREAD_ONCE_INIT;

static void llm_curl_init(void)
{
	sym_curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct llm_resp {
	long status;
	struct rv_buf body;
	bool overflow;
};

static size_t llm_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct llm_resp *r = arg;

	if (r->body.len + size * n > LLM_MAX_RESPONSE) {
		r->overflow = true;
		return 0;
	}
	rv_buf_add(&r->body, data, size * n);
	return size * n;
}

/* The easy handle of one POST; *hl gets its header list. */
static CURL *llm_easy(const char *url, const char *const *headers,
		      const char *body, long timeout_ms, struct llm_resp *r,
		      char *errbuf, struct curl_slist **hl)
{
	CURL *e = sym_curl_easy_init();

	if (!e)
		rv_bug("curl_easy_init failed");
	*hl = sym_curl_slist_append(NULL, "Expect:");
	for (const char *const *h = headers; *h; h++)
		*hl = sym_curl_slist_append(*hl, *h);
	sym_curl_easy_setopt(e, CURLOPT_URL, url);
	sym_curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	sym_curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hl);
	sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			     (curl_off_t)strlen(body));
	sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	sym_curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, llm_on_body);
	sym_curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	sym_curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	if (timeout_ms > 0)
		sym_curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	return e;
}

static enum rv_code llm_curl_error(CURLcode cc, const char *why,
				   bool overflow, struct rv_err *err)
{
	enum rv_code rc = RV_ERR_HTTP;

	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    cc == CURLE_COULDNT_RESOLVE_PROXY)
		rc = RV_ERR_CONNECT;
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		rc = RV_ERR_TIMEOUT;
	else if (cc == CURLE_WRITE_ERROR && overflow)
		return rv_errf(err, RV_ERR_LIMIT, "inference response larger "
			       "than %u bytes", LLM_MAX_RESPONSE);
	return rv_errf(err, rc, "inference call failed: %s", why);
}

/* POST body to url on its own multi handle, watching *cancel. */
static enum rv_code llm_perform(const char *url, const char *const *headers,
				const char *body, long timeout_ms,
				struct llm_resp *r, const volatile int *cancel,
				struct rv_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hl = NULL;
	CURLcode cc = CURLE_OK;
	enum rv_code rc;
	CURLM *multi;
	CURL *e;
	int running = 1;

	rc = rv_dl_load(&llm_curl, "the llm policy's inference calls", err);
	if (rc != RV_OK)
		return rc;
	pthread_once(&llm_curl_once, llm_curl_init);
	e = llm_easy(url, headers, body, timeout_ms, r, errbuf, &hl);
	multi = sym_curl_multi_init();
	sym_curl_multi_add_handle(multi, e);
	while (running) {
		CURLMsg *m;
		int left;

		if (cancel && *cancel) {
			rc = rv_errf(err, RV_ERR_INTR, "inference call cancelled");
			goto out;
		}
		if (sym_curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		while ((m = sym_curl_multi_info_read(multi, &left)))
			if (m->msg == CURLMSG_DONE)
				cc = m->data.result;
		if (running)
			sym_curl_multi_poll(multi, NULL, 0, LLM_TICK_MS, NULL);
	}
	sym_curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc != CURLE_OK)
		rc = llm_curl_error(cc, errbuf[0] ? errbuf :
				    sym_curl_easy_strerror(cc), r->overflow,
				    err);
out:
	sym_curl_multi_remove_handle(multi, e);
	sym_curl_multi_cleanup(multi);
	sym_curl_easy_cleanup(e);
	sym_curl_slist_free_all(hl);
	return rc;
}

static enum rv_code llm_parse(const struct llm_resp *resp,
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
	struct llm_resp resp = { 0, RV_BUF_INIT, false };
	char *body = llm_body(call), *auth = NULL;
	const char *headers[3] = { "Content-Type: application/json" };
	long timeout_ms = 0;
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
		timeout_ms = (long)((call->deadline_ns - now) / RV_NS_PER_MS) + 1;
	}
	rc = llm_perform(call->url, headers, body, timeout_ms, &resp,
			 call->cancel, err);
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
	rv_buf_release(&resp.body);
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
