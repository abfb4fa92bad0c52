#include "llm_stub.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read one request: headers, then Content-Length bytes of body. */
static bool stub_read(int fd, struct rv_buf *req, size_t *body_at)
{
	char buf[4096];

	for (;;) {
		char *end = strstr(req->data, "\r\n\r\n");

		if (end) {
			char *cl = strcasestr(req->data, "\r\ncontent-length:");
			size_t want = cl ? (size_t)atol(cl + 17) : 0;

			*body_at = (size_t)(end + 4 - req->data);
			if (req->len >= *body_at + want)
				return true;
		}
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		rv_buf_add(req, buf, (size_t)n);
	}
}

static char *stub_header(const char *head, const char *name)
{
	char *pat = rv_xasprintf("\r\n%s:", name);
	char *hit = strcasestr(head, pat);
	char *v = NULL;

	if (hit) {
		const char *p = hit + strlen(pat);

		while (*p == ' ')
			p++;
		v = rv_xstrndup(p, strcspn(p, "\r\n"));
	}
	free(pat);
	return v;
}

static char *stub_answer(struct llm_stub *s, int i)
{
	const char *content;
	json_t *v;
	char *out;

	if (s->raw_body)
		return rv_xstrdup(s->raw_body);
	content = s->nreplies ? s->replies[i < s->nreplies ? i : s->nreplies - 1] :
		"";
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

static void stub_serve(struct llm_stub *s, int fd)
{
	struct rv_buf req = RV_BUF_INIT;
	size_t body_at = 0;
	int i = s->nrequests;
	char *answer, *head;

	if (!stub_read(fd, &req, &body_at) || i >= LLM_STUB_MAX)
		goto out;
	/* "POST /path HTTP/1.1" */
	{
		const char *sp = strchr(req.data, ' ');
		size_t n = sp ? strcspn(sp + 1, " ") : 0;

		s->paths[i] = sp ? rv_xstrndup(sp + 1, n) : rv_xstrdup("");
	}
	s->auths[i] = stub_header(req.data, "authorization");
	s->bodies[i] = json_loads(req.data + body_at, 0, NULL);
	s->nrequests = i + 1;
	if (s->delay_ms)
		usleep((useconds_t)s->delay_ms * 1000);
	answer = stub_answer(s, i);
	head = rv_xasprintf("HTTP/1.1 %d Stub\r\nContent-Type: application/json"
			    "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			    s->status ? s->status : 200, strlen(answer));
	/* the client may have given up: no SIGPIPE */
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) >= 0)
		send(fd, answer, strlen(answer), MSG_NOSIGNAL);
	free(head);
	free(answer);
out:
	rv_buf_release(&req);
}

static void *stub_main(void *arg)
{
	struct llm_stub *s = arg;

	while (!s->stop) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		stub_serve(s, fd);
		close(fd);
	}
	return NULL;
}

int llm_stub_start(struct llm_stub *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->fd, 16) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	s->port = ntohs(a.sin_port);
	s->stop = 0;
	pthread_create(&s->th, NULL, stub_main, s);
	return s->port;
}

void llm_stub_stop(struct llm_stub *s)
{
	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->fd);
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
