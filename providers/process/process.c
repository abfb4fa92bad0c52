/* The `process` provider: task apps as process groups on this host. */
#include "process.h"

#include "process_run.h"
#include "rv_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

struct process_sandbox {
	struct provider_sandbox base;	/* first */
	struct process_set procs;
};

static struct process_sandbox *process_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_process)
		rv_bug("process: foreign sandbox '%s'", sb->ops->name);
	return (struct process_sandbox *)sb;
}

static enum rv_code process_create(const struct provider_config *cfg,
				   struct provider_sandbox **out,
				   struct rv_err *err)
{
	struct process_sandbox *ps = rv_xcalloc(1, sizeof(*ps));
	char id[32];

	/* orphans of our task apps become our children: reap, not leak */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(id, sizeof(id), "local-%ld", (long)getpid());
	provider_sandbox_init(&ps->base, &provider_process, cfg, id,
			      cfg && cfg->name ? cfg->name : "local-0");
	*out = &ps->base;
	return RV_OK;
}

static enum rv_code process_start(struct provider_sandbox *sb,
				  const struct provider_cmd *cmd,
				  struct provider_proc **out,
				  struct rv_err *err)
{
	struct process_spec spec = PROCESS_SPEC_INIT;

	return process_run_start(&process_downcast(sb)->procs, sb->cfg, &spec,
				 cmd, out, err);
}

static enum rv_code process_status(struct provider_sandbox *sb,
				   struct provider_proc *p,
				   struct provider_proc_status *st,
				   struct rv_err *err)
{
	(void)process_downcast(sb);
	process_proc_status(p, st);
	return RV_OK;
}

static enum rv_code process_logs(struct provider_sandbox *sb,
				 struct provider_proc *p, size_t max_bytes,
				 struct rv_buf *out, struct rv_err *err)
{
	(void)process_downcast(sb);
	return process_proc_logs(p, max_bytes, out, err);
}

static enum rv_code process_stop(struct provider_sandbox *sb,
				 struct provider_proc *p, long grace_ms,
				 struct rv_err *err)
{
	(void)process_downcast(sb);
	return process_proc_stop(p, grace_ms, err);
}

static enum rv_code process_preview(struct provider_sandbox *sb, int port,
				    struct provider_preview *pv,
				    struct rv_err *err)
{
	(void)process_downcast(sb);
	pv->url = rv_xasprintf("http://127.0.0.1:%d", port);
	pv->headers = NULL;
	return RV_OK;
}

static enum rv_code process_destroy(struct provider_sandbox *sb,
				    struct rv_err *err)
{
	return process_set_stop(&process_downcast(sb)->procs,
				PROCESS_STOP_GRACE_MS, err);
}

static void process_free(struct provider_sandbox *sb)
{
	struct process_sandbox *ps;

	if (!sb)
		return;
	ps = process_downcast(sb);
	process_set_free(&ps->procs);
	provider_sandbox_release(sb);
	free(ps);
}

static enum rv_code process_exec(struct provider_sandbox *sb,
				 const struct provider_cmd *cmd,
				 struct provider_exec_result *res,
				 struct rv_err *err)
{
	struct process_spec spec = PROCESS_SPEC_INIT;

	(void)process_downcast(sb);
	return process_run_exec(sb->cfg, &spec, cmd, res, err);
}

static bool process_owns_port(struct provider_sandbox *sb,
			      struct provider_proc *p, int port)
{
	(void)process_downcast(sb);
	return process_group_owns_port(process_proc_pgid(p), port);
}

const struct provider_ops provider_process = {
	.name = "process",
	.alias = "local",
	.caps = PROVIDER_CAP_EXEC | PROVIDER_CAP_PROCESS |
		PROVIDER_CAP_PREVIEW,
	.create = process_create,
	.attach = NULL,
	.upload = NULL,
	.exec = process_exec,
	.start_process = process_start,
	.process_status = process_status,
	.process_logs = process_logs,
	.stop_process = process_stop,
	.preview = process_preview,
	.destroy = process_destroy,
	.sandbox_free = process_free,
	.list = NULL,
	.owns_port = process_owns_port,
};
