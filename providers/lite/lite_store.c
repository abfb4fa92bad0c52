#include "lite_store.h"

#include "lite_conf.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lite_store {
	pthread_mutex_t lock;
	char *dir;
	struct lite_sandbox *head;
	unsigned count;
};

static const char *const lite_state_names[] = {
#define LITE_STATE_NAME_(name, text) text,
	LITE_STATE_MAP(LITE_STATE_NAME_)
#undef LITE_STATE_NAME_
};

const char *lite_state_name(enum lite_state st)
{
	return st < LITE_STATE_MAX_ ? lite_state_names[st] : "unknown";
}

int lite_state_parse(const char *name)
{
	for (int i = 0; i < LITE_STATE_MAX_; i++)
		if (!strcmp(lite_state_names[i], name))
			return i;
	return -1;
}

struct lite_store *lite_store_new(const char *dir, struct rv_err *err)
{
	struct lite_store *s;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", dir,
			strerror(errno));
		return NULL;
	}
	s = rv_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->dir = rv_xstrdup(dir);
	return s;
}

void lite_store_free(struct lite_store *s)
{
	if (!s)
		return;
	while (s->head) {
		struct lite_sandbox *sb = s->head;

		s->head = sb->next;
		lite_sandbox_free(sb);
	}
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

void lite_store_lock(struct lite_store *s)
{
	pthread_mutex_lock(&s->lock);
}

void lite_store_unlock(struct lite_store *s)
{
	pthread_mutex_unlock(&s->lock);
}

struct lite_sandbox *lite_store_first(struct lite_store *s)
{
	return s->head;
}

unsigned lite_store_count(struct lite_store *s)
{
	return s->count;
}

struct lite_sandbox *lite_store_find(struct lite_store *s,
				     const char *id_or_name)
{
	for (struct lite_sandbox *sb = s->head; sb; sb = sb->next)
		if (!strcmp(sb->id, id_or_name))
			return sb;
	for (struct lite_sandbox *sb = s->head; sb; sb = sb->next)
		if (!strcmp(sb->name, id_or_name))
			return sb;
	return NULL;
}

struct lite_sandbox *lite_store_find_signed(struct lite_store *s,
					    const char *token, int port)
{
	uint64_t now = rv_wall_ns();

	for (struct lite_sandbox *sb = s->head; sb; sb = sb->next) {
		size_t i;
		json_t *u;

		json_array_foreach(sb->signed_urls, i, u) {
			const char *t = rv_json_str(u, "token");

			if (t && !strcmp(t, token) &&
			    rv_json_int(u, "port", 0) == port &&
			    (uint64_t)rv_json_int(u, "expiresNs", 0) > now)
				return sb;
		}
	}
	return NULL;
}

void lite_store_add(struct lite_store *s, struct lite_sandbox *sb)
{
	struct lite_sandbox **pp = &s->head;

	/* keep creation order (also for records loaded in any order):
	 * lists and their cursors rely on it */
	while (*pp && (*pp)->created_ns <= sb->created_ns)
		pp = &(*pp)->next;
	sb->next = *pp;
	*pp = sb;
	s->count++;
}

static char *lite_record_path(const struct lite_store *s, const char *id)
{
	return rv_xasprintf("%s/%s.json", s->dir, id);
}

void lite_store_remove(struct lite_store *s, struct lite_sandbox *sb)
{
	char *path = lite_record_path(s, sb->id);

	for (struct lite_sandbox **pp = &s->head; *pp; pp = &(*pp)->next) {
		if (*pp == sb) {
			*pp = sb->next;
			s->count--;
			break;
		}
	}
	if (unlink(path) < 0 && errno != ENOENT)
		rv_warn("cannot remove '%s': %s", path, strerror(errno));
	free(path);
	lite_sandbox_free(sb);
}

struct lite_sandbox *lite_sandbox_new(void)
{
	struct lite_sandbox *sb = rv_xcalloc(1, sizeof(*sb));
	uint64_t now = rv_wall_ns();

	rv_random_uuid(sb->id);
	sb->name = rv_xstrdup(sb->id);
	sb->snapshot = rv_xstrdup("daytona-lite");
	sb->user = rv_xstrdup("daytona");
	sb->target = rv_xstrdup("local");
	sb->labels = json_object();
	sb->env = json_object();
	sb->signed_urls = json_array();
	sb->extra = json_object();
	sb->cpu = 1;
	sb->memory = 1;
	sb->disk = 3;
	sb->uid = sb->gid = -1;
	sb->auto_stop = 15;
	sb->auto_archive = 10080;
	sb->auto_delete = -1;
	sb->created_ns = sb->updated_ns = sb->activity_ns = sb->since_ns = now;
	sb->state = LITE_CREATING;
	sb->desired = LITE_STARTED;
	return sb;
}

void lite_sandbox_free(struct lite_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->name);
	free(sb->snapshot);
	free(sb->user);
	free(sb->target);
	json_decref(sb->labels);
	json_decref(sb->env);
	json_decref(sb->build_info);
	json_decref(sb->signed_urls);
	json_decref(sb->extra);
	json_decref(sb->applied);
	free(sb->error_reason);
	free(sb);
}

void lite_sandbox_set_state(struct lite_store *s, struct lite_sandbox *sb,
			    enum lite_state state, const char *error_reason)
{
	uint64_t now = rv_wall_ns();

	sb->state = state;
	sb->since_ns = sb->updated_ns = now;
	free(sb->error_reason);
	sb->error_reason = error_reason ? rv_xstrdup(error_reason) : NULL;
	lite_store_save(s, sb);
}

static json_t *lite_record_json(const struct lite_sandbox *sb)
{
	char *net;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:b, "
			      "s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, "
			      "s:I, s:I, s:s, s:s, s:s}",
			      "id", sb->id, "name", sb->name,
			      "snapshot", sb->snapshot, "user", sb->user,
			      "target", sb->target, "labels", sb->labels,
			      "env", sb->env, "public", sb->is_public,
			      "cpu", sb->cpu, "gpu", sb->gpu,
			      "memory", sb->memory, "disk", sb->disk,
			      "autoStopInterval", (json_int_t)sb->auto_stop,
			      "autoArchiveInterval",
			      (json_int_t)sb->auto_archive,
			      "autoDeleteInterval", (json_int_t)sb->auto_delete,
			      "createdNs", (json_int_t)sb->created_ns,
			      "updatedNs", (json_int_t)sb->updated_ns,
			      "activityNs", (json_int_t)sb->activity_ns,
			      "sinceNs", (json_int_t)sb->since_ns,
			      "state", lite_state_name(sb->state),
			      "desiredState", lite_state_name(sb->desired),
			      "token", sb->token);

	if (!o)
		rv_bug("cannot build the record of sandbox '%s'", sb->id);
	if (sb->build_info)
		json_object_set(o, "buildInfo", sb->build_info);
	json_object_set(o, "signedUrls", sb->signed_urls);
	json_object_set(o, "extra", sb->extra);
	json_object_set_new(o, "endNs", json_integer((json_int_t)sb->end_ns));
	if (sb->error_reason)
		json_object_set_new(o, "errorReason",
				    json_string(sb->error_reason));
	json_object_set_new(o, "process", json_pack("{s:i, s:I, s:i, s:I, "
			    "s:i, s:I}",
			    "bwrapPid", (int)sb->proc.bwrap_pid,
			    "bwrapStart", (json_int_t)sb->proc.bwrap_start,
			    "initPid", (int)sb->proc.init_pid,
			    "initStart", (json_int_t)sb->proc.init_start,
			    "netPid", (int)sb->proc.net.pid,
			    "netStart", (json_int_t)sb->proc.net.start));
	net = lite_net_format(&sb->net_allow);
	json_object_set_new(o, "networkBlockAll", json_boolean(sb->net_block_all));
	json_object_set_new(o, "networkAllowList", json_string(net));
	free(net);
	json_object_set_new(o, "fault", json_integer(sb->fault));
	json_object_set_new(o, "uid", json_integer(sb->uid));
	json_object_set_new(o, "gid", json_integer(sb->gid));
	if (sb->applied)
		json_object_set(o, "appliedLimits", sb->applied);
	return o;
}

/*
 * Records are written to a temporary file renamed into place, without
 * fsync: a crash of daytona-lite loses nothing (the page cache survives
 * it) and each fsync would cost a create several milliseconds.
 */
void lite_store_save(struct lite_store *s, struct lite_sandbox *sb)
{
	char *path = lite_record_path(s, sb->id);
	char *tmp = rv_xasprintf("%s.tmp", path);
	json_t *o = lite_record_json(sb);
	char *text = json_dumps(o, JSON_INDENT(1));
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = text ? strlen(text) : 0;

	if (fd < 0 || !text || rv_write_all(fd, text, len) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		rv_warn("cannot save sandbox '%s' to '%s': %s", sb->id, path,
			strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	sb->dirty = false;
	json_decref(o);
	free(text);
	free(tmp);
	free(path);
}

static char *lite_dup_str(const json_t *o, const char *key, const char *dflt)
{
	const char *v = rv_json_str(o, key);

	return rv_xstrdup(v ? v : dflt);
}

static json_t *lite_dup_object(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_object(v) ? json_deep_copy(v) : json_object();
}

static struct lite_sandbox *lite_record_parse(const json_t *o)
{
	char why[200];
	struct lite_sandbox *sb = rv_xcalloc(1, sizeof(*sb));
	const char *id = rv_json_str(o, "id");
	int st = lite_state_parse(rv_json_str(o, "state") ?
				  rv_json_str(o, "state") : "");
	int ds = lite_state_parse(rv_json_str(o, "desiredState") ?
				  rv_json_str(o, "desiredState") : "");

	if (!id || strlen(id) >= LITE_ID_MAX || st < 0) {
		free(sb);
		return NULL;
	}
	snprintf(sb->id, sizeof(sb->id), "%s", id);
	sb->name = lite_dup_str(o, "name", id);
	sb->snapshot = lite_dup_str(o, "snapshot", "daytona-lite");
	sb->user = lite_dup_str(o, "user", "daytona");
	sb->target = lite_dup_str(o, "target", "local");
	sb->labels = lite_dup_object(o, "labels");
	sb->env = lite_dup_object(o, "env");
	sb->signed_urls = json_is_array(json_object_get(o, "signedUrls")) ?
		json_deep_copy(json_object_get(o, "signedUrls")) :
		json_array();
	sb->extra = lite_dup_object(o, "extra");
	sb->end_ns = (uint64_t)rv_json_int(o, "endNs", 0);
	if (json_is_object(json_object_get(o, "buildInfo")))
		sb->build_info = json_deep_copy(json_object_get(o,
							       "buildInfo"));
	sb->is_public = rv_json_bool(o, "public", false);
	sb->cpu = (int)rv_json_int(o, "cpu", 1);
	sb->gpu = (int)rv_json_int(o, "gpu", 0);
	sb->memory = (int)rv_json_int(o, "memory", 1);
	sb->disk = (int)rv_json_int(o, "disk", 3);
	sb->auto_stop = (long)rv_json_int(o, "autoStopInterval", 15);
	sb->auto_archive = (long)rv_json_int(o, "autoArchiveInterval", 10080);
	sb->auto_delete = (long)rv_json_int(o, "autoDeleteInterval", -1);
	sb->created_ns = (uint64_t)rv_json_int(o, "createdNs", 0);
	sb->updated_ns = (uint64_t)rv_json_int(o, "updatedNs", 0);
	sb->activity_ns = (uint64_t)rv_json_int(o, "activityNs", 0);
	sb->since_ns = (uint64_t)rv_json_int(o, "sinceNs", 0);
	sb->state = (enum lite_state)st;
	sb->desired = ds < 0 ? LITE_STARTED : (enum lite_state)ds;
	if (rv_json_str(o, "errorReason"))
		sb->error_reason = rv_xstrdup(rv_json_str(o, "errorReason"));
	snprintf(sb->token, sizeof(sb->token), "%s",
		 rv_json_str(o, "token") ? rv_json_str(o, "token") : "");
	sb->proc.bwrap_pid = (pid_t)rv_json_int(o, "process.bwrapPid", 0);
	sb->proc.bwrap_start = (uint64_t)rv_json_int(o, "process.bwrapStart",
						     0);
	sb->proc.init_pid = (pid_t)rv_json_int(o, "process.initPid", 0);
	sb->proc.init_start = (uint64_t)rv_json_int(o, "process.initStart", 0);
	sb->proc.net.pid = (pid_t)rv_json_int(o, "process.netPid", 0);
	sb->proc.net.start = (uint64_t)rv_json_int(o, "process.netStart", 0);
	sb->net_block_all = rv_json_bool(o, "networkBlockAll", false);
	/* a record we cannot read opens nothing */
	if (!lite_net_parse(rv_json_str(o, "networkAllowList") ?
			    rv_json_str(o, "networkAllowList") : "",
			    &sb->net_allow, why, sizeof(why)))
		memset(&sb->net_allow, 0, sizeof(sb->net_allow));
	sb->fault = (enum lite_fault_kind)rv_json_int(o, "fault", 0);
	sb->uid = (long)rv_json_int(o, "uid", -1);
	sb->gid = (long)rv_json_int(o, "gid", -1);
	if (sb->uid < 0 || sb->gid < 0 || sb->uid > 0xfffffffeL ||
	    sb->gid > 0xfffffffeL || !sb->uid || !sb->gid)
		sb->uid = sb->gid = -1;	/* none yet, or none to trust */
	if (json_is_object(json_object_get(o, "appliedLimits")))
		sb->applied = json_deep_copy(json_object_get(o,
							     "appliedLimits"));
	return sb;
}

static bool lite_is_record_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && n - 5 < LITE_ID_MAX && !strcmp(name + n - 5, ".json") &&
		name[0] != '.';
}

enum rv_code lite_store_load(struct lite_store *s, struct rv_err *err)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;

	if (!d)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", s->dir,
			       strerror(errno));
	while ((de = readdir(d))) {
		struct rv_err jerr = RV_ERR_INIT;
		struct lite_sandbox *sb;
		char *path;
		json_t *o;

		if (!lite_is_record_name(de->d_name))
			continue;
		path = rv_xasprintf("%s/%s", s->dir, de->d_name);
		o = rv_json_load_file(path, &jerr);
		sb = o ? lite_record_parse(o) : NULL;
		if (!sb)
			rv_warn("ignoring unreadable sandbox record '%s'%s%s",
				path, jerr.msg[0] ? ": " : "", jerr.msg);
		else if (lite_store_find(s, sb->id))
			lite_sandbox_free(sb);
		else
			lite_store_add(s, sb);
		json_decref(o);
		free(path);
	}
	closedir(d);
	return RV_OK;
}
