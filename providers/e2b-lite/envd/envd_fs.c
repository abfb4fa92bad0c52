/*
 * envd: filesystem.Filesystem (unary calls): Stat, MakeDir, Move, ListDir
 * (depth levels, 1 = the directory's own entries), Remove.  Entries are
 * EntryInfo: name, type (FILE_TYPE_FILE, _DIRECTORY, _SYMLINK), path,
 * size (int64, a JSON string), mode, permissions, owner, group,
 * modifiedTime and, for a link, symlinkTarget.
 */
#include "envd.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "toolbox_http.h"
#include "toolbox_path.h"
#include "toolbox_srv.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENVD_MAX_ENTRIES 100000

static void envd_name_of(char *out, size_t size, bool user, unsigned id)
{
	struct passwd *pw = user ? getpwuid(id) : NULL;
	struct group *gr = user ? NULL : getgrgid(id);
	const char *name = pw ? pw->pw_name : gr ? gr->gr_name : NULL;

	if (name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%u", id);
}

/* The EntryInfo of path (lstat'ed), or NULL with errno set. */
static json_t *envd_entry(const char *path)
{
	const char *slash = strrchr(path, '/');
	char perms[16], go[96], rfc[64], owner[64], group[64];
	struct stat st;
	json_t *e;

	if (lstat(path, &st) < 0)
		return NULL;
	tb_file_mode_string(&st, perms);
	tb_file_times(&st.st_mtim, go, sizeof(go), rfc, sizeof(rfc));
	envd_name_of(owner, sizeof(owner), true, st.st_uid);
	envd_name_of(group, sizeof(group), false, st.st_gid);
	e = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s}",
		      "name", slash && slash[1] ? slash + 1 : path,
		      "type", S_ISDIR(st.st_mode) ? "FILE_TYPE_DIRECTORY" :
		      S_ISLNK(st.st_mode) ? "FILE_TYPE_SYMLINK" :
		      "FILE_TYPE_FILE", "path", path,
		      "mode", (int)(st.st_mode & 07777),
		      "permissions", perms, "owner", owner, "group", group,
		      "modifiedTime", rfc);
	/* int64: a string in Connect's JSON */
	json_object_set_new(e, "size", json_sprintf("%lld",
						    (long long)st.st_size));
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			json_object_set_new(e, "symlinkTarget",
					    json_string(target));
		}
	}
	return e;
}

/* The error a failed call on path answers with. */
static void envd_fs_errno(struct tb_req *r, int e, const char *what,
			  const char *path)
{
	enum envd_code code = e == ENOENT || e == ENOTDIR ? ENVD_NOT_FOUND :
		e == EEXIST || e == ENOTEMPTY ? ENVD_ALREADY_EXISTS :
		e == EACCES || e == EPERM || e == EROFS ?
		ENVD_PERMISSION_DENIED : ENVD_INTERNAL;

	envd_rpc_error(r, false, code, "%s %s: %s", what, path, strerror(e));
}

/*
 * Run op on the path a call's field names: the message is parsed, the
 * user checked and the path resolved first (or the call answered).
 */
static void envd_fs_call(struct tb_req *r, const char *field,
			 void (*op)(struct tb_req *r, const json_t *msg,
				    const char *path))
{
	json_t *msg = envd_rpc_request(r, false);
	char why[200], *path;

	if (!msg || !envd_user_ok(r, true)) {
		json_decref(msg);
		return;
	}
	path = envd_path(tb_req_server(r), json_string_value(
		json_object_get(msg, field)), why, sizeof(why));
	if (!path)
		envd_rpc_error(r, false, ENVD_INVALID_ARGUMENT, "%s: %s", field,
			       why);
	else
		op(r, msg, path);
	json_decref(msg);
	free(path);
}

/* Answer {"entry": EntryInfo of path}, or the error of stat'ing it. */
static void envd_fs_reply_entry(struct tb_req *r, const char *path)
{
	json_t *e = envd_entry(path);

	if (!e)
		envd_fs_errno(r, errno, "stat", path);
	else
		envd_rpc_reply(r, json_pack("{s:o}", "entry", e));
}

static void envd_do_stat(struct tb_req *r, const json_t *msg,
			 const char *path)
{
	(void)msg;
	envd_fs_reply_entry(r, path);
}

static void envd_do_make_dir(struct tb_req *r, const json_t *msg,
			     const char *path)
{
	struct rv_err err = RV_ERR_INIT;
	struct stat st;

	(void)msg;
	if (lstat(path, &st) == 0)
		envd_rpc_error(r, false, ENVD_ALREADY_EXISTS, "path '%s' "
			       "already exists", path);
	else if (tb_mkdir_p(path, 0755, &err))
		envd_rpc_error(r, false, ENVD_PERMISSION_DENIED, "%s",
			       err.msg);
	else
		envd_fs_reply_entry(r, path);
}

static void envd_do_move(struct tb_req *r, const json_t *msg,
			 const char *src)
{
	char why[200], *dest = envd_path(tb_req_server(r), json_string_value(
		json_object_get(msg, "destination")), why, sizeof(why));

	if (!dest)
		envd_rpc_error(r, false, ENVD_INVALID_ARGUMENT,
			       "destination: %s", why);
	else if (rename(src, dest) < 0)
		envd_fs_errno(r, errno, "rename", src);
	else
		envd_fs_reply_entry(r, dest);
	free(dest);
}

/* The entries of dir into list, depth levels down. */
static int envd_list(const char *dir, long depth, json_t *list)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) &&
	       json_array_size(list) < ENVD_MAX_ENTRIES) {
		char *p;
		json_t *e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = rv_xasprintf("%s/%s", strcmp(dir, "/") ? dir : "",
				 de->d_name);
		e = envd_entry(p);
		if (e) {
			bool sub = depth > 1 && !strcmp(json_string_value(
				json_object_get(e, "type")),
				"FILE_TYPE_DIRECTORY");

			json_array_append_new(list, e);
			if (sub)
				envd_list(p, depth - 1, list);
		}
		free(p);
	}
	closedir(d);
	return 0;
}

static void envd_do_list_dir(struct tb_req *r, const json_t *msg,
			     const char *path)
{
	json_t *list = json_array(), *dv = json_object_get(msg, "depth");
	long depth = json_is_integer(dv) ? (long)json_integer_value(dv) : 1;

	if (depth < 1 || depth > 64)
		envd_rpc_error(r, false, ENVD_INVALID_ARGUMENT, "depth must "
			       "be between 1 and 64");
	else if (envd_list(path, depth, list) < 0)
		envd_fs_errno(r, errno, "list", path);
	else
		envd_rpc_reply(r, json_pack("{s:O}", "entries", list));
	json_decref(list);
}

static void envd_do_remove(struct tb_req *r, const json_t *msg,
			   const char *path)
{
	struct rv_err err = RV_ERR_INIT;
	struct stat st;

	(void)msg;
	if (lstat(path, &st) < 0)
		envd_fs_errno(r, errno, "remove", path);
	else if (S_ISDIR(st.st_mode) && rv_remove_tree(path, &err))
		envd_rpc_error(r, false, ENVD_PERMISSION_DENIED, "%s",
			       err.msg);
	else if (!S_ISDIR(st.st_mode) && unlink(path) < 0)
		envd_fs_errno(r, errno, "remove", path);
	else
		envd_rpc_reply(r, json_object());
}

void envd_fs_stat(struct tb_req *r)
{
	envd_fs_call(r, "path", envd_do_stat);
}

void envd_fs_make_dir(struct tb_req *r)
{
	envd_fs_call(r, "path", envd_do_make_dir);
}

void envd_fs_move(struct tb_req *r)
{
	envd_fs_call(r, "source", envd_do_move);
}

void envd_fs_list_dir(struct tb_req *r)
{
	envd_fs_call(r, "path", envd_do_list_dir);
}

void envd_fs_remove(struct tb_req *r)
{
	envd_fs_call(r, "path", envd_do_remove);
}
