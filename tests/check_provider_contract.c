/*
 * The provider contract: what providers/provider.h promises, checked
 * against every registered provider that runs here (one test case per
 * provider, the same list of tests in each; see contract_harness.h for
 * how a provider is brought up).  Real components only: `process` on
 * this host, `daytona` against a daytona-lite with bubblewrap sandboxes
 * started by each test, `docker` against a private dockerd started once
 * for the suite (tests/docker_engine.h), `bwrap` on daytona-lite's
 * sandbox engine with no server.  A test skips a part only when the
 * provider does not claim the capability, and then checks that the call
 * says RV_ERR_NOTSUP.
 */
#include "testutil.h"
#include "contract_harness.h"
#include "lite_util.h"

#include "provider.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "tarball.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- the registry and the capabilities --------------------------------- */

/* A provider is done when it passes this suite: it must have a harness. */
START_TEST(test_contract_every_provider_has_a_harness)
{
	const struct provider_ops *const *all = provider_all();

	ck_assert_ptr_nonnull(all[0]);
	for (size_t i = 0; all[i]; i++)
		ck_assert_msg(ct_harness_find(all[i]->name), "provider '%s' has "
			      "no entry in tests/contract_harness.c",
			      all[i]->name);
	for (size_t i = 0; i < ct_harness_count(); i++)
		ck_assert_ptr_nonnull(provider_find(ct_harnesses[i]->provider));
}
END_TEST

/* A back-end whose API names its sandboxes as a test says. */
static const char *fake_id;
static int fake_freed;

static enum rv_code fake_create(const struct provider_config *cfg,
				struct provider_sandbox **out,
				struct rv_err *err)
{
	(void)err;
	*out = rv_xcalloc(1, sizeof(**out));
	provider_sandbox_init(*out, NULL, cfg, fake_id, "n");
	return RV_OK;
}

static enum rv_code fake_attach(const struct provider_config *cfg,
				const char *id, struct provider_sandbox **out,
				struct rv_err *err)
{
	(void)id;
	return fake_create(cfg, out, err);
}

static void fake_free(struct provider_sandbox *sb)
{
	fake_freed++;
	provider_sandbox_release(sb);
	free(sb);
}

/* A new sandbox's id that is no id never reaches the caller, whatever
   the back-end: it would name <out>/sandbox-<id> and go into request
   paths.  attach takes the caller's id as it is (Docker's leftover
   images are "sha256:..."). */
START_TEST(test_contract_bad_ids_refused_for_every_backend)
{
	static const struct provider_ops fake = {
		.name = "fake", .create = fake_create, .attach = fake_attach,
		.sandbox_free = fake_free,
	};
	static const char *const bad[] = {
		"../../tmp/escaped", "", ".hidden", "a/b", "a b", "id\n",
	};
	struct provider_config cfg = { .job_id = "j" };
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_id = bad[i];
		fake_freed = 0;
		ck_assert_int_eq(provider_create(&fake, &cfg, &sb, &err),
				 RV_ERR_PROTO);
		ck_assert_ptr_null(sb);
		ck_assert_int_eq(fake_freed, 1);
		ck_assert_msg(strstr(err.msg, "may be left running") &&
			      strstr(err.msg, "fake:") &&
			      strstr(err.msg, "'runeval reap --job j'"), "%s",
			      err.msg);
		rv_err_clear(&err);
	}
	fake_id = "sha256:0123abcd";
	ck_assert_int_eq(provider_attach(&fake, &cfg, fake_id, &sb, &err),
			 RV_OK);
	ck_assert_str_eq(sb->id, "sha256:0123abcd");
	fake_free(sb);
	fake_id = "sbx-0123_abc.d";
	ck_assert_int_eq(provider_create(&fake, &cfg, &sb, &err), RV_OK);
	ck_assert_str_eq(sb->id, "sbx-0123_abc.d");
	fake_free(sb);
}
END_TEST

/* The caps tell the truth, and an op without one says RV_ERR_NOTSUP. */
START_TEST(test_contract_caps_match_the_slots)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	const struct provider_ops *o = w->ops;
	struct provider_sandbox *sb;
	struct rv_err err = RV_ERR_INIT;
	bool process = o->start_process && o->process_status &&
		o->process_logs && o->stop_process;

	ck_assert_str_eq(o->name, w->h->provider);
	ck_assert_msg(o->caps == w->h->caps, "'%s' claims caps %#x, its "
		      "harness expects %#x", o->name, o->caps, w->h->caps);
	ck_assert_msg(o->create && o->destroy && o->sandbox_free,
		      "a MUST slot is empty");
	ck_assert(!!(o->caps & PROVIDER_CAP_UPLOAD) == !!o->upload);
	ck_assert(!!(o->caps & PROVIDER_CAP_EXEC) == !!o->exec);
	ck_assert(!!(o->caps & PROVIDER_CAP_PROCESS) == process);
	ck_assert(!!(o->caps & PROVIDER_CAP_PREVIEW) == !!o->preview);
	ck_assert(!!(o->caps & PROVIDER_CAP_LIST) == (o->list && o->attach));
	/* a sandbox that is not this host needs the app uploaded */
	if (o->caps & PROVIDER_CAP_REMOTE)
		ck_assert(o->caps & PROVIDER_CAP_UPLOAD);

	sb = ct_create(w, &w->cfg);
	if (!o->upload) {
		ck_assert_int_eq(provider_upload(sb, "x.tar.gz", "00", "/tmp/x",
						 &err), RV_ERR_NOTSUP);
		ck_assert_msg(strstr(err.msg, o->name) &&
			      strstr(err.msg, "upload"), "%s", err.msg);
	}
	if (!o->list) {
		struct provider_list l = PROVIDER_LIST_INIT;
		struct provider_sandbox *a = sb;

		ck_assert_int_eq(provider_list(o, &w->cfg, PROVIDER_LABEL_JOB,
					       w->job, &l, &err), RV_ERR_NOTSUP);
		ck_assert_msg(strstr(err.msg, "list"), "%s", err.msg);
		ck_assert_int_eq(provider_attach(o, &w->cfg, sb->id, &a, &err),
				 RV_ERR_NOTSUP);
		ck_assert_ptr_null(a);
	}
	if (!o->exec) {
		struct provider_cmd c = { .shell = "true" };
		struct provider_exec_result r = PROVIDER_EXEC_RESULT_INIT;

		ck_assert_int_eq(provider_exec(sb, &c, &r, &err),
				 RV_ERR_NOTSUP);
	}
	if (!o->preview) {
		struct provider_preview pv = PROVIDER_PREVIEW_INIT;

		ck_assert_int_eq(provider_preview(sb, 8000, &pv, &err),
				 RV_ERR_NOTSUP);
	}
	ct_destroy(sb);
	ct_close(w);
}
END_TEST

/* --- create and destroy ----------------------------------------------- */

START_TEST(test_contract_create_destroy_idempotent)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_config cfg = w->cfg;
	struct provider_sandbox *sb;
	struct rv_err err = RV_ERR_INIT;

	cfg.name = w->name;
	sb = ct_create(w, &cfg);
	ck_assert_ptr_eq(sb->ops, w->ops);
	ck_assert_ptr_eq(sb->cfg, &cfg);
	ck_assert_msg(sb->id && *sb->id, "no id");
	ck_assert_msg(sb->name && !strcmp(sb->name, w->name),
		      "name '%s', asked for '%s'", sb->name, w->name);
	if (w->h->count)
		ck_assert_int_eq(ct_left(w, w->job), 1);
	/* a provider with a remote API logs every call attempt */
	if (w->h->api_calls) {
		size_t ok = 0;

		ck_assert_uint_gt(w->attempts.n, 0);
		for (size_t i = 0; i < w->attempts.n; i++) {
			const struct provider_attempt *a = &w->attempts.v[i];

			ck_assert_msg(a->op[0], "attempt %zu has no op", i);
			ck_assert(a->ms >= 0);
			ok += a->status >= 200 && a->status <= 299 &&
				!a->error[0];
		}
		ck_assert_msg(ok > 0, "no successful attempt in the log");
	}
	ck_assert_int_eq(provider_destroy(sb, &err), RV_OK);
	if (w->h->count)
		ck_assert_int_eq(ct_left(w, w->job), 0);
	/* already gone is success, and free still works */
	ck_assert_msg(provider_destroy(sb, &err) == RV_OK, "%s", err.msg);
	ck_assert_msg(provider_destroy(sb, &err) == RV_OK, "%s", err.msg);
	provider_sandbox_free(sb);
	provider_sandbox_free(NULL);
	ct_close(w);
}
END_TEST

/* A failed create leaves *out NULL and nothing behind. */
START_TEST(test_contract_failed_create_leaves_nothing)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_config cfg = w->cfg;
	struct provider_sandbox *sb = (struct provider_sandbox *)&cfg;
	struct rv_err err = RV_ERR_INIT;
	enum rv_code rc;

	/* no job: the sandbox could never be reaped, so none is made */
	cfg.job_id = NULL;
	ck_assert_int_eq(provider_create(w->ops, &cfg, &sb, &err),
			 RV_ERR_USAGE);
	ck_assert_ptr_null(sb);
	ck_assert_msg(strstr(err.msg, "create") && strstr(err.msg, "job"),
		      "%s", err.msg);
	/* a wrong credential: RV_ERR_AUTH, which means nothing exists */
	if (w->h->api_key) {
		static const char wrong[] = "ct-wrong-key-0123456789";

		cfg = w->cfg;
		cfg.api_key = wrong;
		sb = (struct provider_sandbox *)&cfg;
		ck_assert_int_eq(provider_create(w->ops, &cfg, &sb, &err),
				 RV_ERR_AUTH);
		ck_assert_ptr_null(sb);
		ck_assert_ptr_null(strstr(err.msg, wrong));
		ck_assert_int_eq(ct_left(w, w->job), 0);
	}
	ct_close(w);

	/* made, then failed to start: deleted before create returns */
	w = ct_open(_i, CT_FAULT_CREATE_FAILS);
	if (!w)
		return;
	sb = (struct provider_sandbox *)&cfg;
	rc = provider_create(w->ops, &w->cfg, &sb, &err);
	ck_assert_int_ne(rc, RV_OK);
	ck_assert_ptr_null(sb);
	ck_assert_msg(err.msg[0], "no message");
	if (w->h->count)
		ck_assert_int_eq(ct_left(w, w->job), 0);
	ct_close(w);
}
END_TEST

struct canceller {
	struct ct_world *w;
	uint64_t raised_ns;
};

/* Raise the cancel flag once the back-end has the sandbox. */
static void *cancel_when_made(void *arg)
{
	struct canceller *c = arg;
	uint64_t end = rv_now_ns() + (uint64_t)CT_WAIT_MS * RV_NS_PER_MS;

	while (c->w->h->count && ct_left(c->w, c->w->job) < 1 &&
	       rv_now_ns() < end)
		usleep(10000);
	usleep(100000);		/* well into the wait for 'started' */
	c->raised_ns = rv_now_ns();
	c->w->cancel = 1;
	return NULL;
}

START_TEST(test_contract_cancel_during_create)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;
	struct canceller c = { 0 };
	uint64_t t0 = rv_now_ns();
	pthread_t th;
	enum rv_code rc;

	/* raised before: nothing to wait for, or RV_ERR_INTR and nothing */
	w->cancel = 1;
	rc = provider_create(w->ops, &w->cfg, &sb, &err);
	ck_assert_msg(rc == RV_OK || rc == RV_ERR_INTR, "%s", err.msg);
	ck_assert_uint_lt(rv_now_ns() - t0, 5 * RV_NS_PER_SEC);
	if (rc == RV_OK) {
		w->cancel = 0;
		ct_destroy(sb);
	} else {
		ck_assert_ptr_null(sb);
	}
	if (w->h->count)
		ck_assert_int_eq(ct_left(w, w->job), 0);
	ct_close(w);

	/* raised while create waits for a sandbox that never starts */
	w = ct_open(_i, CT_FAULT_CREATE_STALLS);
	if (!w)
		return;
	c.w = w;
	pthread_create(&th, NULL, cancel_when_made, &c);
	rc = provider_create(w->ops, &w->cfg, &sb, &err);
	pthread_join(th, NULL);
	ck_assert_msg(rc == RV_ERR_INTR, "create gave %d: %s", rc, err.msg);
	ck_assert_ptr_null(sb);
	ck_assert_msg(rv_now_ns() - c.raised_ns < 10 * RV_NS_PER_SEC,
		      "create took %.1f s to give up",
		      (double)(rv_now_ns() - c.raised_ns) / RV_NS_PER_SEC);
	if (w->h->count)
		ck_assert_int_eq(ct_left(w, w->job), 0);
	ct_close(w);
}
END_TEST

/* --- upload ------------------------------------------------------------- */

START_TEST(test_contract_upload_keeps_modes_and_symlinks)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	struct rv_err err = RV_ERR_INIT;
	struct tarball_info info;
	char *tar, *dir, *bad, *out, *missing;
	char wrong[TARBALL_SHA256_HEX];

	tar = ct_tarball(w, &info);
	if (!ct_has_cap(w, PROVIDER_CAP_UPLOAD)) {
		ck_assert_int_eq(provider_upload(sb, tar, info.sha256, w->box,
						 &err), RV_ERR_NOTSUP);
		goto out;
	}
	ct_box(w, sb);
	dir = rv_xasprintf("%s/app", w->box);
	ck_assert_msg(provider_upload(sb, tar, info.sha256, dir, &err) ==
		      RV_OK, "upload: %s", err.msg);
	out = ct_sh_ok(sb, dir, "stat -c '%a %F %n' run.sh data "
		       "data/secret.txt link; readlink link; cat link; "
		       "./run.sh");
	ck_assert_str_eq(out, "755 regular file run.sh\n"
			 "750 directory data\n"
			 "600 regular file data/secret.txt\n"
			 "777 symbolic link link\n"
			 "data/secret.txt\n"
			 "secret-42\n"
			 "ran-ok\n");
	free(out);

	/* into a directory that is there: what it held stays, the bundle's
	   files are replaced, and nothing of the unpack is left next to it */
	out = ct_sh_ok(sb, dir, "echo mine > own.txt; echo old > run.sh");
	free(out);
	ck_assert_msg(provider_upload(sb, tar, info.sha256, dir, &err) ==
		      RV_OK, "upload again: %s", err.msg);
	out = ct_sh_ok(sb, dir, "cat own.txt; ./run.sh; ls -a .. | "
		       "grep -c unpack || true");
	ck_assert_str_eq(out, "mine\nran-ok\n0\n");
	free(out);
	free(dir);

	/* what arrived is checked: a wrong checksum unpacks nothing */
	snprintf(wrong, sizeof(wrong), "%s", info.sha256);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	bad = rv_xasprintf("%s/bad", w->box);
	ck_assert_int_ne(provider_upload(sb, tar, wrong, bad, &err), RV_OK);
	ck_assert_msg(err.msg[0], "no message");
	ck_assert_int_eq(ct_sh(sb, NULL, 30000, &res, &err,
			       "test -e '%s/run.sh'", bad), RV_OK);
	ck_assert_msg(res.exit_code != 0, "unpacked despite a wrong checksum");
	provider_exec_result_release(&res);
	ck_assert_int_eq(ct_sh(sb, NULL, 30000, &res, &err, "ls -a '%s' | "
			       "grep unpack", w->box), RV_OK);
	ck_assert_msg(res.exit_code != 0, "a staging directory was left: %s",
		      res.output.data);
	provider_exec_result_release(&res);
	free(bad);

	/* a local file that is not there: an error that says upload */
	missing = rv_xasprintf("%s/no-such.tar.gz", w->tmp);
	ck_assert_int_ne(provider_upload(sb, missing, info.sha256, w->box,
					 &err), RV_OK);
	ck_assert_msg(strstr(err.msg, "upload"), "%s", err.msg);
	free(missing);
out:
	ct_destroy(sb);
	free(tar);
	ct_close(w);
}
END_TEST

/* --- exec --------------------------------------------------------------- */

START_TEST(test_contract_exec_codes_output_env)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	const char *argv[] = { "sh", "-c", "printf '[%s]' \"$1\"", "sh",
			       "a b 'c' $HOME", NULL };
	const char *env[] = { "CT_CMD_ENV=it's a \"test\" $x", NULL };
	struct provider_cmd c = { 0 };
	struct rv_err err = RV_ERR_INIT;
	static const struct { const char *line; int code; } codes[] = {
		{ "true", 0 }, { "exit 3", 3 },
		{ "kill -KILL $$", 128 + 9 }, { "kill -TERM $$", 128 + 15 },
	};
	char *out;

	if (!ct_has_cap(w, PROVIDER_CAP_EXEC))
		goto out;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		ck_assert_msg(ct_sh(sb, NULL, 30000, &res, &err, "%s",
				    codes[i].line) == RV_OK, "%s", err.msg);
		ck_assert_msg(res.exit_code == codes[i].code, "'%s' exited "
			      "%d, want %d", codes[i].line, res.exit_code,
			      codes[i].code);
		provider_exec_result_release(&res);
	}
	/* stdout and stderr both come back */
	ck_assert_int_eq(ct_sh(sb, NULL, 30000, &res, &err,
			       "echo to-out; echo to-err >&2; exit 5"), RV_OK);
	ck_assert_int_eq(res.exit_code, 5);
	ck_assert_msg(strstr(res.output.data, "to-out\n") &&
		      strstr(res.output.data, "to-err\n"), "%s",
		      res.output.data);
	provider_exec_result_release(&res);
	/* argv goes through unmangled; env of the sandbox and the command */
	c.argv = argv;
	ck_assert_int_eq(provider_exec(sb, &c, &res, &err), RV_OK);
	ck_assert_str_eq(res.output.data, "[a b 'c' $HOME]");
	provider_exec_result_release(&res);
	memset(&c, 0, sizeof(c));
	c.shell = "printf '%s|%s' \"$CT_SANDBOX_ENV\" \"$CT_CMD_ENV\"";
	c.env = env;
	ck_assert_int_eq(provider_exec(sb, &c, &res, &err), RV_OK);
	ck_assert_str_eq(res.output.data,
			 "from the config|it's a \"test\" $x");
	provider_exec_result_release(&res);
	/* cwd */
	ct_box(w, sb);
	out = ct_sh_ok(sb, w->box, "pwd");
	ck_assert_msg(!strncmp(out, w->box, strlen(w->box)) &&
		      !strcmp(out + strlen(w->box), "\n"), "pwd: %s", out);
	free(out);
out:
	if (!ct_has_cap(w, PROVIDER_CAP_EXEC)) {
		c.shell = "true";
		ck_assert_int_eq(provider_exec(sb, &c, &res, &err),
				 RV_ERR_NOTSUP);
	}
	ct_destroy(sb);
	ct_close(w);
}
END_TEST

START_TEST(test_contract_exec_timeout)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	struct rv_err err = RV_ERR_INIT;
	uint64_t t0;

	if (ct_has_cap(w, PROVIDER_CAP_EXEC)) {
		t0 = rv_now_ns();
		ck_assert_int_eq(ct_sh(sb, NULL, 1000, &res, &err, "sleep 30"),
				 RV_ERR_TIMEOUT);
		ck_assert_uint_lt(rv_now_ns() - t0, 15 * RV_NS_PER_SEC);
		ck_assert_msg(strstr(err.msg, "timed out"), "%s", err.msg);
		provider_exec_result_release(&res);
		/* the sandbox still works */
		free(ct_sh_ok(sb, NULL, "true"));
	}
	ct_destroy(sb);
	ct_close(w);
}
END_TEST

/* Raise the cancel flag once the marked process runs (or after a moment
   where this host cannot see it). */
struct exec_canceller {
	struct ct_world *w;
	const char *marker;
	uint64_t raised_ns;
};

static void *cancel_when_running(void *arg)
{
	struct exec_canceller *c = arg;

	if (c->w->h->host_procs)
		tl_wait_procs(c->marker, 1, CT_WAIT_MS);
	else
		usleep(500000);
	c->raised_ns = rv_now_ns();
	c->w->cancel = 1;
	return NULL;
}

/* exec is a long wait too: the cancel flag ends it, and what it ran. */
START_TEST(test_contract_cancel_during_exec)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	struct exec_canceller c = { w, NULL, 0 };
	struct rv_err err = RV_ERR_INIT;
	char *marker = ct_marker(w, "exec");
	enum rv_code rc;
	pthread_t th;

	if (!ct_has_cap(w, PROVIDER_CAP_EXEC))
		goto out;
	c.marker = marker;
	pthread_create(&th, NULL, cancel_when_running, &c);
	rc = ct_sh(sb, NULL, 120000, &res, &err, "exec python3 -c 'import "
		   "time; time.sleep(90)' %s", marker);
	pthread_join(th, NULL);
	ck_assert_msg(rc == RV_ERR_INTR, "exec gave %d: %s", rc, err.msg);
	ck_assert_msg(rv_now_ns() - c.raised_ns < 10 * RV_NS_PER_SEC,
		      "exec took %.1f s to give up",
		      (double)(rv_now_ns() - c.raised_ns) / RV_NS_PER_SEC);
	provider_exec_result_release(&res);
	w->cancel = 0;
out:
	ct_destroy(sb);
	if (w->h->host_procs)
		ck_assert_msg(tl_wait_procs(marker, 0, CT_WAIT_MS),
			      "'%s' outlived its sandbox", marker);
	free(marker);
	ct_close(w);
}
END_TEST

/* --- background processes ------------------------------------------------ */

START_TEST(test_contract_process_log_status_stop)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	const char *env[] = { "CT_CMD_ENV=bg 'env'", NULL };
	char *log = rv_xasprintf("%s/bg.log", w->tmp);
	struct provider_cmd cmd = {
		.shell = "echo \"out $CT_CMD_ENV\"; echo err-line >&2; "
			 "while [ ! -e go ]; do sleep 0.02; done; exit 4",
		.env = env, .log_path = log,
	};
	static const char *const want[] = { "out bg 'env'\n", "err-line\n",
					    NULL };
	struct provider_proc *p = NULL;
	struct provider_proc_status st;
	struct rv_buf tail = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *text;

	if (!ct_has_cap(w, PROVIDER_CAP_PROCESS)) {
		ck_assert_int_eq(provider_start_process(sb, &cmd, &p, &err),
				 RV_ERR_NOTSUP);
		goto out;
	}
	ct_box(w, sb);
	cmd.cwd = w->box;
	ck_assert_msg(provider_start_process(sb, &cmd, &p, &err) == RV_OK,
		      "start_process: %s", err.msg);
	ck_assert_ptr_nonnull(p);
	/* it waits for 'go': running, and its output is in the log */
	text = ct_wait_file(log, want);
	ck_assert_msg(strstr(text, want[0]) && strstr(text, want[1]),
		      "log: '%s'", text);
	free(text);
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(st.running);
	/* a private env went in as a file, gone before the command ran */
	if (ct_has_cap(w, PROVIDER_CAP_PRIVATE_ENV)) {
		text = ct_sh_ok(sb, NULL, "ls -a /tmp | grep -c runeval-env "
				"|| true");
		ck_assert_str_eq(text, "0\n");
		free(text);
	}
	free(ct_sh_ok(sb, w->box, "touch go"));
	ct_wait_exited(sb, p, &st);
	ck_assert_int_eq(st.exit_code, 4);
	ck_assert_int_eq(st.term_signal, 0);
	/* the tail of its output, appended to what out held */
	rv_buf_adds(&tail, "held|");
	ck_assert_msg(provider_process_logs(sb, p, 4096, &tail, &err) ==
		      RV_OK, "process_logs: %s", err.msg);
	ck_assert_msg(!strncmp(tail.data, "held|", 5) &&
		      strstr(tail.data, "out bg 'env'\n"), "%s", tail.data);
	rv_buf_reset(&tail);
	ck_assert_int_eq(provider_process_logs(sb, p, 5, &tail, &err), RV_OK);
	ck_assert_msg(tail.len <= 5 && tail.len > 0, "%zu bytes", tail.len);
	text = ct_read(log);
	ck_assert_str_eq(text + strlen(text) - tail.len, tail.data);
	free(text);
	/* stopping what has ended, twice, is fine */
	ck_assert_int_eq(provider_stop_process(sb, p, 1000, &err), RV_OK);
	ck_assert_int_eq(provider_stop_process(sb, p, 1000, &err), RV_OK);
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(!st.running);
out:
	ct_destroy(sb);
	rv_buf_release(&tail);
	free(log);
	ct_close(w);
}
END_TEST

/* A process that prints more than its log's cap: the head and the tail. */
START_TEST(test_contract_process_log_capped)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	char *log = rv_xasprintf("%s/cap.log", w->tmp);
	struct provider_cmd cmd = {
		.shell = "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; "
			 "i=$((i+1)); done; echo the-end",
		.log_path = log, .log_limit = 8192,
	};
	static const char *const want[] = { "the-end\n", NULL };
	struct provider_proc *p = NULL;
	struct provider_proc_status st;
	struct rv_buf tail = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *text, *note;

	if (!ct_has_cap(w, PROVIDER_CAP_PROCESS))
		goto out;
	ct_box(w, sb);
	cmd.cwd = w->box;
	ck_assert_msg(provider_start_process(sb, &cmd, &p, &err) == RV_OK,
		      "start_process: %s", err.msg);
	ct_wait_exited(sb, p, &st);
	/* the last lines, for an error message, before the stop */
	ck_assert_msg(provider_process_logs(sb, p, 200, &tail, &err) ==
		      RV_OK, "process_logs: %s", err.msg);
	ck_assert_msg(tail.len <= 200 && tail.len > 18 &&
		      !strcmp(tail.data + tail.len - 18,
			      "line 2999\nthe-end\n"), "%s", tail.data);
	ck_assert_int_eq(provider_stop_process(sb, p, 1000, &err), RV_OK);
	/* the tail is written when the output ends */
	text = ct_wait_file(log, want);
	ck_assert_msg(!strncmp(text, "line 0\nline 1\n", 14), "%.40s", text);
	note = strstr(text, "\n[runeval: this log reached its cap of 8192 "
		      "bytes");
	ck_assert_msg(note && note - text <= 4096, "%.200s", text);
	ck_assert(!strstr(text, "\nline 1500\n"));
	note = strstr(note, "bytes of output were dropped; the last ");
	ck_assert_msg(note && strstr(note, "\nline 2999\nthe-end\n"), "%s",
		      text);
	ck_assert_uint_le(strlen(text), 8192 + 400);
	free(text);
out:
	ct_destroy(sb);
	rv_buf_release(&tail);
	free(log);
	ct_close(w);
}
END_TEST

START_TEST(test_contract_stop_and_destroy_end_processes)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	char *m1 = ct_marker(w, "stop"), *m2 = ct_marker(w, "destroy");
	struct provider_proc_status st;
	struct rv_err err = RV_ERR_INIT;
	struct provider_proc *p;

	if (!ct_has_cap(w, PROVIDER_CAP_PROCESS))
		goto out;
	p = ct_sleeper(w, sb, m1);
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(st.running);
	ck_assert_msg(provider_stop_process(sb, p, 2000, &err) == RV_OK,
		      "stop_process: %s", err.msg);
	if (w->h->host_procs)
		ck_assert_msg(tl_wait_procs(m1, 0, CT_WAIT_MS), "stopped, yet "
			      "running");
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(!st.running);
	ck_assert_int_eq(provider_stop_process(sb, p, 2000, &err), RV_OK);

	/* destroy ends what is still running */
	p = ct_sleeper(w, sb, m2);
	ck_assert_int_eq(provider_destroy(sb, &err), RV_OK);
	if (w->h->host_procs)
		ck_assert_msg(tl_wait_procs(m2, 0, CT_WAIT_MS), "destroyed, yet "
			      "running");
	if (provider_process_status(sb, p, &st, &err) == RV_OK)
		ck_assert(!st.running);
out:
	ct_destroy(sb);
	free(m1);
	free(m2);
	ct_close(w);
}
END_TEST

/* --- preview -------------------------------------------------------------- */

START_TEST(test_contract_preview_reaches_the_port)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	struct provider_proc *p = NULL;
	int port = tu_free_port();
	char *marker = ct_marker(w, "preview"), *line, *start;
	struct provider_cmd cmd = { 0 };

	if (!ct_has_cap(w, PROVIDER_CAP_PREVIEW) ||
	    !ct_has_cap(w, PROVIDER_CAP_PROCESS))
		goto out;
	ct_box(w, sb);
	line = rv_xasprintf("printf %s > hello.txt", marker);
	free(ct_sh_ok(sb, w->box, line));
	free(line);
	start = rv_xasprintf("exec python3 -m http.server %d --bind "
			     "127.0.0.1", port);
	cmd.shell = start;
	cmd.cwd = w->box;
	ck_assert_msg(provider_start_process(sb, &cmd, &p, &err) == RV_OK,
		      "%s", err.msg);
	ck_assert_msg(provider_preview(sb, port, &pv, &err) == RV_OK,
		      "preview: %s", err.msg);
	ck_assert_msg(!strncmp(pv.url, "http", 4), "url '%s'", pv.url);
	ck_assert_msg(pv.url[strlen(pv.url) - 1] != '/', "url '%s'", pv.url);
	ck_assert_int_eq(ct_get(&pv, "/hello.txt", &resp), 200);
	ck_assert_str_eq(resp.body.data, marker);
	ck_assert_int_eq(provider_stop_process(sb, p, 1000, &err), RV_OK);
	free(start);
out:
	rv_http_response_release(&resp);
	provider_preview_release(&pv);
	provider_preview_release(&pv);	/* released twice: fine */
	ct_destroy(sb);
	free(marker);
	ct_close(w);
}
END_TEST

/* --- list --------------------------------------------------------------- */

static size_t listed(struct ct_world *w, const char *job, const char *id)
{
	struct provider_list l = PROVIDER_LIST_INIT;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_msg(provider_list(w->ops, &w->cfg, job ? PROVIDER_LABEL_JOB :
				    NULL, job, &l, &err) == RV_OK, "list: %s",
		      err.msg);
	for (size_t i = 0; i < l.n; i++) {
		if (job) {
			ck_assert_msg(l.items[i].job_id &&
				      !strcmp(l.items[i].job_id, job),
				      "listed a sandbox of job '%s'",
				      l.items[i].job_id);
			ck_assert_ptr_nonnull(l.items[i].name);
		}
		if (!id || !strcmp(l.items[i].id, id))
			n++;
	}
	provider_list_release(&l);
	return n;
}

START_TEST(test_contract_list_by_job)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_config other = w->cfg;
	struct provider_sandbox *a, *b, *b2 = NULL;
	struct rv_err err = RV_ERR_INIT;
	char job2[80];

	if (!ct_has_cap(w, PROVIDER_CAP_LIST)) {
		ct_close(w);
		return;	/* NOTSUP checked by test_contract_caps_match */
	}
	snprintf(job2, sizeof(job2), "%s-other", w->job);
	other.job_id = job2;
	a = ct_create(w, &w->cfg);
	b = ct_create(w, &other);
	ck_assert_uint_eq(listed(w, w->job, NULL), 1);
	ck_assert_uint_eq(listed(w, w->job, a->id), 1);
	ck_assert_uint_eq(listed(w, job2, b->id), 1);
	ck_assert_uint_eq(listed(w, job2, NULL), 1);
	/* key NULL: every runeval sandbox */
	ck_assert_uint_eq(listed(w, NULL, a->id) + listed(w, NULL, b->id), 2);
	/* the reaper's path: attach by id, destroy through that handle */
	ck_assert_msg(provider_attach(w->ops, &other, b->id, &b2, &err) ==
		      RV_OK, "attach: %s", err.msg);
	ck_assert_str_eq(b2->id, b->id);
	ct_destroy(b2);
	ck_assert_uint_eq(listed(w, job2, NULL), 0);
	ck_assert_uint_eq(listed(w, w->job, NULL), 1);
	ct_destroy(b);		/* gone already: still fine */
	ct_destroy(a);
	ck_assert_uint_eq(listed(w, w->job, NULL), 0);
	ct_close(w);
}
END_TEST

/* --- errors ------------------------------------------------------------- */

/* Each failing operation says which operation failed. */
START_TEST(test_contract_errors_name_the_operation)
{
	struct ct_world *w = ct_open(_i, CT_FAULT_NONE);
	struct provider_sandbox *sb = ct_create(w, &w->cfg);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct provider_cmd none = { 0 };
	struct provider_cmd badlog = { .shell = "echo never" };
	struct provider_proc *p = (struct provider_proc *)&none;
	struct rv_err err = RV_ERR_INIT;
	char *log = rv_xasprintf("%s/no-such-dir/app.log", w->tmp);

	if (ct_has_cap(w, PROVIDER_CAP_EXEC)) {
		ck_assert_int_eq(provider_exec(sb, &none, &res, &err),
				 RV_ERR_USAGE);
		ck_assert_msg(strstr(err.msg, "exec"), "%s", err.msg);
	}
	if (ct_has_cap(w, PROVIDER_CAP_PROCESS)) {
		ck_assert_int_eq(provider_start_process(sb, &none, &p, &err),
				 RV_ERR_USAGE);
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err.msg, "start"), "%s", err.msg);
		/* a log that cannot be written: nothing is started */
		badlog.log_path = log;
		p = (struct provider_proc *)&none;
		ck_assert_int_eq(provider_start_process(sb, &badlog, &p, &err),
				 RV_ERR_IO);
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err.msg, log), "%s", err.msg);
	}
	if (ct_has_cap(w, PROVIDER_CAP_PREVIEW)) {
		static const int ports[] = { 0, -1, 65536 };

		for (size_t i = 0; i < 3; i++) {
			ck_assert_int_eq(provider_preview(sb, ports[i], &pv,
							  &err), RV_ERR_USAGE);
			ck_assert_msg(strstr(err.msg, "preview"), "%s",
				      err.msg);
			ck_assert_ptr_null(pv.url);
		}
	}
	ct_destroy(sb);
	free(log);
	ct_close(w);
}
END_TEST

static Suite *contract_suite(void)
{
	Suite *s = suite_create("provider_contract");
	TCase *reg = tcase_create("registry");

	tcase_add_test(reg, test_contract_every_provider_has_a_harness);
	tcase_add_test(reg, test_contract_bad_ids_refused_for_every_backend);
	suite_add_tcase(s, reg);
	for (int i = 0; ct_harnesses[i]; i++) {
		TCase *tc = tcase_create(ct_harnesses[i]->provider);

		tcase_set_timeout(tc, 90);
		tcase_add_loop_test(tc, test_contract_caps_match_the_slots, i,
				    i + 1);
		tcase_add_loop_test(tc, test_contract_create_destroy_idempotent,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_failed_create_leaves_nothing,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_cancel_during_create, i,
				    i + 1);
		tcase_add_loop_test(tc,
				    test_contract_upload_keeps_modes_and_symlinks,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_exec_codes_output_env, i,
				    i + 1);
		tcase_add_loop_test(tc, test_contract_exec_timeout, i, i + 1);
		tcase_add_loop_test(tc, test_contract_cancel_during_exec, i,
				    i + 1);
		tcase_add_loop_test(tc, test_contract_process_log_status_stop,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_process_log_capped, i,
				    i + 1);
		tcase_add_loop_test(tc,
				    test_contract_stop_and_destroy_end_processes,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_preview_reaches_the_port,
				    i, i + 1);
		tcase_add_loop_test(tc, test_contract_list_by_job, i, i + 1);
		tcase_add_loop_test(tc, test_contract_errors_name_the_operation,
				    i, i + 1);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	rv_http_global_init();
	ct_suite_setup();
	return tu_run_suite(contract_suite()) ? 1 : 0;
}
