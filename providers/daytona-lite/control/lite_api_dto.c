/* lite_api: DTOs, error bodies and query strings. */
#include "lite_api.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lite_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 400 ? "OK" : "Error";
	}
}

void lite_api_error(struct lite_api_resp *resp, const char *path, int status,
		    const char *fmt, ...)
{
	char msg[512], ts[40];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rv_wall_iso8601(rv_wall_ns(), ts, sizeof(ts));
	o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "path", path ? path : "/",
		      "timestamp", ts, "statusCode", status,
		      "error", lite_http_reason(status), "message", msg);
	free(resp->body);
	resp->body = rv_json_dumps(o);
	resp->status = status;
	resp->wait = LITE_WAIT_NONE;
	json_decref(o);
}

void lite_api_resp_release(struct lite_api_resp *resp)
{
	rv_buf_release(&resp->headers);
	free(resp->body);
	json_decref(resp->snapshot);
	resp->body = NULL;
	resp->snapshot = NULL;
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

char *lite_pct_decode(const char *s, size_t n, bool plus_is_space)
{
	char *out = rv_xmalloc(n + 1), *d = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+' && plus_is_space) {
			*d++ = ' ';
		} else if (s[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			*d++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return out;
}

char *lite_query_get(const char *query, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		size_t n = strcspn(p, "&");

		if (n >= nlen && !strncmp(p, name, nlen) &&
		    (p[nlen] == '=' || n == nlen)) {
			const char *v = p[nlen] == '=' ? p + nlen + 1 : p + n;
			/* form encoding: '+' is a space */
			return lite_pct_decode(v, (size_t)(p + n - v), true);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return NULL;
}
