/*
 * rollouts: the rollout engine.  One thread, one libcurl multi handle,
 * at most `concurrency` POST /rollout requests in flight, one per seed.
 *
 * Every seed ends with a record: ok (HTTP 200 with a numeric reward) or
 * failed with a one-line reason (HTTP error, timeout, malformed JSON,
 * missing reward, ...) or cancelled (not run / stopped by a signal).
 * Nothing is dropped.  The reward is read from the first of the
 * spellings the contract's generations use (ROLLOUT_REWARD_PATHS):
 * reward_info.outcome_reward, reward_info.outcome_objectives.reward,
 * then the intermediate and legacy metrics.outcome_reward,
 * metrics.outcome_objectives.reward, metrics.outcome_score,
 * metrics.reward_mean and metrics.mean_return.  Beside it the record
 * keeps what the answer says of the outcome (answer.h): success_status,
 * status_detail, the task's name and difficulty, token counts.
 *
 * Dispatch: the records stay in the job's array, in seed order; the
 * engine of each sandbox takes the index of the next one from the job's
 * queue (sched.h) whenever it has a free slot, so a fast sandbox runs
 * more seeds than a slow one.  A try that failed transiently (connect
 * refused or reset, a timeout before any response byte, and, behind a
 * provider's proxy, 502/503/504) goes back to the queue for a retry; an
 * answer of the task app never does.  Each record says which sandbox
 * ran it and keeps its earlier tries (struct rollout_try).
 *
 * Ownership: the records belong to the caller; rollout_release() frees
 * one record's contents.
 */
#ifndef RUNEVAL_ORCHESTRATOR_ROLLOUTS_H
#define RUNEVAL_ORCHESTRATOR_ROLLOUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_err.h"

struct rv_http_pool;

/*
 * The rewards accepted: finite, |reward| <= ROLLOUT_REWARD_MAX.  Far above
 * any score a task app means (0..1, percentages, points), far below where
 * a sum can overflow (a million seeds sum to at most 1e15 < 2^53, still
 * exact to the unit); a reward outside (1e308, ...) fails its rollout
 * with a reason.  NaN and Infinity are not JSON: such an answer fails as
 * malformed JSON.
 */
#define ROLLOUT_REWARD_MAX 1e9
#define ROLLOUT_REWARD_MAX_TEXT "1e9"

/* Keep at most this much of each rollout's reward_info.details. */
#define ROLLOUT_DETAILS_MAX 8192

/* Where the reward may be, in the order it is looked for. */
#define ROLLOUT_REWARD_PATHS \
	"reward_info.outcome_reward", "reward_info.outcome_objectives.reward", \
	"metrics.outcome_reward", "metrics.outcome_objectives.reward", \
	"metrics.outcome_score", "metrics.reward_mean", "metrics.mean_return"

enum rollout_state {
	ROLLOUT_PENDING = 0,	/* not dispatched (yet) */
	ROLLOUT_DONE,		/* answered: ok or failed */
	ROLLOUT_CANCELLED,	/* interrupted before it finished */
};

/* How the exchange went: ok, or why there is no reward. */
enum rollout_transport {
	ROLLOUT_T_OK = 0,	/* a 200 with a reward in range */
	ROLLOUT_T_HTTP,		/* another HTTP status */
	ROLLOUT_T_TIMEOUT,	/* no answer within --timeout */
	ROLLOUT_T_CONNECTION,	/* cannot connect, or the exchange broke */
	ROLLOUT_T_MALFORMED,	/* a 200 without a valid answer */
	ROLLOUT_T_CANCELLED,	/* interrupted, or never run */
};

/* A trace_correlation_id: at most this many bytes of it. */
#define ROLLOUT_TCID_MAX 79

/* A sandbox's name in a record: at most this many bytes of it. */
#define ROLLOUT_SANDBOX_MAX 63

/* An earlier try of a rollout (the last one is the record itself). */
struct rollout_try {
	const char *sandbox;	/* interned (rv_intern), never NULL */
	uint64_t start_ns;	/* monotonic; 0 when made by an earlier run */
	double ms;		/* NAN when unknown */
	long http_status;	/* 0 when no answer */
	char *error;		/* one line, redacted */
};

/*
 * What few records have: the app's status words, the task's identity,
 * token counts, earlier tries, an earlier run's trace id, the resume
 * that ran it.  A record allocates it on the first write of one of
 * these (rollout_more); the readers below answer for records without.
 */
struct rollout_more {
	char *tcid_text;	/* see struct rollout */
	/*
	 * The words that few values take, interned (rv_intern): one copy
	 * each for the process, where a copy per record took ~220 bytes a
	 * seed; NULL when not said.
	 */
	const char *success_status;	/* as the app said */
	const char *task, *difficulty;	/* the task's identity */
	/*
	 * Free text, the record's own: detail_short when it fits there
	 * (apps repeat short templated details, "Tests: 3/7"), else
	 * malloc'ed.  Set it with rollout_set_status_detail().
	 */
	char *status_detail;
	char detail_short[24];
	int64_t tokens[3];	/* prompt, completion, total; -1 unknown */
	struct rollout_try *tries;	/* the tries before the last */
	size_t n_tries;
	unsigned run;		/* 0, or the resume that ran it */
	/*
	 * Details the seed log holds instead (seedlog.h): 1 + their
	 * offset in <out>/seeds.jsonl, their length and checksum (what
	 * is read back must be what went out); details_at 0: none there
	 * (the record's details, if any, are in memory).
	 */
	uint32_t details_len;
	uint32_t details_sum;
	uint64_t details_at;
};

/*
 * One rollout.  At 100 000 seeds the records are most of runeval's
 * memory: 88 bytes each on 64-bit hosts (rollouts.c asserts it), the
 * rare fields behind `more`, the small ones packed without padding.
 */
struct rollout {
	long seed;
	double reward;		/* when ok */
	uint64_t start_ns, end_ns;	/* monotonic; 0 if never started */
	/*
	 * The trace_correlation_id sent, written out when needed
	 * (rollout_tcid): "runeval_<tcid_job>_seed<seed>_<tcid_nonce in 8
	 * hex digits>", or more->tcid_text (owned) as an earlier run's
	 * result says; neither: none.
	 */
	const char *tcid_job;	/* borrowed: the job's id */
	const char *sandbox;	/* where it ran (set by the job), interned
				   (rv_intern); NULL or "": unknown */
	char *error;		/* one line when !ok, else NULL */
	char *details;		/* reward_info.details as compact JSON text,
				   kept as received (redacted), or NULL
				   (also when the seed log holds them:
				   more->details_at) */
	struct rollout_more *more;	/* NULL: none of its fields set */
	unsigned epoch;		/* 1-based: --epochs, repeated seeds */
	uint32_t tcid_nonce;	/* see tcid_job above */
	uint16_t attempts;	/* tries made (0: never dispatched);
				   saturates at UINT16_MAX */
	uint16_t retries;	/* of them, retries after a transient
				   failure (the queue counts) */
	uint16_t http_status;	/* 0 when no answer */
	enum rollout_state state : 2;
	enum rollout_transport transport : 3;	/* see rollout_transport() */
	bool ok : 1;
	unsigned reward_source : 3;	/* 1 + its index in
					   ROLLOUT_REWARD_PATHS; 0: none
					   (rollout_reward_source) */
};

/* r's more, made (zeroed, tokens unknown) when it has none. */
struct rollout_more *rollout_more(struct rollout *r);

/* The rare fields of r, NULL (tokens: all -1, tries: none) when unset. */
const char *rollout_success_status(const struct rollout *r);
const char *rollout_status_detail(const struct rollout *r);
const char *rollout_task(const struct rollout *r);
const char *rollout_difficulty(const struct rollout *r);
const int64_t *rollout_tokens(const struct rollout *r);
const struct rollout_try *rollout_tries(const struct rollout *r,
					size_t *n);
unsigned rollout_run(const struct rollout *r);

/* The path the reward was read from, or NULL. */
const char *rollout_reward_source(const struct rollout *r);

/*
 * Make text (malloc'ed, or NULL) r's status_detail, which r now owns,
 * replacing (and freeing) any it had: never r's own detail.  A pointer
 * kept to the detail it had is then stale.
 */
void rollout_set_status_detail(struct rollout *r, char *text);

/* Record an HTTP status (0: none; out of 0..999: 0). */
void rollout_set_http_status(struct rollout *r, long status);

/* Count one more try (saturating). */
void rollout_count_attempt(struct rollout *r);

struct seedq;

struct rollouts_config {
	const char *base_url;		/* ".../rollout" is appended */
	const char *const *headers;	/* "Name: value", NULL-ended */
	const char *job_id;		/* for trace_correlation_id */
	const char *policy;		/* policy.config.policy */
	const char *model;		/* or NULL */
	const char *inference_url;	/* or NULL */
	const char *policy_config;	/* the whole policy.config (JSON
					   object text), or NULL: the three
					   fields above */
	const char *env_name;		/* or NULL */
	const char *env_config;		/* JSON object text, or NULL: {} */
	unsigned concurrency;
	long timeout_ms;		/* per rollout */
	const volatile int *cancel;	/* stop dispatch, cancel in flight */
	int wake_fd;			/* readable when cancel is set; -1 */
	const char *sandbox;		/* where the records say they ran */
	unsigned run;			/* recorded in each record run here */
	struct seedq *sched;		/* the job's queue */
	bool proxied;			/* a provider's proxy is in front:
					   its 502/503/504 are transient */
	/*
	 * After a transient failure: is the app still up?  false means
	 * the sandbox is lost: the engine gives its rollouts back to the
	 * queue and returns RV_ERR_CONNECT.  Asked at most once per
	 * ROLLOUTS_ALIVE_EVERY_MS.  NULL: always up.
	 */
	bool (*alive)(void *arg);
	void *alive_arg;
	struct rv_http_pool *pool;	/* the provider's DNS and TLS
					   sessions (rv_http.h), or NULL */
	/* called after each rollout is final (progress); may be NULL */
	void (*on_done)(void *arg, struct rollout *r);
	void *on_done_arg;
};

#define ROLLOUTS_ALIVE_EVERY_MS 2000

/*
 * Run rollouts from cfg->sched on the records rs (the job's array, which
 * the queue indexes) until the queue has nothing left, here or in flight
 * anywhere.  RV_OK when it is drained (or stopped), RV_ERR_INTR when
 * cancelled (this engine's unfinished rollouts are ROLLOUT_CANCELLED),
 * RV_ERR_CONNECT when the sandbox was lost (its rollouts requeued),
 * other codes for a broken event loop.
 */
enum rv_code rollouts_run(const struct rollouts_config *cfg,
			  struct rollout *rs, struct rv_err *err);

/* Is this outcome of a try worth another (see above)? */
bool rollout_transient(enum rv_code rc, long status, bool answered,
		       bool proxied);

/*
 * Judge one answer: fill r's ok/reward/error/status fields from an
 * HTTP status and body (exposed for tests).
 */
void rollout_judge(struct rollout *r, long status, const char *body,
		   size_t len);

/* Fail r with a one-line reason (redacted), replacing any earlier one;
   rollout_fail_as() also says how the exchange failed. */
void rollout_fail(struct rollout *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rollout_fail_as(struct rollout *r, enum rollout_transport t,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The transport outcome of a finished record (a record never run is
 * cancelled) and its name: "ok", "http_error", "request_timeout",
 * "connection_error", "malformed", "cancelled".
 */
enum rollout_transport rollout_transport(const struct rollout *r);
const char *rollout_transport_name(enum rollout_transport t);

/*
 * r's trace_correlation_id (at most ROLLOUT_TCID_MAX bytes), written
 * into buf (ROLLOUT_TCID_MAX + 1 bytes) or tcid_text; NULL when none.
 */
const char *rollout_tcid(const struct rollout *r, char *buf);

void rollout_release(struct rollout *r);

#endif
