/* docker_api: the Docker Engine API client (see docker_api.h). */
#include "docker_api.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCKER_URL_BASE "http://docker"

struct docker_client {
	char *socket;			/* path */
	char *host;			/* "unix://" + socket */
	char version[16];		/* negotiated, "1.41" */
	char *headers[2];		/* NULL-ended */
};

char *docker_socket_path(const char *host, struct rv_err *err)
{
	const char *h = host && *host ? host : getenv("DOCKER_HOST");

	if (!h || !*h)
		return rv_xstrdup(DOCKER_DEFAULT_SOCKET);
	if (!strncmp(h, "unix://", 7))
		h += 7;
	if (*h != '/') {
		rv_errf(err, RV_ERR_CONFIG, "DOCKER_HOST '%s' is not a unix "
			"socket: runeval speaks to a local Docker engine over "
			"unix:///path only", host && *host ? host :
			getenv("DOCKER_HOST"));
		return NULL;
	}
	return rv_xstrdup(h);
}

/* "1.41" -> 1041; -1 when it is not MAJOR.MINOR. */
static long docker_version_num(const char *v)
{
	char *end;
	long major, minor;

	if (!v)
		return -1;
	major = strtol(v, &end, 10);
	if (end == v || *end != '.')
		return -1;
	v = end + 1;
	minor = strtol(v, &end, 10);
	if (end == v || *end || major < 0 || minor < 0 || minor > 999)
		return -1;
	return major * 1000 + minor;
}

/*
 * The version agreed with the last engine asked, by socket: every
 * sandbox makes a client, and one GET /version per process is enough.
 */
static pthread_mutex_t docker_version_lock = PTHREAD_MUTEX_INITIALIZER;
static char docker_version_socket[256];
static char docker_version_cached[16];

static bool docker_version_lookup(struct docker_client *c)
{
	bool hit;

	pthread_mutex_lock(&docker_version_lock);
	hit = *docker_version_cached &&
		!strcmp(docker_version_socket, c->socket);
	if (hit)
		memcpy(c->version, docker_version_cached, sizeof(c->version));
	pthread_mutex_unlock(&docker_version_lock);
	return hit;
}

static void docker_version_store(const struct docker_client *c)
{
	pthread_mutex_lock(&docker_version_lock);
	snprintf(docker_version_socket, sizeof(docker_version_socket), "%s",
		 c->socket);
	memcpy(docker_version_cached, c->version, sizeof(c->version));
	pthread_mutex_unlock(&docker_version_lock);
}

/* GET /version: the engine's API version, capped at DOCKER_API_MAX. */
static enum rv_code docker_negotiate(struct docker_client *c,
				     const struct remote_call *call,
				     struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "GET", .op = "GET /version",
				 .url = DOCKER_URL_BASE "/version",
				 .unix_socket = c->socket,
				 .timeout_ms = 10000 };
	const char *what = "cannot ask the Docker engine its version";
	enum rv_code rc;
	const char *v;
	json_t *j = NULL;
	long n;

	rc = remote_request((const char *const *)c->headers, &r, call, 15000,
			    &resp, NULL, err);
	if (rc == RV_ERR_CONNECT)
		rv_errf(err, rc, "cannot reach the Docker engine at '%s' (is "
			"dockerd running? DOCKER_HOST names its socket)",
			c->host);
	else if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else
		rc = remote_json_response(&resp, what, &j, err);
	if (rc != RV_OK)
		goto out;
	v = rv_json_str(j, "ApiVersion");
	n = docker_version_num(v);
	if (n < 0) {
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'ApiVersion'", what);
	} else if (n < docker_version_num(DOCKER_API_MIN)) {
		rc = rv_errf(err, RV_ERR_CONFIG, "the Docker engine at '%s' "
			     "speaks API %s; runeval needs %s or later", c->host,
			     v, DOCKER_API_MIN);
	} else {
		snprintf(c->version, sizeof(c->version), "%s",
			 n > docker_version_num(DOCKER_API_MAX) ?
			 DOCKER_API_MAX : v);
		docker_version_store(c);
	}
out:
	json_decref(j);
	rv_http_response_release(&resp);
	return rc;
}

struct docker_client *docker_client_new(const char *host,
					const struct remote_call *call,
					struct rv_err *err)
{
	char *path = docker_socket_path(host, err);
	struct docker_client *c;

	if (!path)
		return NULL;
	c = rv_xcalloc(1, sizeof(*c));
	c->socket = path;
	c->host = rv_xasprintf("unix://%s", path);
	c->headers[0] = rv_xstrdup("User-Agent: runeval/" RUNEVAL_VERSION);
	if (!docker_version_lookup(c) &&
	    docker_negotiate(c, call, err) != RV_OK) {
		docker_client_free(c);
		return NULL;
	}
	return c;
}

void docker_client_free(struct docker_client *c)
{
	if (!c)
		return;
	free(c->headers[0]);
	free(c->socket);
	free(c->host);
	free(c);
}

const char *docker_client_host(const struct docker_client *c)
{
	return c->host;
}

const char *docker_client_version(const struct docker_client *c)
{
	return c->version;
}

const char *docker_client_socket(const struct docker_client *c)
{
	return c->socket;
}

enum rv_code docker_request(struct docker_client *c, const char *path,
			    struct remote_req *r,
			    const struct remote_call *call,
			    struct rv_http_response *resp, bool *ambiguous,
			    struct rv_err *err)
{
	char *url = rv_xasprintf(DOCKER_URL_BASE "/v%s%s", c->version, path);
	enum rv_code rc;

	r->url = url;
	r->unix_socket = c->socket;
	rc = remote_request((const char *const *)c->headers, r, call, 60000,
			    resp, ambiguous, err);
	r->url = NULL;
	free(url);
	return rc;
}

enum rv_code docker_call_json(struct docker_client *c, const char *path,
			      struct remote_req *r,
			      const struct remote_call *call,
			      const char *what, json_t **out,
			      struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	bool ok;
	enum rv_code rc;

	if (out)
		*out = NULL;
	rc = docker_request(c, path, r, call, &resp, NULL, err);
	ok = resp.status >= 200 && resp.status <= 299;
	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else if (ok && (!out || !resp.body.len))
		rc = RV_OK;
	else if (!ok || out)
		rc = out ? remote_json_response(&resp, what, out, err) :
			remote_status_error(&resp, what, err);
	rv_http_response_release(&resp);
	return rc;
}

/* --- containers -------------------------------------------------------- */

void docker_container_release(struct docker_container *ct)
{
	free(ct->id);
	free(ct->name);
	free(ct->state);
	free(ct->job_label);
	free(ct->error);
	free(ct->address);
	memset(ct, 0, sizeof(*ct));
}

static char *docker_dup(const char *s)
{
	return s ? rv_xstrdup(s) : NULL;
}

/* A published host port of "<port>/tcp", or 0. */
static int docker_host_port(const json_t *ports, int port)
{
	char key[24];
	const json_t *binds, *b;
	size_t i;

	snprintf(key, sizeof(key), "%d/tcp", port);
	binds = json_object_get(ports, key);
	json_array_foreach(binds, i, b) {
		const char *hp = rv_json_str(b, "HostPort");
		long v = hp ? strtol(hp, NULL, 10) : 0;

		if (v > 0 && v <= 65535)
			return (int)v;
	}
	return 0;
}

/* The first network address the container has, or NULL. */
static char *docker_address(const json_t *networks)
{
	const char *name;
	json_t *n;

	json_object_foreach((json_t *)networks, name, n) {
		const char *ip = rv_json_str(n, "IPAddress");

		(void)name;
		if (ip && *ip)
			return rv_xstrdup(ip);
	}
	return NULL;
}

static enum rv_code docker_parse_container(const json_t *j, int port,
					   struct docker_container *ct,
					   struct rv_err *err)
{
	const json_t *state = json_object_get(j, "State");
	const json_t *net = json_object_get(j, "NetworkSettings");
	const char *name = rv_json_str(j, "Name");

	if (!rv_json_str(j, "Id") || !json_is_object(state))
		return rv_errf(err, RV_ERR_PROTO, "container answer has no "
			       "'Id' or 'State'");
	ct->id = docker_dup(rv_json_str(j, "Id"));
	ct->name = docker_dup(name && *name == '/' ? name + 1 : name);
	ct->state = docker_dup(rv_json_str(state, "Status"));
	ct->running = rv_json_bool(state, "Running", false);
	ct->exit_code = (int)rv_json_int(state, "ExitCode", -1);
	ct->error = docker_dup(rv_json_str(state, "Error"));
	ct->job_label = docker_dup(json_string_value(json_object_get(
		json_object_get(json_object_get(j, "Config"), "Labels"),
		"runeval.job")));
	if (port > 0)
		ct->host_port = docker_host_port(json_object_get(net, "Ports"),
						 port);
	ct->address = docker_address(json_object_get(net, "Networks"));
	ct->host_network = !strcmp(rv_json_str(j, "HostConfig.NetworkMode") ?
				   rv_json_str(j, "HostConfig.NetworkMode") :
				   "", "host");
	return RV_OK;
}

/* "/containers/<id><suffix>", the id percent-encoded. */
static char *docker_ct_path(const char *id, const char *suffix)
{
	return remote_url("/containers/", id, suffix);
}

enum rv_code docker_inspect(struct docker_client *c, const char *id,
			    int port, const struct remote_call *call,
			    struct docker_container *ct, struct rv_err *err)
{
	struct remote_req r = { .method = "GET",
				 .op = "GET /containers/{id}/json" };
	char *what = rv_xasprintf("cannot inspect container '%s'", id);
	char *path = docker_ct_path(id, "/json");
	json_t *j = NULL;
	enum rv_code rc;

	docker_container_release(ct);
	rc = docker_call_json(c, path, &r, call, what, &j, err);
	if (rc == RV_OK)
		rc = docker_parse_container(j, port, ct, err);
	json_decref(j);
	free(path);
	free(what);
	return rc;
}

enum rv_code docker_remove(struct docker_client *c, const char *id,
			   const struct remote_call *call,
			   struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "DELETE",
				 .op = "DELETE /containers/{id}" };
	char *what = rv_xasprintf("cannot remove container '%s'", id);
	char *path = docker_ct_path(id, "?force=1&v=1");
	struct docker_container ct = { 0 };
	struct rv_err e = RV_ERR_INIT;
	uint64_t deadline = remote_deadline(call, 60000);
	enum rv_code rc;

	rc = docker_request(c, path, &r, call, &resp, NULL, err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "%s", what);
		goto out;
	}
	/* 409: a removal already in progress; the look below waits it out */
	if (resp.status != 404 && resp.status != 409 &&
	    (resp.status < 200 || resp.status > 299)) {
		rc = remote_status_error(&resp, what, err);
		goto out;
	}
	/* confirmed: the engine no longer knows it */
	for (unsigned round = 0;; round++) {
		rc = docker_inspect(c, id, 0, call, &ct, &e);
		if (rc == RV_ERR_NOTFOUND) {
			rc = RV_OK;
			break;
		}
		if (rc != RV_OK) {
			if (err)
				*err = e;
			break;
		}
		if (rv_now_ns() >= deadline) {
			rc = rv_errf(err, RV_ERR_TIMEOUT, "%s: still there "
				     "(state '%s')", what, ct.state ? ct.state :
				     "?");
			break;
		}
		remote_sleep_ms(round < 10 ? 20 : 200, call);
	}
out:
	docker_container_release(&ct);
	rv_http_response_release(&resp);
	free(path);
	free(what);
	return rc;
}

void docker_container_list_free(struct docker_container *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		docker_container_release(&v[i]);
	free(v);
}

enum rv_code docker_list(struct docker_client *c, const char *key,
			 const char *value, const struct remote_call *call,
			 struct docker_container **out, size_t *n,
			 struct rv_err *err)
{
	struct remote_req r = { .method = "GET", .op = "GET /containers/json" };
	struct rv_buf path = RV_BUF_INIT;
	json_t *j = NULL, *it;
	enum rv_code rc;
	size_t i;

	*out = NULL;
	*n = 0;
	rv_buf_adds(&path, "/containers/json?all=1&");
	docker_label_filter(&path, key, value);
	rc = docker_call_json(c, path.data, &r, call, "cannot list containers",
			      &j, err);
	if (rc == RV_OK && !json_is_array(j))
		rc = rv_errf(err, RV_ERR_PROTO, "cannot list containers: not "
			     "an array");
	json_array_foreach(rc == RV_OK ? j : NULL, i, it) {
		const json_t *names = json_object_get(it, "Names");
		const char *name = json_string_value(json_array_get(names, 0));
		const char *lv = json_string_value(json_object_get(
			json_object_get(it, "Labels"), key));
		struct docker_container *ct;

		/* the engine filters; a label that does not match is not ours */
		if (!lv || (value && strcmp(lv, value)) ||
		    !rv_json_str(it, "Id"))
			continue;
		*out = rv_xreallocarray(*out, *n + 1, sizeof(**out));
		ct = &(*out)[(*n)++];
		memset(ct, 0, sizeof(*ct));
		ct->id = rv_xstrdup(rv_json_str(it, "Id"));
		ct->name = docker_dup(name && *name == '/' ? name + 1 : name);
		ct->state = docker_dup(rv_json_str(it, "State"));
		ct->job_label = rv_xstrdup(lv);
	}
	json_decref(j);
	rv_buf_release(&path);
	return rc;
}

void docker_label_filter(struct rv_buf *b, const char *key,
			 const char *value)
{
	char *label = value ? rv_xasprintf("%s=%s", key, value) :
		rv_xstrdup(key);
	json_t *filter = json_pack("{s:[s]}", "label", label);
	char *fs = rv_json_dumps(filter);

	rv_buf_adds(b, "filters=");
	rv_http_urlencode(b, fs);
	json_decref(filter);
	free(fs);
	free(label);
}

/* --- images ------------------------------------------------------------ */

enum rv_code docker_image_inspect(struct docker_client *c, const char *name,
				  const struct remote_call *call, char **id,
				  struct rv_err *err)
{
	struct remote_req r = { .method = "GET",
				 .op = "GET /images/{name}/json" };
	char *what = rv_xasprintf("cannot inspect image '%s'", name);
	char *path = rv_xasprintf("/images/%s/json", name);
	json_t *j = NULL;
	enum rv_code rc;

	*id = NULL;
	rc = docker_call_json(c, path, &r, call, what, &j, err);
	if (rc == RV_OK)
		*id = docker_dup(rv_json_str(j, "Id"));
	json_decref(j);
	free(path);
	free(what);
	return rc;
}

enum rv_code docker_image_missing(struct docker_client *c, const char *name,
				  struct rv_err *err)
{
	return rv_errf(err, RV_ERR_CONFIG, "image '%s' is not in the Docker "
		       "engine at '%s', and runeval pulls nothing: build it "
		       "with 'scripts/docker-image.sh' (or load it with "
		       "'docker load -i FILE')", name, c->host);
}

/* --- streams ----------------------------------------------------------- */

void docker_demux_init(struct docker_demux *d,
		       void (*sink)(int, const char *, size_t, void *),
		       void *arg)
{
	memset(d, 0, sizeof(*d));
	d->sink = sink;
	d->arg = arg;
}

void docker_demux_feed(struct docker_demux *d, const char *data, size_t len)
{
	while (len > 0) {
		size_t take;

		if (d->left == 0) {
			take = sizeof(d->hdr) - d->hdr_len;
			if (take > len)
				take = len;
			memcpy(d->hdr + d->hdr_len, data, take);
			d->hdr_len += take;
			data += take;
			len -= take;
			if (d->hdr_len < sizeof(d->hdr))
				return;
			d->hdr_len = 0;
			d->stream = d->hdr[0];
			d->left = (size_t)d->hdr[4] << 24 |
				(size_t)d->hdr[5] << 16 |
				(size_t)d->hdr[6] << 8 | d->hdr[7];
			continue;
		}
		take = d->left < len ? d->left : len;
		d->sink(d->stream, data, take, d->arg);
		d->left -= take;
		data += take;
		len -= take;
	}
}
