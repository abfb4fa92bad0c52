/*
 * junit.xml, valid against the Ant JUnit schema (the strictest of the
 * usual ones; Jenkins, GitLab and GitHub reporters read it): <testsuites>
 * without attributes, one <testsuite> per job with id, package, hostname
 * and a timestamp without zone, then properties, testcases, system-out
 * and system-err in that order.  A testcase per rollout and per phase
 * span; time in seconds.  A rollout's testcase opens with properties (its
 * reward, status, epoch, task), the one extension of the Ant schema, as
 * pytest's xunit1 family and the Jenkins JUnit plugin write them; a
 * pipeline failure is an <error>, a rollout without a reward a <failure>,
 * and one whose reward is below --junit-fail-below a <failure> too.
 */
#include "report_render.h"

#include "evalstats.h"
#include "report_load.h"
#include "report_util.h"
#include "rv_phase.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define JUNIT_TEXT_MAX 2000	/* bytes of an error in a message */

static void junit_attr(struct rv_buf *b, const char *name, const char *v)
{
	rv_buf_addch(b, ' ');
	rv_buf_adds(b, name);
	rv_buf_adds(b, "=\"");
	report_xml_esc(b, v ? v : "", JUNIT_TEXT_MAX);
	rv_buf_addch(b, '"');
}

/* What went wrong in a testcase: an <error> or a <failure>, or none. */
struct junit_problem {
	const char *tag;	/* "error", "failure", or NULL: it passed */
	const char *type, *message;
};

/*
 * " time=\"S\"": seconds as "%.6f", without printf when s is a whole
 * number of microseconds (every duration of a job: 20% of the
 * rendering's instructions were printf's).
 */
static void junit_time(struct rv_buf *b, double s)
{
	double us = round(s * 1e6);
	unsigned long long a;
	char d[40], *p = d + sizeof(d);

	if (!(s >= 0 && s < 1e9) || fabs(s * 1e6 - us) >= 1e-3) {
		rv_buf_addf(b, " time=\"%.6f\"", s);
		return;
	}
	a = (unsigned long long)us;
	*--p = '"';
	p = rv_digits(p, a % 1000000, 6);
	*--p = '.';
	p = rv_digits(p, a / 1000000, 1);
	rv_buf_adds(b, " time=\"");
	rv_buf_add(b, p, (size_t)(d + sizeof(d) - p));
}

static void junit_case(struct rv_buf *b, const char *classname,
		       const char *name, double ms,
		       const struct rv_buf *props,
		       const struct junit_problem *p)
{
	const char *msg = p->message ? p->message : "failed";

	rv_buf_adds(b, "    <testcase");
	junit_attr(b, "name", name);
	junit_attr(b, "classname", classname);
	junit_time(b, isfinite(ms) && ms > 0 ? ms / 1000 : 0);
	if (!p->tag && (!props || !props->len)) {
		rv_buf_adds(b, "/>\n");
		return;
	}
	rv_buf_adds(b, ">\n");
	if (props && props->len) {
		rv_buf_adds(b, "      <properties>\n");
		rv_buf_add(b, props->data, props->len);
		rv_buf_adds(b, "      </properties>\n");
	}
	if (p->tag) {
		rv_buf_adds(b, "      <");
		rv_buf_adds(b, p->tag);
		junit_attr(b, "message", msg);
		junit_attr(b, "type", p->type);
		rv_buf_adds(b, ">");
		report_xml_esc(b, msg, JUNIT_TEXT_MAX);
		rv_buf_adds(b, "</");
		rv_buf_adds(b, p->tag);
		rv_buf_adds(b, ">\n");
	}
	rv_buf_adds(b, "    </testcase>\n");
}

static void junit_prop(struct rv_buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	rv_buf_adds(b, "        <property");
	junit_attr(b, "name", name);
	junit_attr(b, "value", value);
	rv_buf_adds(b, "/>\n");
}

/* The properties of a rollout's testcase: reward, status, epoch, task. */
static void junit_rollout_props(struct rv_buf *b, const struct report_view *v,
				const struct report_rollout *r,
				struct rv_buf *num)
{
	rv_buf_reset(b);
	rv_buf_reset(num);
	if (isfinite(r->reward))
		rv_buf_add_g(num, r->reward, 12);
	junit_prop(b, "reward", isfinite(r->reward) ? num->data : "none");
	junit_prop(b, "status", report_str(v->set, r->status));
	rv_buf_reset(num);
	rv_buf_add_int(num, r->epoch);
	junit_prop(b, "epoch", num->data);
	junit_prop(b, "task", report_str(v->set, r->task));
	junit_prop(b, "difficulty", report_str(v->set, r->difficulty));
}

/* A rollout's verdict; msg is the buffer of the message it may need. */
static struct junit_problem junit_rollout_problem(const struct report_view *v,
						  const struct report_rollout *r,
						  struct rv_buf *msg)
{
	const char *status = report_str(v->set, r->status);
	const char *why = report_str(v->set, r->cls == EVALSTATS_TRANSPORT ?
				      r->error : r->detail ? r->detail : r->error);

	rv_buf_reset(msg);
	if (r->cls == EVALSTATS_TRANSPORT)
		return (struct junit_problem){ "failure", status ? status :
					       "rollout", why };
	if (r->cls == EVALSTATS_PIPELINE) {
		rv_buf_addf(msg, "pipeline failure: the task app answered %s%s%s",
			    status ? status : "?", why ? ": " : "",
			    why ? why : "");
		return (struct junit_problem){ "error", status ? status :
					       "pipeline", msg->data };
	}
	if (isfinite(v->junit_fail_below) && r->reward < v->junit_fail_below) {
		rv_buf_addf(msg, "reward %g is below %g%s%s", r->reward,
			    v->junit_fail_below, why ? ": " : "", why ? why : "");
		return (struct junit_problem){ "failure", "reward", msg->data };
	}
	return (struct junit_problem){ NULL, NULL, NULL };
}

/* "2026-11-21T20:48:44": the Ant schema wants no fraction and no zone. */
static void junit_timestamp(const struct report_view *v,
			    const struct report_job *job, char *out,
			    size_t size)
{
	char iso[32];

	if (!report_format_utc(job->epoch_ms, iso, sizeof(iso)))
		snprintf(iso, sizeof(iso), "%s", v->timestamp);
	snprintf(out, size, "%.19s", iso);
}

/* Counts of a suite's testcases. */
struct junit_counts {
	size_t tests, failures, errors;
	double ms;
};

static void junit_count(struct junit_counts *n, const struct junit_problem *p,
			double ms)
{
	n->tests++;
	n->failures += p->tag && !strcmp(p->tag, "failure");
	n->errors += p->tag && !strcmp(p->tag, "error");
	n->ms += isfinite(ms) ? ms : 0;
}

/*
 * The rollouts' testcases into b, n counting them; without b, only the
 * counting (the suite's head says the counts before its cases).
 */
static void junit_rollouts(struct rv_buf *b, const struct report_view *v,
			   const struct report_job *job, const char *prov,
			   struct junit_counts *n)
{
	struct rv_buf cls = RV_BUF_INIT, name = RV_BUF_INIT;
	struct rv_buf props = RV_BUF_INIT, msg = RV_BUF_INIT;
	struct rv_buf num = RV_BUF_INIT;
	bool result = job->kind == REPORT_KIND_RESULT;
	bool epochs = report_job_epochs(v->set, job);
	struct report_rollout tmp;

	rv_buf_addf(&cls, "runeval.%s.rollout", prov);
	for (size_t r = 0; r < job->n_rollouts; r++) {
		const struct report_rollout *ro = report_rollout_at(v->set, job,
								    r, &tmp);
		const char *sb = report_str(v->set, ro->sandbox);
		struct junit_problem p = junit_rollout_problem(v, ro, &msg);

		junit_count(n, &p, ro->ms);
		if (!b)
			continue;
		rv_buf_reset(&name);
		if (ro->seed != REPORT_NO_SEED) {
			rv_buf_adds(&name, "rollout seed ");
			rv_buf_add_int(&name, ro->seed);
		} else {
			rv_buf_adds(&name, "rollout ");
			rv_buf_add_int(&name, (long long)r);
		}
		if (epochs) {
			rv_buf_adds(&name, " epoch ");
			rv_buf_add_int(&name, ro->epoch);
		}
		if (sb) {
			rv_buf_adds(&name, " on ");
			rv_buf_adds(&name, sb);
		}
		if (result)
			junit_rollout_props(&props, v, ro, &num);
		junit_case(b, cls.data, name.data, ro->ms, result ? &props :
			   NULL, &p);
		report_flush(v, b, false);
	}
	rv_buf_release(&cls);
	rv_buf_release(&name);
	rv_buf_release(&props);
	rv_buf_release(&msg);
	rv_buf_release(&num);
}

/* The phases' testcases, as junit_rollouts(). */
static void junit_phases(struct rv_buf *b, const struct report_view *v,
			 uint32_t job, struct junit_counts *n)
{
	struct rv_buf cls = RV_BUF_INIT, name = RV_BUF_INIT;
	uint32_t rollout = report_find(v->set, rv_phase_name(RV_PHASE_ROLLOUT));
	const struct report_job *jb = &v->set->jobs[job];

	for (size_t i = jb->first_sample; i < jb->first_sample + jb->n_samples;
	     i++) {
		struct report_sample tmp;
		const struct report_sample *s =
			report_sample_at(v->set, i, &tmp);
		const char *phase = report_str(v->set, s->phase);
		const char *sb = report_str(v->set, s->sandbox);
		struct junit_problem p = { s->ok ? NULL : "failure", phase,
					   report_str(v->set, s->error) };

		if (s->phase == rollout)
			continue;
		junit_count(n, &p, s->ms);
		if (!b)
			continue;
		rv_buf_reset(&cls);
		rv_buf_addf(&cls, "runeval.%s.%s",
			    report_str(v->set, s->provider), phase);
		rv_buf_reset(&name);
		rv_buf_adds(&name, phase);
		if (sb)
			rv_buf_addf(&name, " on %s", sb);
		if (s->seed != REPORT_NO_SEED)
			rv_buf_addf(&name, " seed %lld", (long long)s->seed);
		junit_case(b, cls.data, name.data, s->ms, NULL, &p);
		report_flush(v, b, false);
	}
	rv_buf_release(&cls);
	rv_buf_release(&name);
}

static void junit_suite(struct rv_buf *out, const struct report_view *v,
			uint32_t j)
{
	const struct report_job *job = &v->set->jobs[j];
	const char *prov = report_str(v->set, job->provider);
	struct rv_buf *h = out;
	struct junit_counts n = { 0 }, again = { 0 };
	double ms;
	char ts[32];

	/* counted first: the head says how many cases follow */
	junit_rollouts(NULL, v, job, prov ? prov : "job", &n);
	junit_phases(NULL, v, j, &n);
	ms = isfinite(job->duration_ms) ? job->duration_ms : n.ms;
	junit_timestamp(v, job, ts, sizeof(ts));
	rv_buf_adds(h, "  <testsuite");
	junit_attr(h, "name", job->name);
	rv_buf_addf(h, " id=\"%u\" package=\"runeval\"", j);
	junit_attr(h, "timestamp", ts);
	rv_buf_addf(h, " hostname=\"localhost\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.6f\">\n",
		    n.tests, n.failures, n.errors, ms / 1000);
	rv_buf_adds(h, "    <properties>\n");
	const char *props[][2] = {
		{ "source", job->source }, { "kind", report_kind_name(job->kind) },
		{ "provider", prov }, { "mode", job->mode },
		{ "status", job->status }, { "error", job->error },
		{ "app", job->app }, { "app_version", job->app_version },
		{ "policy", job->policy }, { "model", job->model },
	};
	for (size_t i = 0; i < sizeof(props) / sizeof(*props); i++) {
		if (!props[i][1])
			continue;
		rv_buf_adds(h, "      <property");
		junit_attr(h, "name", props[i][0]);
		junit_attr(h, "value", props[i][1]);
		rv_buf_adds(h, "/>\n");
	}
	rv_buf_adds(h, "    </properties>\n");
	junit_rollouts(out, v, job, prov ? prov : "job", &again);
	junit_phases(out, v, j, &again);
	rv_buf_adds(out, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
}

void report_render_junit(const struct report_view *v, struct rv_buf *out)
{
	rv_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (size_t j = 0; j < v->set->n_jobs; j++)
		junit_suite(out, v, (uint32_t)j);
	rv_buf_adds(out, "</testsuites>\n");
}
