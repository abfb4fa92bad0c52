/* lite_api: DTOs and error bodies. */
#include "lite_api.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <stdio.h>
#include <string.h>

char *lite_api_error_body(const char *path, int status, const char *msg)
{
	char ts[40], *body;
	json_t *o;

	rv_wall_iso8601(rv_wall_ns(), ts, sizeof(ts));
	o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "path", path ? path : "/",
		      "timestamp", ts, "statusCode", status,
		      "error", lite_http_reason(status), "message", msg);
	body = rv_json_dumps(o);
	json_decref(o);
	return body;
}

static json_t *lite_iso(uint64_t wall_ns)
{
	char ts[40];

	return json_string(rv_wall_iso8601(wall_ns, ts, sizeof(ts)));
}

json_t *lite_api_dto(const struct lite *l, const struct lite_sandbox *sb,
		     bool full)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:b, "
			      "s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:b, s:s, "
			      "s:I, s:I, s:I, s:i, s:n, s:s, s:s, s:s, s:s, "
			      "s:b, s:b}",
			      "id", sb->id, "organizationId", "daytona-lite",
			      "name", sb->name, "snapshot", sb->snapshot,
			      "user", sb->user, "labels", sb->labels,
			      "public", sb->is_public,
			      "networkBlockAll", sb->net_block_all ||
			      !sb->net_allow.n, "target", sb->target,
			      "cpu", sb->cpu, "gpu", sb->gpu,
			      "memory", sb->memory, "disk", sb->disk,
			      "state", lite_state_name(sb->state),
			      "desiredState", lite_state_name(sb->desired),
			      "recoverable", sb->state == LITE_ERROR,
			      "backupState", "None",
			      "autoStopInterval", (json_int_t)sb->auto_stop,
			      "autoArchiveInterval",
			      (json_int_t)sb->auto_archive,
			      "autoDeleteInterval", (json_int_t)sb->auto_delete,
			      "autoPauseInterval", 0, "autoDestroyAt",
			      "sandboxClass", "container",
			      "daemonVersion", RUNEVAL_VERSION,
			      "runnerId", "daytona-lite",
			      "toolboxProxyUrl", l->toolbox_url,
			      "kvm", 0, "spot", 0);

	if (!o)
		rv_bug("cannot build the DTO of sandbox '%s'", sb->id);
	json_object_set_new(o, "createdAt", lite_iso(sb->created_ns));
	json_object_set_new(o, "updatedAt", lite_iso(sb->updated_ns));
	json_object_set_new(o, "lastActivityAt", lite_iso(sb->activity_ns));
	if (sb->error_reason)
		json_object_set_new(o, "errorReason",
				    json_string(sb->error_reason));
	if (sb->net_allow.n) {
		char *net = lite_net_format(&sb->net_allow);

		json_object_set_new(o, "networkAllowList", json_string(net));
		free(net);
	}
	/* daytona-lite's own: the budget its last start enforced */
	json_object_set_new(o, "appliedLimits", sb->applied ?
			    json_deep_copy(sb->applied) : json_null());
	if (full) {
		json_object_set(o, "env", sb->env);
		json_object_set_new(o, "volumes", json_array());
		if (sb->build_info)
			json_object_set(o, "buildInfo", sb->build_info);
	}
	return o;
}
