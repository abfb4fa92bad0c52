/*
 * junit.xml, valid against the Ant JUnit schema (the strictest of the
 * usual ones; Jenkins, GitLab and GitHub reporters read it): <testsuites>
 * without attributes, one <testsuite> per job with id, package, hostname
 * and a timestamp without zone, then properties, testcases, system-out
 * and system-err in that order.  A testcase per rollout and per phase
 * span; time in seconds.
 */
#include "report_render.h"

#include "report_load.h"
#include "report_util.h"
#include "rv_phase.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define JUNIT_TEXT_MAX 2000	/* bytes of an error in a message */

static void junit_attr(struct rv_buf *b, const char *name, const char *v)
{
	rv_buf_addf(b, " %s=\"", name);
	report_xml_esc(b, v ? v : "", JUNIT_TEXT_MAX);
	rv_buf_addch(b, '"');
}

static void junit_case(struct rv_buf *b, const char *classname,
		       const char *name, double ms, bool ok,
		       const char *error, const char *type)
{
	rv_buf_adds(b, "    <testcase");
	junit_attr(b, "name", name);
	junit_attr(b, "classname", classname);
	rv_buf_addf(b, " time=\"%.6f\"", isfinite(ms) && ms > 0 ? ms / 1000 : 0);
	if (ok) {
		rv_buf_adds(b, "/>\n");
		return;
	}
	rv_buf_adds(b, ">\n      <failure");
	junit_attr(b, "message", error ? error : "failed");
	junit_attr(b, "type", type);
	rv_buf_adds(b, ">");
	report_xml_esc(b, error ? error : "failed", JUNIT_TEXT_MAX);
	rv_buf_adds(b, "</failure>\n    </testcase>\n");
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

static void junit_rollouts(struct rv_buf *b, const struct report_view *v,
			   const struct report_job *job, const char *prov,
			   size_t *tests, size_t *failures, double *ms)
{
	struct rv_buf cls = RV_BUF_INIT, name = RV_BUF_INIT;

	rv_buf_addf(&cls, "runeval.%s.rollout", prov);
	for (size_t r = 0; r < job->n_rollouts; r++) {
		const struct report_rollout *ro = &job->rollouts[r];
		const char *sb = report_str(v->set, ro->sandbox);

		rv_buf_reset(&name);
		if (ro->seed != REPORT_NO_SEED)
			rv_buf_addf(&name, "rollout seed %lld", (long long)ro->seed);
		else
			rv_buf_addf(&name, "rollout %zu", r);
		if (sb)
			rv_buf_addf(&name, " on %s", sb);
		junit_case(b, cls.data, name.data, ro->ms, ro->ok,
			   report_str(v->set, ro->error), "rollout");
		(*tests)++;
		*failures += !ro->ok;
		*ms += isfinite(ro->ms) ? ro->ms : 0;
	}
	rv_buf_release(&cls);
	rv_buf_release(&name);
}

static void junit_phases(struct rv_buf *b, const struct report_view *v,
			 uint32_t job, size_t *tests, size_t *failures,
			 double *ms)
{
	struct rv_buf cls = RV_BUF_INIT, name = RV_BUF_INIT;
	uint32_t rollout = report_find(v->set, rv_phase_name(RV_PHASE_ROLLOUT));
	const struct report_job *jb = &v->set->jobs[job];

	for (size_t i = jb->first_sample; i < jb->first_sample + jb->n_samples;
	     i++) {
		const struct report_sample *s = &v->set->samples[i];
		const char *phase = report_str(v->set, s->phase);
		const char *sb = report_str(v->set, s->sandbox);

		if (s->phase == rollout)
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
		junit_case(b, cls.data, name.data, s->ms, s->ok,
			   report_str(v->set, s->error), phase);
		(*tests)++;
		*failures += !s->ok;
		*ms += s->ms;
	}
	rv_buf_release(&cls);
	rv_buf_release(&name);
}

static void junit_suite(struct rv_buf *out, const struct report_view *v,
			uint32_t j)
{
	const struct report_job *job = &v->set->jobs[j];
	const char *prov = report_str(v->set, job->provider);
	struct rv_buf head = RV_BUF_INIT, *h = &head;
	size_t tests = 0, failures = 0, at = out->len;
	double ms = 0;
	char ts[32];

	/* the cases first, in place: the head counts them */
	junit_rollouts(out, v, job, prov ? prov : "job", &tests, &failures,
		       &ms);
	junit_phases(out, v, j, &tests, &failures, &ms);
	if (isfinite(job->duration_ms))
		ms = job->duration_ms;
	junit_timestamp(v, job, ts, sizeof(ts));
	rv_buf_adds(h, "  <testsuite");
	junit_attr(h, "name", job->name);
	rv_buf_addf(h, " id=\"%u\" package=\"runeval\"", j);
	junit_attr(h, "timestamp", ts);
	rv_buf_addf(h, " hostname=\"localhost\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.6f\">\n",
		    tests, failures, ms / 1000);
	rv_buf_adds(h, "    <properties>\n");
	const char *props[][2] = {
		{ "source", job->source }, { "kind", report_kind_name(job->kind) },
		{ "provider", prov }, { "mode", job->mode },
		{ "status", job->status }, { "error", job->error },
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
	report_buf_insert(out, at, h);
	rv_buf_adds(out, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
	rv_buf_release(&head);
}

void report_render_junit(const struct report_view *v, struct rv_buf *out)
{
	rv_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (size_t j = 0; j < v->set->n_jobs; j++)
		junit_suite(out, v, (uint32_t)j);
	rv_buf_adds(out, "</testsuites>\n");
}
