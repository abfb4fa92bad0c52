#include "info.h"

#include "app.h"
#include "minibench.h"
#include "policy.h"
#include "rv_alloc.h"
#include "sandbox.h"

#include <stdlib.h>
#include <string.h>

static const char info_name[] = "minibench: small C programming tasks";
static const char info_desc[] =
	"Write one C function from its statement and signature; the task app "
	"compiles it with the tests of the seed's instance and rewards the "
	"fraction of tests passed.";

json_t *taskapp_info_root(void)
{
	return json_pack("{s:s, s:s}", "status", "ok", "service",
			 TASKAPP_SERVICE);
}

static json_t *info_compiler(const struct taskapp_app *app)
{
	const struct taskapp_compiler *c = &app->cc;

	return json_pack("{s:b, s:o, s:o, s:o}", "found", c->found,
			 "path", c->path ? json_string(c->path) : json_null(),
			 "version", c->version ? json_string(c->version) :
			 json_null(),
			 "problem", c->problem ? json_string(c->problem) :
			 json_null());
}

/*
 * The sandbox mode and how well it confines: {"mode": "rlimits",
 * "isolation": "weak", "network": "blocked", "filesystem": ...}.
 */
static json_t *info_isolation(void)
{
	struct taskapp_sandbox_isolation iso;

	taskapp_sandbox_isolation(&iso);
	return json_pack("{s:s, s:s, s:s, s:s}",
			 "mode", taskapp_sandbox_mode_name(),
			 "isolation", iso.strong ? "strong" : "weak",
			 "network", iso.network_blocked ? "blocked" : "open",
			 "filesystem", iso.filesystem);
}

static json_t *info_sandbox(const struct taskapp_app *app)
{
	const struct taskapp_grade_opts *g = &app->grade;
	json_t *o = info_isolation();
	unsigned first, last;
	json_t *uids = taskapp_sandbox_uids(&first, &last) ?
		json_pack("[I, I]", (json_int_t)first, (json_int_t)last) :
		json_null();

	json_object_update_new(o, json_pack(
			 "{s:b, s:o, s:o, s:o, s:{s:f, s:I, s:I, s:I}, "
			 "s:{s:f, s:I, s:I, s:I}}",
			 "own_uid_per_slot", taskapp_sandbox_drops_ids(),
			 "uids", uids,
			 "uids_shared", *taskapp_sandbox_uid_note() ?
			 json_string(taskapp_sandbox_uid_note()) :
			 json_null(),
			 "fallback_reason", app->sandbox_note[0] ?
			 json_string(app->sandbox_note) : json_null(),
			 "compile", "wall_s", (double)g->compile.wall_ns / 1e9,
			 "memory_mb", (json_int_t)(g->compile.mem_bytes >> 20),
			 "processes", (json_int_t)g->compile.nproc,
			 "output_bytes", (json_int_t)g->compile.output_bytes,
			 "run", "wall_s", (double)g->run.wall_ns / 1e9,
			 "memory_mb", (json_int_t)(g->run.mem_bytes >> 20),
			 "processes", (json_int_t)g->run.nproc,
			 "output_bytes", (json_int_t)g->run.output_bytes));
	return o;
}

json_t *taskapp_info_health(const struct taskapp_app *app,
			    const struct taskapp_load *load)
{
	char prefix[32];
	json_t *h;

	taskapp_auth_prefix(&app->auth, prefix, sizeof(prefix));
	h = json_pack("{s:b, s:{s:b, s:s}, s:s, s:o, s:o, s:{s:i, s:i, s:I, s:i}}",
		      "healthy", app->cc.found,
		      "auth", "required", 1, "expected_prefix", prefix,
		      "version", RUNEVAL_VERSION,
		      "compiler", info_compiler(app),
		      "sandbox", info_isolation(),
		      "rollouts", "running", (int)load->running,
		      "queued", (int)load->queued,
		      "done", (json_int_t)load->done,
		      "workers", (int)app->workers);
	if (!app->cc.found)
		json_object_set_new(h, "problem", json_string(app->cc.problem ?
			app->cc.problem : "no C compiler found"));
	return h;
}

static json_t *info_task_descriptor(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", TASKAPP_SERVICE,
			 "name", info_name, "description", info_desc,
			 "version", RUNEVAL_VERSION);
}

static json_t *info_dataset(void)
{
	return json_pack("{s:s, s:s, s:s, s:[sss], s:n, s:s, s:I}",
			 "id", TASKAPP_SERVICE, "name", TASKAPP_SERVICE,
			 "version", RUNEVAL_VERSION,
			 "splits", "easy", "medium", "hard",
			 "default_split", "description", info_desc,
			 "size", (json_int_t)minibench_count());
}

static json_t *info_limits(const struct taskapp_app *app)
{
	return json_pack("{s:i, s:n, s:f}", "max_turns", TASKAPP_MAX_TURNS,
			 "max_response_tokens", "timeout_seconds",
			 app->max_rollout_s);
}

static json_t *info_policies(void)
{
	return json_pack("[ssss]", "reference", "noop", "code", "llm");
}

json_t *taskapp_info_info(const struct taskapp_app *app)
{
	return json_pack("{s:{s:o, s:s}, s:o, s:n, s:{s:n, s:n}, s:o, "
			 "s:o, s:o, s:o}",
			 "service", "task", info_task_descriptor(),
			 "version", RUNEVAL_VERSION,
			 "dataset", info_dataset(), "rubrics",
			 "inference", "model", "inference_url",
			 "limits", info_limits(app),
			 "compiler", info_compiler(app),
			 "sandbox", info_sandbox(app),
			 "policies", info_policies());
}

json_t *taskapp_info_taskset(void)
{
	json_t *tasks = json_array(), *sizes = json_pack("{s:I}", "total",
		(json_int_t)minibench_count());

	for (size_t i = 0; i < minibench_count(); i++) {
		const struct minibench_task *t = minibench_task(i);
		json_t *n = json_object_get(sizes, t->difficulty);

		json_object_set_new(sizes, t->difficulty,
				    json_integer(json_integer_value(n) + 1));
		json_array_append_new(tasks, json_pack(
			"{s:I, s:s, s:s, s:s, s:s}", "index", (json_int_t)i,
			"id", t->id, "name", t->name, "difficulty",
			t->difficulty, "signature", t->signature));
	}
	return json_pack("{s:{s:s, s:s, s:s, s:[sss], s:o, s:o, s:o, s:s}}",
			 "taskset", "id", TASKAPP_SERVICE, "name", info_name,
			 "description", info_desc,
			 "splits", "easy", "medium", "hard", "sizes", sizes,
			 "tasks", tasks, "policies", info_policies(),
			 "seeds", "seed selects task (seed mod size) and its "
			 "test inputs");
}

static size_t info_index(const struct minibench_task *t)
{
	for (size_t i = 0; i < minibench_count(); i++)
		if (minibench_task(i) == t)
			return i;
	return 0;
}

json_t *taskapp_info_instance(const struct taskapp_app *app, long long seed)
{
	const struct minibench_task *t = minibench_for_seed(seed);
	struct minibench_tests *tests = minibench_tests_new(t, seed);
	int ntests = minibench_tests_count(tests);
	char *iid = rv_xasprintf("%s-%lld", t->id, seed);
	json_t *ds = info_dataset(), *v;

	minibench_tests_free(tests);
	json_object_set_new(ds, "split", json_string(t->difficulty));
	json_object_set_new(ds, "index", json_integer((json_int_t)info_index(t)));
	json_object_set_new(ds, "instance_id", json_string(iid));
	json_object_set_new(ds, "seed", json_integer(seed));
	v = json_pack("{s:o, s:o, s:{s:n, s:n}, s:o, s:n, "
		      "s:{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i}}",
		      "task", info_task_descriptor(), "dataset", ds,
		      "inference", "model", "inference_url",
		      "limits", info_limits(app), "environment",
		      "task_metadata", "instance_id", iid, "task_id", t->id,
		      "name", t->name, "difficulty", t->difficulty,
		      "signature", t->signature, "prompt", t->prompt,
		      "seed", (json_int_t)seed, "num_tests", ntests);
	free(iid);
	return v;
}

json_t *taskapp_error_body(const char *code, const char *msg)
{
	return json_pack("{s:{s:{s:s, s:s}}}", "detail", "error", "code", code,
			 "message", msg);
}

json_t *taskapp_detail_body(const char *text)
{
	return json_pack("{s:s}", "detail", text);
}
