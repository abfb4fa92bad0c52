/* seedq: the job's seed queue, shared by its sandboxes (see sched.h). */
#include "seedq.h"

#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"

#include <stdio.h>
#include <string.h>

void seedq_init(struct seedq *s, struct rollout *rs, size_t n,
		const struct seedq_policy *policy)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->rs = rs;
	s->n = n;
	s->policy = *policy;
	s->ring = rv_xcalloc(n ? n : 1, sizeof(*s->ring));
	s->requeues = rv_xcalloc(n ? n : 1, 1);
	for (size_t i = 0; i < n; i++)
		if (rs[i].state == ROLLOUT_PENDING)
			s->ring[s->len++] = i;
}

void seedq_release(struct seedq *s)
{
	free(s->ring);
	free(s->delayed);
	free(s->requeues);
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}

static void seedq_wake_all(struct seedq *s)
{
	for (size_t i = 0; i < s->n_watchers; i++)
		s->watchers[i].wake(s->watchers[i].arg);
}

/* Push idx to the back (or, front, to the front) of the ring. */
static void seedq_push(struct seedq *s, size_t idx, bool front)
{
	if (s->len == s->n)
		rv_bug("sched: queue overflow");
	if (front) {
		s->head = (s->head + s->n - 1) % s->n;
		s->ring[s->head] = idx;
	} else {
		s->ring[(s->head + s->len) % s->n] = idx;
	}
	s->len++;
}

long seedq_take(struct seedq *s, uint64_t now_ns, uint64_t *wait_ns)
{
	long idx = -1;
	uint64_t wait = UINT64_MAX;

	pthread_mutex_lock(&s->lock);
	if (s->stopped)
		goto out;
	/* a retry that is due goes first: it has waited already */
	for (size_t i = 0; i < s->n_delayed; i++) {
		struct seedq_delayed *d = &s->delayed[i];

		if (d->at_ns <= now_ns) {
			idx = (long)d->idx;
			*d = s->delayed[--s->n_delayed];
			break;
		}
		if (d->at_ns - now_ns < wait)
			wait = d->at_ns - now_ns;
	}
	if (idx < 0 && s->len) {
		idx = (long)s->ring[s->head];
		s->head = (s->head + 1) % s->n;
		s->len--;
	}
	if (idx >= 0)
		s->inflight++;
out:
	pthread_mutex_unlock(&s->lock);
	*wait_ns = wait;
	return idx;
}

/* The record is final: count it, and stop when too many failed. */
static void seedq_final(struct seedq *s, size_t idx)
{
	struct rollout *r = &s->rs[idx];

	r->state = ROLLOUT_DONE;
	s->finished++;
	if (s->policy.failed ? !s->policy.failed(r, s->policy.failed_arg) :
	    r->ok)
		return;
	s->failed++;
	if (s->policy.max_failures >= 0 &&
	    s->failed > (size_t)s->policy.max_failures && !s->stopped) {
		s->stopped = true;
		snprintf(s->why, sizeof(s->why), "stopped early: %zu rollouts "
			 "failed, more than '--max-failures' allows (%ld)",
			 s->failed, s->policy.max_failures);
		seedq_wake_all(s);
	}
}

static void seedq_delay(struct seedq *s, size_t idx, unsigned attempt)
{
	long ms = rv_backoff_ms(attempt, s->policy.backoff_base_ms,
				s->policy.backoff_cap_ms);

	if (s->n_delayed == s->cap_delayed) {
		s->cap_delayed = s->cap_delayed ? 2 * s->cap_delayed : 16;
		s->delayed = rv_xreallocarray(s->delayed, s->cap_delayed,
					      sizeof(*s->delayed));
	}
	s->delayed[s->n_delayed++] = (struct seedq_delayed){
		.idx = idx,
		.at_ns = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS,
	};
}

enum seedq_verdict seedq_finish(struct seedq *s, size_t idx,
				enum seedq_verdict v)
{
	struct rollout *r = &s->rs[idx];

	pthread_mutex_lock(&s->lock);
	s->inflight--;
	if (v == SEEDQ_CANCELLED) {
		r->state = ROLLOUT_CANCELLED;
	} else if (s->stopped) {
		v = SEEDQ_DONE;
	} else if (v == SEEDQ_RETRY && r->retries >= s->policy.retries) {
		v = SEEDQ_DONE;
	} else if (v == SEEDQ_REQUEUE &&
		   s->requeues[idx] >= SEEDQ_MAX_REQUEUES) {
		v = SEEDQ_DONE;
	}
	switch (v) {
	case SEEDQ_CANCELLED:
		break;
	case SEEDQ_DONE:
		seedq_final(s, idx);
		break;
	case SEEDQ_RETRY:
		r->state = ROLLOUT_PENDING;
		seedq_delay(s, idx, r->retries++);
		seedq_wake_all(s);
		break;
	case SEEDQ_REQUEUE:
		r->state = ROLLOUT_PENDING;
		s->requeues[idx]++;
		seedq_push(s, idx, true);
		seedq_wake_all(s);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return v;
}

bool seedq_more(struct seedq *s)
{
	bool more;

	pthread_mutex_lock(&s->lock);
	more = s->inflight || (!s->stopped && (s->len || s->n_delayed));
	pthread_mutex_unlock(&s->lock);
	return more;
}

bool seedq_pending(struct seedq *s)
{
	bool more;

	pthread_mutex_lock(&s->lock);
	more = !s->stopped && (s->len || s->n_delayed);
	pthread_mutex_unlock(&s->lock);
	return more;
}

void seedq_stop(struct seedq *s, const char *why)
{
	pthread_mutex_lock(&s->lock);
	if (!s->stopped) {
		s->stopped = true;
		snprintf(s->why, sizeof(s->why), "%s", why);
		seedq_wake_all(s);
	}
	pthread_mutex_unlock(&s->lock);
}

bool seedq_stopped(struct seedq *s, char *why, size_t size)
{
	bool stopped;

	pthread_mutex_lock(&s->lock);
	stopped = s->stopped;
	if (why && size)
		snprintf(why, size, "%s", s->why);
	pthread_mutex_unlock(&s->lock);
	return stopped;
}

size_t seedq_failed(struct seedq *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->failed;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void seedq_watch(struct seedq *s, void (*wake)(void *), void *arg)
{
	pthread_mutex_lock(&s->lock);
	if (s->n_watchers == SEEDQ_MAX_WATCHERS)
		rv_bug("sched: too many watchers");
	s->watchers[s->n_watchers++] = (struct seedq_watcher){ wake, arg };
	pthread_mutex_unlock(&s->lock);
}

void seedq_unwatch(struct seedq *s, void *arg)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_watchers; i++)
		if (s->watchers[i].arg == arg) {
			s->watchers[i] = s->watchers[--s->n_watchers];
			break;
		}
	pthread_mutex_unlock(&s->lock);
}
