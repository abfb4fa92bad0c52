/*
 * check_lite_tls: daytona-lite serving HTTPS and wss (--tls-cert,
 * --tls-key) with a throwaway CA, and runeval trusting it through
 * --ca-cert / RUNEVAL_CA_CERT: a lifecycle over one kept-alive TLS
 * connection, a whole job (health and rollouts through https previews,
 * the app's log over wss), a fast and clear failure for a server that
 * is not trusted, and daytona-lite refusing certificate flags that
 * cannot work.  e2b-lite shares the engine's TLS: a whole E2B job over
 * HTTPS (envd and the app's port at https://PORT-ID.preview.localhost).
 */
#include "lite_server.h"
#include "runeval_run.h"
#include "testutil.h"
#include "tls_ca.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct tls_world {
	struct tls_ca ca;
	struct lite_server lite;
	char env_ca[300];
	char env_state[300];
	const char *env[6];
};

static void tw_start(struct tls_world *w)
{
	char *dir;

	memset(w, 0, sizeof(*w));
	dir = tu_tmpdir();
	tls_ca_make(&w->ca, dir);
	ck_assert(lite_server_start_tls(&w->lite, NULL, w->ca.cert,
					w->ca.key));
	ck_assert_msg(!strncmp(w->lite.api_url, "https://", 8), "%s",
		      w->lite.api_url);
	snprintf(w->env_ca, sizeof(w->env_ca), "RUNEVAL_CA_CERT=%s",
		 w->ca.ca);
	snprintf(w->env_state, sizeof(w->env_state),
		 "RUNEVAL_STATE_DIR=%s/runeval-state", dir);
	w->env[0] = w->lite.env_url;
	w->env[1] = w->lite.env_key;
	w->env[2] = w->env_state;
	w->env[3] = "DAYTONA_TARGET=";
	w->env[4] = NULL;
	free(dir);
}

static void tw_stop(struct tls_world *w)
{
	char *dir = rv_xstrdup(w->ca.ca);

	lite_server_stop(&w->lite);
	*strrchr(dir, '/') = '\0';
	tu_rmrf(dir);
	free(dir);
	tls_ca_release(&w->ca);
}

/* `runeval lifecycle --daytona` with env; its output in *text. */
static int tw_lifecycle(struct tls_world *w, const char *ca_env, char **text)
{
	char *bin = tu_build_path("runeval");
	char *log = rv_xasprintf("%s/lifecycle.out", w->lite.dir);
	char *const argv[] = { bin, "lifecycle", "--daytona", "--json", NULL };
	char *const env[] = { (char *)w->env[0], (char *)w->env[1],
			      (char *)w->env[2], (char *)ca_env, NULL };
	int code = tu_run(argv, env, log, text);

	free(log);
	free(bin);
	return code;
}

/*
 * One lifecycle (create, wait, upload, exec, preview, delete) over
 * HTTPS: every request rides one kept-alive connection (the API and the
 * toolbox share a host here; Daytona's cloud has two).  Before the
 * connection pools each request opened its own.
 */
START_TEST(test_tls_lifecycle_reuses_one_connection)
{
	struct tls_world w;
	unsigned long reqs = 0, conns = 0;
	const char *line;
	char *text;
	int code;

	tw_start(&w);
	code = tw_lifecycle(&w, w.env_ca, &text);
	ck_assert_msg(code == 0, "%s", text);
	ck_assert_ptr_null(strstr(text, "\"ok\":false"));
	line = strstr(text, "requests over ");
	ck_assert_msg(line, "%s", text);
	while (line > text && line[-1] != ':')
		line--;
	ck_assert_int_eq(sscanf(line, " %lu requests over %lu connections",
				&reqs, &conns), 2);
	ck_assert_uint_ge(reqs, 5);
	ck_assert_msg(conns >= 1 && conns <= 2, "%lu connections for %lu "
		      "requests", conns, reqs);
	free(text);
	tw_stop(&w);
}
END_TEST

/* A server nobody told runeval to trust: a quick clear failure, no
   retries for minutes (a certificate does not change on retry). */
START_TEST(test_tls_untrusted_server_fails_fast)
{
	struct tls_world w;
	char other[320];
	uint64_t t0;
	char *text;
	int code;

	tw_start(&w);
	t0 = rv_now_ns();
	code = tw_lifecycle(&w, NULL, &text);
	ck_assert_msg(code == 3, "%d: %s", code, text);
	ck_assert_msg(strstr(text, "SSL certificate problem") &&
		      strstr(text, "--ca-cert"), "%s", text);
	free(text);
	/* trusting another CA is no better */
	snprintf(other, sizeof(other), "RUNEVAL_CA_CERT=%s", w.ca.other);
	code = tw_lifecycle(&w, other, &text);
	ck_assert_msg(code == 3, "%d: %s", code, text);
	ck_assert_msg(rv_now_ns() - t0 < 20 * RV_NS_PER_SEC, "took %.1f s",
		      (double)(rv_now_ns() - t0) / 1e9);
	free(text);
	/* and a CA file that is not there is a usage error */
	code = tw_lifecycle(&w, "RUNEVAL_CA_CERT=/nonexistent/ca.pem", &text);
	ck_assert_msg(code == 2 && strstr(text, "cannot read CA file "
					  "'/nonexistent/ca.pem'"), "%s", text);
	free(text);
	tw_stop(&w);
}
END_TEST

/*
 * A whole job over TLS with --ca-cert: create, upload, start (its log
 * followed over wss), health and rollouts through the https preview.
 */
START_TEST(test_tls_job_over_https_and_wss)
{
	const char *args[] = { "--daytona", "--seeds", "2", "--policy",
			       "noop", "--no-progress", "--ca-cert", NULL,
			       NULL };
	struct tls_world w;
	struct rr *r = rr_new();
	char *cmd;
	FILE *f;
	char buf[256] = "";

	tw_start(&w);
	args[7] = w.ca.ca;
	rr_run(r, args, w.env);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_ptr_nonnull(rr_rollout(r, 1));
	/* the app's own output arrived over wss */
	cmd = rv_xasprintf("cat '%s'/sandbox-*/taskapp.log", r->out);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	pclose(f);
	ck_assert_msg(strstr(buf, "taskapp: listening"), "%s", buf);
	free(cmd);
	rr_free(r);
	tw_stop(&w);
}
END_TEST

/*
 * e2b-lite over TLS: the control plane at https://127.0.0.1:PORT, envd
 * and the app's port through https://{port}-{id}.preview.localhost:PORT
 * (the create's domain), all trusted through --ca-cert.
 */
START_TEST(test_tls_e2b_job_over_https)
{
	const char *args[] = { "--e2b", "--seeds", "2", "--policy", "noop",
			       "--no-progress", "--ca-cert", NULL, NULL };
	struct tl_server srv = { .prog = "e2b-lite" };
	struct tls_ca ca;
	struct rr *r = rr_new();
	char *dir = tu_tmpdir(), *url, *state;
	const char *env[7];
	const char *api;

	tls_ca_make(&ca, dir);
	tl_start(&srv, (const char *[]){ "--quiet", "--tls-cert", ca.cert,
		 "--tls-key", ca.key, NULL });
	url = rv_xasprintf("E2B_API_URL=https://127.0.0.1:%d", srv.port);
	state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/runeval-state", dir);
	env[0] = url;
	env[1] = "E2B_API_KEY=" TL_KEY;
	env[2] = state;
	env[3] = "E2B_SANDBOX_URL=";
	env[4] = "E2B_DOMAIN=";
	env[5] = NULL;
	args[7] = ca.ca;
	rr_run(r, args, env);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_ptr_nonnull(rr_rollout(r, 1));
	api = rv_json_str(r->result, "environment.api_url");
	ck_assert_msg(api && !strncmp(api, "https://", 8), "%s",
		      api ? api : "(null)");
	rr_free(r);
	tl_free(&srv);
	tls_ca_release(&ca);
	tu_rmrf(dir);
	free(dir);
	free(url);
	free(state);
}
END_TEST

/* --tls-cert without its key, or with a key of another certificate:
   a one-line usage error, exit 2, before anything listens. */
START_TEST(test_tls_lite_refuses_bad_flags)
{
	char *dir = tu_tmpdir();
	char *bin = tu_build_path("daytona-lite");
	char *log = rv_xasprintf("%s/out", dir);
	struct tls_ca ca;
	struct {
		const char *cert, *key, *want;
	} cases[3];

	tls_ca_make(&ca, dir);
	cases[0].cert = ca.cert;
	cases[0].key = NULL;
	cases[0].want = "'--tls-cert' and '--tls-key' go together";
	cases[1].cert = ca.cert;
	cases[1].key = ca.ca;	/* a certificate, not a key */
	cases[1].want = "cannot use TLS key";
	cases[2].cert = ca.ca;
	cases[2].key = ca.key;	/* the server's key, the CA's cert */
	cases[2].want = "does not belong to certificate";
	for (size_t i = 0; i < 3; i++) {
		char *const argv[] = { bin, "--listen", "127.0.0.1:0",
				       "--state-dir", dir, "--tls-cert",
				       (char *)cases[i].cert,
				       cases[i].key ? "--tls-key" : NULL,
				       (char *)cases[i].key, NULL };
		char *text;
		int code = tu_run(argv, NULL, log, &text);

		ck_assert_msg(code == 2 && strstr(text, cases[i].want),
			      "case %zu: %s", i, text);
		ck_assert_ptr_null(strchr(strchr(text, '\n') + 1, '\n'));
		free(text);
	}
	tls_ca_release(&ca);
	tu_rmrf(dir);
	free(dir);
	free(bin);
	free(log);
}
END_TEST

static Suite *lite_tls_suite(void)
{
	Suite *s = suite_create("lite_tls");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tls_lifecycle_reuses_one_connection);
	tcase_add_test(tc, test_tls_untrusted_server_fails_fast);
	tcase_add_test(tc, test_tls_job_over_https_and_wss);
	tcase_add_test(tc, test_tls_e2b_job_over_https);
	tcase_add_test(tc, test_tls_lite_refuses_bad_flags);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(lite_tls_suite()) ? 1 : 0;
}
