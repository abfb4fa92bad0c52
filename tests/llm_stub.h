/*
 * llm_stub: a small OpenAI-compatible chat completions server on
 * 127.0.0.1 for tests (a stand-in for a remote model, speaking the real
 * wire protocol).  It answers every POST with a canned assistant message
 * (the i-th request gets replies[i], the last one repeats) and records
 * what it was sent.  One connection at a time, "Connection: close".
 */
#ifndef RUNEVAL_TESTS_LLM_STUB_H
#define RUNEVAL_TESTS_LLM_STUB_H

#include <jansson.h>

#include "stub_http.h"

#define LLM_STUB_MAX 16

struct llm_stub {
	/* set before llm_stub_start() */
	const char *replies[LLM_STUB_MAX];
	int nreplies;
	int status;		/* HTTP status (default 200) */
	const char *raw_body;	/* answer this body instead, or NULL */
	int delay_ms;		/* wait before answering */
	/* or the reply to a request (body: its JSON), when set */
	const char *(*reply_for)(const json_t *body, void *arg);
	void *reply_arg;
	/* when set, a request whose Authorization is not this is answered
	   401, as OpenAI answers a bad key */
	const char *expect_auth;
	/* filled while serving (read after llm_stub_stop()) */
	int nrequests;
	char *paths[LLM_STUB_MAX];	/* "/v1/chat/completions?cid=x" */
	char *auths[LLM_STUB_MAX];	/* Authorization value, or NULL */
	json_t *bodies[LLM_STUB_MAX];	/* request JSON, or NULL */
	int port;		/* set by llm_stub_start() */
	/* internal */
	struct stub_http http;
};

/* Listen on 127.0.0.1 (any port) and serve in a thread; returns the port. */
int llm_stub_start(struct llm_stub *s);

/* Stop serving (requests stay recorded). */
void llm_stub_stop(struct llm_stub *s);

/* Free what was recorded. */
void llm_stub_release(struct llm_stub *s);

/* The content of the last message of recorded request i, or "". */
const char *llm_stub_last_message(const struct llm_stub *s, int i);

#endif
