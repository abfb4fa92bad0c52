/*
 * llm: one OpenAI-compatible chat completions call, and the helpers the
 * llm policy needs around it (endpoint URL, code extraction).
 *
 * The conversation is a jansson array of {"role","content"} messages
 * owned by the caller.  Keys are sent only as "Authorization: Bearer"
 * and never appear in errors.  Errors: RV_ERR_CONNECT (unreachable),
 * RV_ERR_TIMEOUT (deadline), RV_ERR_INTR (cancelled), RV_ERR_HTTP (a
 * non-2xx answer; the message has the status and the start of the body,
 * redacted), RV_ERR_PROTO (an answer without choices[0].message.content).
 */
#ifndef RUNEVAL_TASKAPP_LLM_H
#define RUNEVAL_TASKAPP_LLM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rv_err.h"

struct taskapp_llm_call {
	const char *url;		/* full chat/completions URL */
	const char *api_key;		/* or NULL */
	const char *model;
	const json_t *messages;
	double temperature;		/* < 0: not sent */
	long max_tokens;		/* <= 0: not sent */
	uint64_t deadline_ns;		/* 0 = none */
	const volatile int *cancel;	/* polled; may be NULL */
};

struct taskapp_llm_answer {
	char *content;			/* malloc'ed */
	long total_tokens;		/* usage.total_tokens, or -1 */
	uint64_t elapsed_ns;
};

/*
 * The URL to POST to: base as is when its path ends in
 * "/chat/completions", else with "/chat/completions" appended to the
 * path (a query string is kept at the end).  Malloc'ed.
 */
char *taskapp_llm_endpoint(const char *base);

enum rv_code taskapp_llm_complete(const struct taskapp_llm_call *call,
				  struct taskapp_llm_answer *ans,
				  struct rv_err *err);

void taskapp_llm_answer_release(struct taskapp_llm_answer *ans);

/*
 * The C code in a model's answer: the last fenced block tagged as C
 * (```c, ```C, ```c11, ...), else the last fenced block, else the whole
 * text.  Malloc'ed.
 */
char *taskapp_llm_extract_code(const char *answer);

#endif
