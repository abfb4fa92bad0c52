#include "llm_stub.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does request i carry the expected key (or is none expected)? */
static bool stub_authorised(const struct llm_stub *s, int i)
{
	return !s->expect_auth || (s->auths[i] &&
				   !strcmp(s->auths[i], s->expect_auth));
}

static char *stub_answer(struct llm_stub *s, int i)
{
	const char *content;
	json_t *v;
	char *out;

	if (!stub_authorised(s, i))
		return rv_xstrdup("{\"error\":{\"message\":\"Incorrect API key "
				  "provided\",\"type\":\"invalid_request_error\","
				  "\"code\":\"invalid_api_key\"}}");
	if (s->raw_body)
		return rv_xstrdup(s->raw_body);
	if (s->reply_for)
		content = s->reply_for(s->bodies[i], s->reply_arg);
	else
		content = s->nreplies ? s->replies[i < s->nreplies ? i :
						   s->nreplies - 1] : "";
	v = json_pack("{s:s, s:s, s:[{s:i, s:{s:s, s:s}, s:s}], "
		      "s:{s:i, s:i, s:i}}", "id", "chatcmpl-stub",
		      "object", "chat.completion", "choices", "index", 0,
		      "message", "role", "assistant", "content", content,
		      "finish_reason", "stop", "usage", "prompt_tokens", 11,
		      "completion_tokens", 22, "total_tokens", 33);
	out = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return out;
}

static void stub_serve(int fd, void *arg)
{
	struct llm_stub *s = arg;
	struct rv_buf req = RV_BUF_INIT;
	size_t body_at = 0;
	int i = s->nrequests;
	char *answer, *head;

	if (!stub_http_read(fd, &req, &body_at) || i >= LLM_STUB_MAX)
		goto out;
	/* "POST /path HTTP/1.1" */
	{
		const char *sp = strchr(req.data, ' ');
		size_t n = sp ? strcspn(sp + 1, " ") : 0;

		s->paths[i] = sp ? rv_xstrndup(sp + 1, n) : rv_xstrdup("");
	}
	s->auths[i] = stub_http_header(req.data, "authorization");
	s->bodies[i] = json_loads(req.data + body_at, 0, NULL);
	s->nrequests = i + 1;
	if (s->delay_ms)
		usleep((useconds_t)s->delay_ms * 1000);
	answer = stub_answer(s, i);
	head = rv_xasprintf("HTTP/1.1 %d Stub\r\nContent-Type: application/json"
			    "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			    !stub_authorised(s, i) ? 401 : s->status ?
			    s->status : 200, strlen(answer));
	/* the client may have given up */
	if (stub_http_send(fd, head, strlen(head)))
		stub_http_send(fd, answer, strlen(answer));
	free(head);
	free(answer);
out:
	rv_buf_release(&req);
}

int llm_stub_start(struct llm_stub *s)
{
	s->http.serve = stub_serve;
	s->http.arg = s;
	s->port = stub_http_start(&s->http);
	return s->port;
}

void llm_stub_stop(struct llm_stub *s)
{
	stub_http_stop(&s->http);
}

void llm_stub_release(struct llm_stub *s)
{
	for (int i = 0; i < s->nrequests; i++) {
		free(s->paths[i]);
		free(s->auths[i]);
		json_decref(s->bodies[i]);
	}
	s->nrequests = 0;
}

const char *llm_stub_last_message(const struct llm_stub *s, int i)
{
	json_t *msgs = i < s->nrequests ?
		json_object_get(s->bodies[i], "messages") : NULL;
	size_t n = json_array_size(msgs);
	const char *c = n ? json_string_value(json_object_get(
		json_array_get(msgs, n - 1), "content")) : NULL;

	return c ? c : "";
}
