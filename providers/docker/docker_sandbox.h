/*
 * docker_sandbox: the `docker` provider's sandbox handle, shared by its
 * two halves: docker.c (create, a deferred start, attach, list, destroy,
 * the ops table) and docker_box.c (what runs inside: upload, exec, the
 * app, preview, snapshots).
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_SANDBOX_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_SANDBOX_H

#include <stdbool.h>

#include "docker_api.h"
#include "docker_attach.h"
#include "docker_exec.h"
#include "provider.h"

#define DK_SHORT_MS 30000L
#define DK_REMOVE_MS 60000L
#define DK_SHORT_ID 12		/* a container's id as runeval shows it */

struct provider_proc {
	struct docker_spawn *spawn;
	struct provider_proc *next;
};

struct docker_sandbox {
	struct provider_sandbox base;	/* first */
	struct docker_client *client;
	bool is_image;			/* a snapshot image (attach, reap) */
	int app_port;			/* cfg->app_port, as created */
	int host_port;			/* where it was published, or 0 */
	bool started;			/* false: created only (cfg->
					   defer_start), until an operation
					   needs it running */
	bool booted;			/* started with its first process as
					   its main one (DK_BOOT_FILE) */
	bool stdin_tar;			/* created to read a tar on its stdin
					   as it starts (defer_start) */
	bool no_tar;			/* its image has no tar: the files
					   went in by PUT */
	char *lazy_tarball;		/* the app, read and checked but */
	char *lazy_sha;			/* not yet unpacked: dk_prepare() */
	char *lazy_dir;
	struct rv_buf lazy_bytes;	/* its content */
	const struct rv_buf *pending_app;	/* members of the app for
					   the container before it starts:
					   the job's (borrowed, immutable) or
					   app_own, */
	struct rv_buf app_own;
	struct rv_buf pending;		/* and the others (docker_tar.h);
					   kept after a boot start, for an
					   image without tar */
	struct rv_buf tar_end;		/* the stream's end */
	struct docker_stdin *stdin;	/* still being sent, or NULL */
	const struct rv_buf *stdin_parts[3];	/* what it sends */
	struct rv_err prep_err;		/* dk_prepare() in the stream's
					   thread */
	struct provider_proc *procs;
};

/*
 * A script that the container's PID 1 runs instead of waiting when it
 * is there at the start (the archive that makes it goes in first).
 */
#define DK_BOOT_FILE "/.runeval-boot"
/* PID 1's first line when its stdin has a tar and its image no tar */
#define DK_NO_TAR_LINE DOCKER_NO_TAR_LINE

struct docker_sandbox *dk_downcast(struct provider_sandbox *sb);

/* What a sandbox starts from: cfg->snapshot, cfg->image, the default. */
const char *dk_image(const struct provider_config *cfg);

/* Is name a plausible image reference (no spaces, '?', '#', ...)? */
bool dk_image_name_ok(const char *name);

/*
 * Start a container created with cfg->defer_start: its pending members
 * go in first (dk_flush), then POST /start and a look at it.  boot: its
 * main process is the app, which may already have ended (not an error).
 * Nothing to do once started.
 */
enum rv_code dk_started(struct docker_sandbox *ds, bool boot,
			const struct remote_call *call, struct rv_err *err);

/* --- docker_box.c: the operations on a running container ------------- */

/* The app checked by dk_upload, unpacked and renamed (pending_app). */
enum rv_code dk_prepare(struct docker_sandbox *ds, struct rv_err *err);

/* PUT the pending members (if any) into the container; keep: leave them
   pending (else they are gone). */
enum rv_code dk_flush(struct docker_sandbox *ds, bool keep,
		      const struct remote_call *call, struct rv_err *err);

/*
 * The stream into its stdin (docker_attach.h) has ended (or now: end
 * it), logged in call's attempts.
 */
void dk_stdin_done(struct docker_sandbox *ds, bool now,
		   const struct remote_call *call);

/*
 * A boot start whose PID 1 found no tar (it said DK_NO_TAR_LINE): the
 * files go in by PUT, and PID 1, which waits for them, runs the boot
 * script.  Once only.
 */
enum rv_code dk_boot_without_tar(struct docker_sandbox *ds,
				 const struct remote_call *call,
				 struct rv_err *err);

enum rv_code dk_upload(struct provider_sandbox *sb, const char *tarball,
		       const char *sha256, const char *dir,
		       struct rv_err *err);
enum rv_code dk_exec(struct provider_sandbox *sb,
		     const struct provider_cmd *cmd,
		     struct provider_exec_result *res, struct rv_err *err);
enum rv_code dk_start(struct provider_sandbox *sb,
		      const struct provider_cmd *cmd,
		      struct provider_proc **out, struct rv_err *err);
enum rv_code dk_status(struct provider_sandbox *sb, struct provider_proc *p,
		       struct provider_proc_status *st, struct rv_err *err);
enum rv_code dk_logs(struct provider_sandbox *sb, struct provider_proc *p,
		     size_t max_bytes, struct rv_buf *out,
		     struct rv_err *err);
enum rv_code dk_stop(struct provider_sandbox *sb, struct provider_proc *p,
		     long grace_ms, struct rv_err *err);
enum rv_code dk_preview(struct provider_sandbox *sb, int port,
			struct provider_preview *pv, struct rv_err *err);
enum rv_code dk_snapshot(struct provider_sandbox *sb, const char *name,
			 char **out, struct rv_err *err);
enum rv_code dk_snapshot_delete(const struct provider_config *cfg,
				const char *snap, struct rv_err *err);
/* DELETE /images/{ref}?force=1: gone is success. */
enum rv_code dk_image_remove(struct docker_client *c, const char *ref,
			     const struct remote_call *call,
			     struct rv_err *err);
/* Snapshot images labelled key=value, appended to out (for reaping). */
enum rv_code dk_list_images(struct docker_client *c, const char *key,
			    const char *value, const struct remote_call *call,
			    struct provider_list *out, struct rv_err *err);

#endif
