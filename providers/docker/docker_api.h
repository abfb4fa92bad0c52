/*
 * docker_api: a client of the Docker Engine API over its unix socket
 * (libcurl through providers/remote.h, jansson).
 *
 * The socket is DOCKER_HOST (unix:///path), else /var/run/docker.sock;
 * tcp:// and ssh:// engines are refused (runeval speaks to a local engine
 * only).  The API version is negotiated once per client: the engine's
 * ApiVersion from GET /version, capped at DOCKER_API_MAX; engines older
 * than DOCKER_API_MIN are refused.
 *
 * Every call takes a struct remote_call (may be NULL) for its deadline,
 * stop flag and attempt log, and goes through remote_request(): retries
 * only for transient failures, never a blind repeat of a step that
 * starts something.  Errors: RV_ERR_CONFIG (bad DOCKER_HOST, engine too
 * old, image missing), RV_ERR_CONNECT (nobody at the socket),
 * RV_ERR_NOTFOUND (404), RV_ERR_CONFLICT (409), RV_ERR_PROVIDER (other
 * statuses, with the engine's message), RV_ERR_PROTO (an answer that is
 * not the documented JSON), RV_ERR_TIMEOUT, RV_ERR_INTR.
 *
 * A client is immutable after docker_client_new() and may be shared by
 * threads.
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_API_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "remote.h"
#include "rv_buf.h"
#include "rv_err.h"

#define DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"
#define DOCKER_API_MIN "1.35"	/* exec WorkingDir */
#define DOCKER_API_MAX "1.41"	/* what runeval was tested against */

struct docker_client;

/*
 * A client for host ("unix:///path"; NULL: $DOCKER_HOST, else the
 * default socket).  Asks the engine its API version (RV_ERR_CONNECT with
 * a hint when nobody answers).
 */
struct docker_client *docker_client_new(const char *host,
					const struct remote_call *call,
					struct rv_err *err);
void docker_client_free(struct docker_client *c);

/* "unix:///path" (for the journal and result.json), borrowed. */
const char *docker_client_host(const struct docker_client *c);
/* The negotiated API version ("1.41"), borrowed. */
const char *docker_client_version(const struct docker_client *c);
/* The socket's path, borrowed. */
const char *docker_client_socket(const struct docker_client *c);

/*
 * The resolved socket path of host (see docker_client_new), malloc'ed,
 * or NULL with RV_ERR_CONFIG.
 */
char *docker_socket_path(const char *host, struct rv_err *err);

/*
 * One request to /v<version><path>.  r->url and r->unix_socket are set
 * here; the caller fills method, op, idem and a body.  RV_OK means an
 * answer arrived (any status) in *resp.
 */
enum rv_code docker_request(struct docker_client *c, const char *path,
			    struct remote_req *r,
			    const struct remote_call *call,
			    struct rv_http_response *resp, bool *ambiguous,
			    struct rv_err *err);

/*
 * docker_request, then the answer as JSON (new reference; NULL for an
 * empty 2xx body such as 204; out NULL: the body is not read), or an
 * error for a non-2xx status with the engine's message prefixed by what.
 */
enum rv_code docker_call_json(struct docker_client *c, const char *path,
			      struct remote_req *r,
			      const struct remote_call *call,
			      const char *what, json_t **out,
			      struct rv_err *err);

/* --- containers -------------------------------------------------------- */

/* What the engine says about one container; strings malloc'ed or NULL. */
struct docker_container {
	char *id;
	char *name;			/* without the leading '/' */
	char *state;			/* created, running, exited, ... */
	char *job_label;		/* Labels["runeval.job"] */
	char *error;			/* State.Error */
	int exit_code;			/* State.ExitCode */
	bool running;
	int host_port;			/* published port of the app, or 0 */
	bool host_network;		/* shares this host's network */
	char *address;			/* its address on its first network */
};

void docker_container_release(struct docker_container *ct);

/*
 * GET /containers/{id}/json; port: the container port whose published
 * host port goes into ct->host_port (0: none).
 */
enum rv_code docker_inspect(struct docker_client *c, const char *id,
			    int port, const struct remote_call *call,
			    struct docker_container *ct, struct rv_err *err);

/*
 * DELETE /containers/{id}?force=1&v=1 (the container and its anonymous
 * volumes), then confirmed by inspect until 404.  Gone is success.
 */
enum rv_code docker_remove(struct docker_client *c, const char *id,
			   const struct remote_call *call,
			   struct rv_err *err);

/*
 * Containers (all=1) labelled key=value (value NULL: any), as
 * struct docker_container entries (no ports); free with
 * docker_container_list_free().
 */
enum rv_code docker_list(struct docker_client *c, const char *key,
			 const char *value, const struct remote_call *call,
			 struct docker_container **out, size_t *n,
			 struct rv_err *err);
void docker_container_list_free(struct docker_container *v, size_t n);

/* Append "filters=" and {"label":["key=value"]} (value NULL: "key"),
   percent-encoded, to a query in b. */
void docker_label_filter(struct rv_buf *b, const char *key,
			 const char *value);

/* --- images ------------------------------------------------------------ */

/*
 * GET /images/{name}/json: *id (malloc'ed, may be NULL) when present;
 * RV_ERR_NOTFOUND when the engine does not have it.
 */
enum rv_code docker_image_inspect(struct docker_client *c, const char *name,
				  const struct remote_call *call, char **id,
				  struct rv_err *err);

/* The one-line error for an image the engine does not have. */
enum rv_code docker_image_missing(struct docker_client *c, const char *name,
				  struct rv_err *err);

/* --- streams ----------------------------------------------------------- */

/*
 * The multiplexed stdout/stderr of an attach or exec without a TTY:
 * frames of an 8-byte header [stream, 0, 0, 0, size (big-endian 32)]
 * and size bytes.  Feed it what arrives, in any pieces; sink gets each
 * payload piece with its stream (1 stdout, 2 stderr).
 */
struct docker_demux {
	unsigned char hdr[8];
	size_t hdr_len;
	size_t left;			/* payload bytes of the current frame */
	int stream;
	void (*sink)(int stream, const char *data, size_t len, void *arg);
	void *arg;
};

void docker_demux_init(struct docker_demux *d,
		       void (*sink)(int, const char *, size_t, void *),
		       void *arg);
void docker_demux_feed(struct docker_demux *d, const char *data, size_t len);

#endif
