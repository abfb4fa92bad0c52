/*
 * sandbox: the recipe of every remote provider (daytona, docker, ...).
 * Phases: provision (create and wait until started), upload (the app as
 * one tar.gz, checked and unpacked inside), install (the setup command,
 * if any), snapshot (when the runner asks: the sandbox saved after
 * install), start, preview, health; a shard that starts from the job's
 * snapshot instead runs restore (create from it: the app and what its
 * install made are there), start, preview, health.  Teardown destroys
 * the sandbox unless --keep.  The app's environment goes in with the
 * install and start steps, as an env file each deletes once read
 * (sandbox_upload_env; for start, the provider's own file when it keeps
 * a command's env private): never into a snapshot.
 *
 * The journal hook runs before the create ("intent"), once the sandbox
 * exists ("created"), after a confirmed delete ("deleted", from
 * mode_teardown_common) and when it is kept ("kept").
 */
#include "mode.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "tarball.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SANDBOX_REMOTE_DIR "/tmp/runeval-app"
/* The app's environment, in its directory, until the app has read it. */
#define SANDBOX_ENV_FILE ".runeval-env"

static enum rv_code sandbox_journal(struct mode_app *app, const char *event,
				    struct rv_err *err)
{
	if (!app->journal)
		return RV_OK;
	return app->journal(app, event, app->journal_arg, err);
}

/*
 * A failed create deletes what it made; confirm that nothing goes by our
 * name before the journal forgets it.  Otherwise reap will find it.
 */
static void sandbox_confirm_none(struct mode_app *app, enum rv_code why)
{
	struct provider_sandbox *sb = NULL;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;

	if (why == RV_ERR_CONFIG || why == RV_ERR_AUTH ||
	    why == RV_ERR_USAGE || why == RV_ERR_CONNECT) {
		/* refused or never sent: nothing was made (provider.h) */
		sandbox_journal(app, "deleted", NULL);
		return;
	}
	if (!app->pcfg->name)
		return;
	rc = provider_attach(app->provider, app->pcfg, app->pcfg->name, &sb,
			     &e);
	if (rc == RV_OK) {
		/* still there: one more try, then it is reap's */
		rc = provider_destroy(sb, &e);
		provider_sandbox_free(sb);
		if (rc != RV_OK)
			return;
	} else if (rc != RV_ERR_NOTFOUND) {
		return;
	}
	app->sb = NULL;
	sandbox_journal(app, "deleted", NULL);
}

static enum rv_code sandbox_provision(struct mode_app *app,
				      struct rv_err *err)
{
	enum rv_code rc;

	if (!(app->provider->caps & PROVIDER_CAP_REMOTE))
		return rv_errf(err, RV_ERR_CONFIG, "sandbox mode needs a "
			       "remote provider, not '%s'",
			       app->provider->name);
	if (!app->remote_dir)
		app->remote_dir = SANDBOX_REMOTE_DIR;
	rc = sandbox_journal(app, "intent", err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "not creating a sandbox");
		return rc;
	}
	rc = provider_create(app->provider, app->pcfg, &app->sb, err);
	if (rc != RV_OK) {
		sandbox_confirm_none(app, rc);
		return rc;
	}
	app->owns_sb = true;
	sandbox_journal(app, "created", NULL);	/* the intent covers it */
	return RV_OK;
}

/* "export NAME='value'" lines of the app's environment, PORT too. */
static char *sandbox_env_text(const struct mode_app *app, size_t *len)
{
	struct rv_buf b = RV_BUF_INIT;
	char *port_kv = NULL;
	const char **env = mode_app_env(app, NULL, &port_kv);

	rv_buf_adds(&b, "# runeval: the task app's environment\n");
	for (const char **e = env; *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || !rv_shell_name_ok(*e, (size_t)(eq - *e)))
			continue;
		rv_buf_addf(&b, "export %.*s=", (int)(eq - *e), *e);
		rv_buf_add_shell_word(&b, eq + 1);
		rv_buf_addch(&b, '\n');
	}
	free(env);
	free(port_kv);
	return rv_buf_detach(&b, len);
}

/*
 * The environment reaches the app as a file only its user can read
 * (0600), packed in memory (never on this host's disk) and unpacked into
 * the app's directory the way the app was: so no value is in the
 * provider's records, neither in the sandbox's create-time env (which
 * every get and list returns) nor in a command's text (which the
 * provider echoes back).  The install and the start step each upload it,
 * source it and delete it before their command runs, so that it is
 * never in a snapshot taken after install, nor left in the sandbox
 * (sandbox_start leaves it to a provider that keeps cmd->env private).
 */
static enum rv_code sandbox_upload_env(struct mode_app *app,
				       struct rv_err *err)
{
	struct tarball_info info;
	size_t len = 0;
	char *text = sandbox_env_text(app, &len), *path = NULL;
	int fd = memfd_create("runeval-env", MFD_CLOEXEC);
	enum rv_code rc;

	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot make the app's env file: "
			     "%s", strerror(errno));
		goto out;
	}
	rc = tarball_pack_file(SANDBOX_ENV_FILE, text, len, 0600, fd, &info,
			       err);
	if (rc != RV_OK)
		goto out;
	path = rv_xasprintf("/proc/self/fd/%d", fd);
	rc = provider_upload(app->sb, path, info.sha256, app->remote_dir, err);
out:
	explicit_bzero(text, len);
	free(text);
	free(path);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* cmd, run after sourcing the env file and deleting it. */
static char *sandbox_env_wrap(const struct mode_app *app, const char *cmd)
{
	char *file = rv_xasprintf("%s/%s", app->remote_dir, SANDBOX_ENV_FILE);
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_adds(&b, ". ");
	rv_buf_add_shell_word(&b, file);
	rv_buf_adds(&b, " && rm -f ");
	rv_buf_add_shell_word(&b, file);
	rv_buf_addf(&b, " && {\n%s\n}", cmd);
	free(file);
	return rv_buf_detach(&b, NULL);
}

static enum rv_code sandbox_upload(struct mode_app *app, struct rv_err *err)
{
	const struct mode_bundle *b;
	enum rv_code rc;

	if (!app->bundle && !app->own_bundle) {
		rc = mode_pack_app(app->app_dir, NULL, &app->own_bundle, err);
		if (rc != RV_OK)
			return rc;
	}
	b = app->bundle ? app->bundle : app->own_bundle;
	return provider_upload(app->sb, b->path, b->sha256, app->remote_dir,
			       err);
}

/*
 * A provider that keeps a command's env private (PROVIDER_CAP_PRIVATE_ENV:
 * daytona, e2b) gets it with the start command and writes it as a file
 * itself: no unpack to run first (8-13 ms of bring-up on daytona-lite).
 * The others get the env file first, unpacked by an upload of its own.
 */
static enum rv_code sandbox_start(struct mode_app *app, struct rv_err *err)
{
	enum rv_code rc;
	char *shell;

	if (app->provider->caps & PROVIDER_CAP_PRIVATE_ENV)
		return mode_step_start(app, err);
	rc = sandbox_upload_env(app, err);
	if (rc != RV_OK)
		return rc;
	shell = sandbox_env_wrap(app, app->start_cmd);
	rc = mode_start_cmd(app, shell, NULL, false, err);
	free(shell);
	return rc;
}

/* Lines and bytes of a failed setup's output shown with its error. */
#define SANDBOX_TAIL_LINES 10
#define SANDBOX_TAIL_BYTES 2048
#define SANDBOX_LAST_LINE 300

/*
 * The start of the last `lines` whole lines of text (at most max bytes,
 * but never less than the last line's start), ignoring a final newline.
 */
static const char *sandbox_tail(const char *text, size_t len,
				unsigned lines, size_t max)
{
	const char *end = text + len, *p;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	p = end;
	for (unsigned n = 0; n < lines && p > text; n++) {
		const char *q = p - 1;

		while (q > text && q[-1] != '\n')
			q--;
		if (n > 0 && (size_t)(end - q) > max)
			break;
		p = q;
	}
	return p;
}

/*
 * The setup command's whole output goes to setup.log beside the app's
 * log (sandbox-<id>/setup.log); a failure names it, quotes the last line
 * whole (or its end, from a word) and hands the last lines to the runner.
 */
static void sandbox_setup_failed(struct mode_app *app, const char *out,
				 int code, struct rv_err *err)
{
	char *red = rv_redact(out), *line, *nl;
	const char *log, *tail = sandbox_tail(red, strlen(red),
					       SANDBOX_TAIL_LINES,
					       SANDBOX_TAIL_BYTES);
	const char *last = sandbox_tail(red, strlen(red), 1, 0);

	line = rv_xstrdup(last);
	nl = strpbrk(line, "\r\n");
	if (nl)
		*nl = '\0';
	if (strlen(line) > SANDBOX_LAST_LINE) {
		const char *from = line + strlen(line) - SANDBOX_LAST_LINE;
		const char *sp = strchr(from, ' ');
		char *cut = rv_xasprintf("...%s", sp ? sp : from);

		free(line);
		line = cut;
	}
	free(app->fail_tail);
	app->fail_tail = *tail ? rv_xstrdup(tail) : NULL;
	/* under --no-out the file goes at exit: not named */
	log = app->log_gone ? NULL : app->fail_log;
	rv_errf(err, RV_ERR_CHILD, "setup command '%s' failed with exit %d%s%s"
		"%s: %s", app->setup_cmd, code, log ? " (output in " : "",
		log ? log : "", log ? ")" : "", *line ? line : "no output");
	free(line);
	free(red);
}

/* Save the output to setup.log next to the app's log (redacted). */
static void sandbox_setup_log(struct mode_app *app, const char *out)
{
	const char *slash = app->log_path ? strrchr(app->log_path, '/') : NULL;
	char *red;
	FILE *f;

	free(app->fail_log);
	app->fail_log = NULL;
	if (!slash)
		return;
	app->fail_log = rv_xasprintf("%.*s/setup.log",
				     (int)(slash - app->log_path),
				     app->log_path);
	f = fopen(app->fail_log, "we");
	if (!f) {
		rv_warn("cannot write '%s': %s", app->fail_log,
			strerror(errno));
		free(app->fail_log);
		app->fail_log = NULL;
		return;
	}
	red = rv_redact(out);
	fputs(red, f);
	fclose(f);
	free(red);
}

static enum rv_code sandbox_install(struct mode_app *app, struct rv_err *err)
{
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_cmd cmd = { 0 };
	enum rv_code rc;
	char *shell;

	if (!app->setup_cmd || !*app->setup_cmd)
		return RV_OK;
	rc = sandbox_upload_env(app, err);
	if (rc != RV_OK)
		return rc;
	shell = sandbox_env_wrap(app, app->setup_cmd);
	cmd.shell = shell;
	cmd.cwd = app->remote_dir;
	cmd.timeout_ms = app->step_timeout_ms;
	rc = provider_exec(app->sb, &cmd, &res, err);
	free(shell);
	if (rc == RV_OK)
		sandbox_setup_log(app, res.output.data);
	if (rc == RV_OK && res.exit_code != 0)
		sandbox_setup_failed(app, res.output.data, res.exit_code, err);
	rc = rc == RV_OK && res.exit_code != 0 ? RV_ERR_CHILD : rc;
	provider_exec_result_release(&res);
	return rc;
}

/*
 * How to reach a kept sandbox's app: a curl line with the header names
 * and shell variables for their values (a note is printed and may be
 * logged: never a value), where the values come from, and how to delete
 * it.  "X-Daytona-Preview-Token" becomes $X_DAYTONA_PREVIEW_TOKEN.
 */
static char *sandbox_kept_note(const struct mode_app *app)
{
	struct rv_buf b = RV_BUF_INIT, vars = RV_BUF_INIT;

	rv_buf_addf(&b, "sandbox '%s' (provider %s, job %s) kept; its app "
		    "listens on port %d.  Reach it with:\n  curl -H "
		    "\"X-API-Key: $ENVIRONMENT_API_KEY\"", app->sb->id,
		    app->provider->name, app->pcfg->job_id, app->port);
	for (char **h = app->preview.headers; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		size_t len = colon ? (size_t)(colon - *h) : strlen(*h);
		const char *value = colon ? colon + 1 + (colon[1] == ' ') : "";
		char *red = rv_redact(value);

		rv_buf_addf(&b, " -H \"%.*s: ", (int)len, *h);
		if (!strcmp(red, value)) {	/* not a secret: as it is */
			rv_buf_addf(&b, "%s\"", value);
			free(red);
			continue;
		}
		free(red);
		rv_buf_adds(&b, "$");
		rv_buf_addf(&vars, "%s", vars.len ? ", " : "");
		for (size_t i = 0; i < len; i++) {
			char c = (*h)[i] == '-' ? '_' :
				(char)toupper((unsigned char)(*h)[i]);

			rv_buf_add(&b, &c, 1);
			rv_buf_add(&vars, &c, 1);
		}
		rv_buf_adds(&b, "\"");
	}
	rv_buf_addf(&b, " %s/health\n", app->preview.url ? app->preview.url :
		    "<preview URL>");
	if (vars.len)
		rv_buf_addf(&b, "  %s: the token of the provider's preview of "
			    "port %d (its preview-url call)\n", vars.data,
			    app->port);
	rv_buf_addf(&b, "  ENVIRONMENT_API_KEY: the app's key; set it before "
		    "running runeval to choose it (else the job minted one)\n"
		    "  delete it with: runeval reap --job %s",
		    app->pcfg->job_id);
	rv_buf_release(&vars);
	return rv_buf_detach(&b, NULL);
}

/* A /proc/net/tcp{,6} address (hex) of a loopback: 127.x.x.x (stored
   little-endian, so "...7F"), ::1 or ::ffff:127.x.x.x. */
static bool sandbox_addr_loopback(const char *a)
{
	size_t n = strlen(a);

	if (n == 8)
		return !strcasecmp(a + 6, "7F");
	return n == 32 && (!strcasecmp(a, "00000000000000000000000001000000") ||
			   (!strncasecmp(a, "0000000000000000FFFF0000", 24) &&
			    !strcasecmp(a + 30, "7F")));
}

/*
 * Does something in the sandbox listen on port only on a loopback
 * address (the app bound 127.0.0.1 or ::1, which a provider's preview
 * or published port does not reach)?  tables: /proc/net/tcp{,6}.
 */
static bool sandbox_loopback_only(const char *tables, int port)
{
	bool loopback = false, other = false;

	for (const char *line = tables; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char addr[40];
		unsigned lport, st;

		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*s %x", addr,
			   &lport, &st) != 3 || st != 0x0A ||
		    lport != (unsigned)port)
			continue;	/* not a LISTEN on port */
		if (sandbox_addr_loopback(addr))
			loopback = true;
		else
			other = true;
	}
	return loopback && !other;
}

/*
 * The health wait timed out: if the app listens only on loopback inside
 * the sandbox, say so (it must listen on 0.0.0.0).
 */
static enum rv_code sandbox_health(struct mode_app *app, struct rv_err *err)
{
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_cmd cmd = {
		.shell = "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; exit 0",
		.timeout_ms = 10000,
	};
	enum rv_code rc = mode_step_health(app, err);

	if (rc != RV_ERR_TIMEOUT || !app->sb ||
	    !(app->provider->caps & PROVIDER_CAP_EXEC))
		return rc;
	if (err && provider_exec(app->sb, &cmd, &res, NULL) == RV_OK &&
	    res.output.data && sandbox_loopback_only(res.output.data,
						     app->port)) {
		char *was = rv_xstrdup(err->msg);

		rv_errf(err, rc, "%s; the app listens on port %d only on "
			"loopback (127.0.0.1 or ::1) inside the sandbox, which "
			"the preview cannot reach: make it listen on 0.0.0.0",
			was, app->port);
		free(was);
	}
	provider_exec_result_release(&res);
	return rc;
}

/* The job's snapshot, from the sandbox as install left it. */
static enum rv_code sandbox_snapshot(struct mode_app *app, struct rv_err *err)
{
	if (!app->snapshot_name)
		return RV_OK;
	free(app->snapshot);
	app->snapshot = NULL;
	return provider_snapshot(app->sb, app->snapshot_name, &app->snapshot,
				 err);
}

static enum rv_code sandbox_teardown(struct mode_app *app,
				     struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	if (app->keep && app->sb && app->owns_sb) {
		free(app->kept_note);
		app->kept_note = sandbox_kept_note(app);
		sandbox_journal(app, "kept", NULL);
		/* leave the app running: free the handle only */
		app->proc = NULL;
		provider_sandbox_free(app->sb);
		app->sb = NULL;
		app->owns_sb = false;
		provider_preview_release(&app->preview);
	} else {
		rc = mode_teardown_common(app, err);
	}
	mode_pack_release(app->own_bundle);
	app->own_bundle = NULL;
	return rc;
}

/* The app packed once for every sandbox of the job (or found packed in
   the cache: bundle.h). */
static enum rv_code sandbox_prepare(struct mode_job *mj, struct rv_err *err)
{
	return mode_pack_app(mj->app_dir, mj->cache_dir, &mj->bundle, err);
}

static void sandbox_release(struct mode_job *mj)
{
	mode_pack_release(mj->bundle);
	mj->bundle = NULL;
}

static const struct mode_step sandbox_steps[] = {
	{ RV_PHASE_PROVISION, sandbox_provision, MODE_STEP_CREATES },
	{ RV_PHASE_UPLOAD, sandbox_upload, 0 },
	{ RV_PHASE_INSTALL, sandbox_install, 0 },
	{ RV_PHASE_SNAPSHOT, sandbox_snapshot, MODE_STEP_SNAPSHOT },
	{ RV_PHASE_START, sandbox_start, 0 },
	{ RV_PHASE_PREVIEW, mode_step_preview, 0 },
	{ RV_PHASE_HEALTH, sandbox_health, 0 },
	{ RV_PHASE_NONE, NULL, 0 },
};

/* From the job's snapshot: created with the app already installed. */
static const struct mode_step sandbox_restored_steps[] = {
	{ RV_PHASE_RESTORE, sandbox_provision, MODE_STEP_CREATES },
	{ RV_PHASE_START, sandbox_start, 0 },
	{ RV_PHASE_PREVIEW, mode_step_preview, 0 },
	{ RV_PHASE_HEALTH, sandbox_health, 0 },
	{ RV_PHASE_NONE, NULL, 0 },
};

const struct mode_ops mode_sandbox = {
	.name = "sandbox",
	.flags = MODE_SANDBOXED | MODE_SELF_CONTAINED,
	.label = "sandbox",
	.app_host = "0.0.0.0",
	.default_port = 8000,
	.prepare_phase = RV_PHASE_BUNDLE,
	.prepare = sandbox_prepare,
	.release = sandbox_release,
	.up = sandbox_steps,
	.up_restored = sandbox_restored_steps,
	.teardown = sandbox_teardown,
};
