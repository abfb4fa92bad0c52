#include "rv_http.h"

#include "rv_alloc.h"
#include "rv_clock.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The locks of a share: one per kind of data (CURLSHOPT_LOCKFUNC). */
#define RV_HTTP_LOCKS CURL_LOCK_DATA_LAST

struct rv_http_pool {
	CURLSH *share;			/* DNS cache and TLS sessions */
	pthread_mutex_t locks[RV_HTTP_LOCKS];
	pthread_mutex_t mu;		/* idle[] */
	CURL *idle[RV_HTTP_POOL_IDLE];	/* handles with their connections */
	size_t nidle;
};

struct rv_http_xfer {
	CURL *easy;
	struct rv_http_pool *pool;	/* easy goes back here, or NULL */
	struct curl_slist *headers;
	struct rv_http_response *resp;
	const struct rv_http_request *req;
	size_t max_response;
	bool overflow;
	bool stopped;			/* on_body or cancel ended it */
	uint64_t start_ns;
	char errbuf[CURL_ERROR_SIZE];
};

static char *rv_http_ca;
static atomic_ulong rv_http_nreq, rv_http_nconn;

void rv_http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum rv_code rv_http_set_ca_file(const char *path, struct rv_err *err)
{
	if (path && access(path, R_OK) < 0)
		return rv_errf(err, RV_ERR_CONFIG, "cannot read CA file '%s': "
			       "%s", path, strerror(errno));
	free(rv_http_ca);
	rv_http_ca = path ? rv_xstrdup(path) : NULL;
	return RV_OK;
}

const char *rv_http_ca_file(void)
{
	return rv_http_ca;
}

void rv_http_counts(struct rv_http_counts *out)
{
	out->requests = atomic_load(&rv_http_nreq);
	out->connects = atomic_load(&rv_http_nconn);
}

static void rv_http_lock(CURL *h, curl_lock_data d, curl_lock_access a,
			 void *arg)
{
	struct rv_http_pool *p = arg;

	(void)h;
	(void)a;
	pthread_mutex_lock(&p->locks[(unsigned)d % RV_HTTP_LOCKS]);
}

static void rv_http_unlock(CURL *h, curl_lock_data d, void *arg)
{
	struct rv_http_pool *p = arg;

	(void)h;
	pthread_mutex_unlock(&p->locks[(unsigned)d % RV_HTTP_LOCKS]);
}

struct rv_http_pool *rv_http_pool_new(void)
{
	struct rv_http_pool *p = rv_xcalloc(1, sizeof(*p));

	for (size_t i = 0; i < RV_HTTP_LOCKS; i++)
		pthread_mutex_init(&p->locks[i], NULL);
	pthread_mutex_init(&p->mu, NULL);
	p->share = curl_share_init();
	if (!p->share)
		rv_bug("curl_share_init failed");
	curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, rv_http_lock);
	curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, rv_http_unlock);
	curl_share_setopt(p->share, CURLSHOPT_USERDATA, p);
	curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(p->share, CURLSHOPT_SHARE,
			  CURL_LOCK_DATA_SSL_SESSION);
	return p;
}

void rv_http_pool_free(struct rv_http_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nidle; i++)
		curl_easy_cleanup(p->idle[i]);
	curl_share_cleanup(p->share);
	for (size_t i = 0; i < RV_HTTP_LOCKS; i++)
		pthread_mutex_destroy(&p->locks[i]);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* The handle used last (its connections are the likeliest to be open). */
static CURL *rv_http_pool_take(struct rv_http_pool *p)
{
	CURL *h = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->nidle)
		h = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->mu);
	return h ? h : curl_easy_init();
}

/* Back to the pool with its connections, its options reset (no pointer
   into the finished request stays in it). */
static void rv_http_pool_give(struct rv_http_pool *p, CURL *h)
{
	curl_easy_reset(h);
	pthread_mutex_lock(&p->mu);
	if (p->nidle < RV_HTTP_POOL_IDLE) {
		p->idle[p->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	if (h)
		curl_easy_cleanup(h);
}

static size_t rv_http_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct rv_http_xfer *x = arg;
	size_t len = size * n;
	long status = 0;

	if (x->req->cancel && *x->req->cancel) {
		x->stopped = true;
		return 0;
	}
	if (x->req->on_body) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299) {
			if (x->req->on_body(data, len, x->req->on_body_arg))
				return len;
			x->stopped = true;
			return 0;
		}
	}
	if (x->resp->body.len + len > x->max_response) {
		x->overflow = true;
		return 0;
	}
	rv_buf_add(&x->resp->body, data, len);
	return len;
}

static size_t rv_http_on_header(char *data, size_t size, size_t n, void *arg)
{
	struct rv_http_xfer *x = arg;
	size_t len = size * n;

	/* a new status line starts a new response (redirects, 100-continue) */
	if (len >= 5 && !memcmp(data, "HTTP/", 5))
		rv_buf_reset(&x->resp->headers);
	if (x->resp->headers.len + len <= 256 * 1024)
		rv_buf_add(&x->resp->headers, data, len);
	return len;
}

static int rv_http_on_progress(void *arg, curl_off_t dt, curl_off_t dn,
			       curl_off_t ut, curl_off_t un)
{
	struct rv_http_xfer *x = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (!*x->req->cancel)
		return 0;
	x->stopped = true;
	return 1;
}

/* What changes from one exchange to the next (rv_http.h): the body, the
   response, the outcome's flags and text. */
void rv_http_xfer_again(struct rv_http_xfer *x)
{
	const struct rv_http_request *req = x->req;

	x->overflow = x->stopped = false;
	x->errbuf[0] = '\0';
	x->resp->status = 0;
	x->resp->error[0] = '\0';
	rv_buf_reset(&x->resp->body);
	rv_buf_reset(&x->resp->headers);
	if (req->body) {
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body_len);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, req->body);
	}
	x->start_ns = rv_now_ns();
}

struct rv_http_xfer *rv_http_xfer_new(const struct rv_http_request *req,
				      struct rv_http_response *resp)
{
	struct rv_http_xfer *x = rv_xcalloc(1, sizeof(*x));
	const char *method = req->method;

	x->req = req;
	x->resp = resp;
	x->max_response = req->max_response ? req->max_response :
		RV_HTTP_DEFAULT_MAX_RESPONSE;
	x->pool = req->pool;
	x->easy = x->pool ? rv_http_pool_take(x->pool) : curl_easy_init();
	if (!x->easy)
		rv_bug("curl_easy_init failed");

	curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, rv_http_on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, rv_http_on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_TCP_NODELAY, 1L);
	/* libcurl's receive buffer is 16 kB a handle by default: 64
	   rollouts in flight held 1 MB of it for answers of a few kB */
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, RV_HTTP_RECV_BUFFER);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (x->pool)
		curl_easy_setopt(x->easy, CURLOPT_SHARE, x->pool->share);
	if (rv_http_ca)
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, rv_http_ca);
	if (req->unix_socket)
		curl_easy_setopt(x->easy, CURLOPT_UNIX_SOCKET_PATH,
				 req->unix_socket);
	if (req->cancel) {
		curl_easy_setopt(x->easy, CURLOPT_XFERINFOFUNCTION,
				 rv_http_on_progress);
		curl_easy_setopt(x->easy, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, 0L);
	}
	if (req->timeout_ms > 0)
		curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->connect_timeout_ms > 0)
		curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
				 req->connect_timeout_ms);
	if (req->body && !method)
		method = "POST";
	if (method) {
		if (!strcmp(method, "HEAD"))
			curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
		else if (!strcmp(method, "POST") && !req->body) {
			curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, "");
		} else if (strcmp(method, "GET") && strcmp(method, "POST"))
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
	}
	/* no "Expect: 100-continue" round trip on larger bodies */
	x->headers = curl_slist_append(NULL, "Expect:");
	for (const char *const *h = req->headers; h && *h; h++)
		x->headers = curl_slist_append(x->headers, *h);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	rv_http_xfer_again(x);
	return x;
}

void *rv_http_xfer_handle(struct rv_http_xfer *x)
{
	return x->easy;
}

static const char *rv_http_method(const struct rv_http_request *req)
{
	return req->method ? req->method : req->body ? "POST" : "GET";
}

enum rv_code rv_http_xfer_finish(struct rv_http_xfer *x, int curl_code,
				 struct rv_err *err)
{
	struct rv_http_response *resp = x->resp;
	CURLcode cc = (CURLcode)curl_code;
	const char *why;
	enum rv_code rc;
	long nconn = 0;

	resp->elapsed_ns = rv_now_ns() - x->start_ns;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nconn) ==
	    CURLE_OK && nconn > 0)
		atomic_fetch_add(&rv_http_nconn, (unsigned long)nconn);
	atomic_fetch_add(&rv_http_nreq, 1);
	if (cc == CURLE_OK)
		return RV_OK;
	why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		rc = RV_ERR_CONNECT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		rc = RV_ERR_TIMEOUT;
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		rc = RV_ERR_PROTO;	/* no retry makes a URL valid */
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		/* no retry can fix whom we trust: say how to */
		rc = RV_ERR_CONFIG;
		snprintf(resp->error, sizeof(resp->error), "%s", why);
		return rv_errf(err, rc, "%s %s: %s (a private CA: trust it "
			       "with --ca-cert FILE or RUNEVAL_CA_CERT)",
			       rv_http_method(x->req), x->req->url, why);
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
		if (x->stopped) {
			rc = RV_ERR_INTR;
			why = "stopped";
			break;
		}
		rc = x->overflow ? RV_ERR_LIMIT : RV_ERR_HTTP;
		if (x->overflow)
			why = "response body too large";
		break;
	default:
		rc = RV_ERR_HTTP;
	}
	snprintf(resp->error, sizeof(resp->error), "%s", why);
	return rv_errf(err, rc, "%s %s: %s", rv_http_method(x->req),
		       x->req->url, why);
}

void rv_http_xfer_free(struct rv_http_xfer *x)
{
	if (!x)
		return;
	if (x->pool)
		rv_http_pool_give(x->pool, x->easy);
	else
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x);
}

enum rv_code rv_http_do(const struct rv_http_request *req,
			struct rv_http_response *resp, struct rv_err *err)
{
	struct rv_http_xfer *x = rv_http_xfer_new(req, resp);
	CURLcode cc = curl_easy_perform(x->easy);
	enum rv_code rc = rv_http_xfer_finish(x, cc, err);

	rv_http_xfer_free(x);
	return rc;
}

void rv_http_response_release(struct rv_http_response *resp)
{
	rv_buf_release(&resp->body);
	rv_buf_release(&resp->headers);
	resp->status = 0;
}

/* Calls fn(name, namelen, value, valuelen, arg) for each header line. */
static void rv_http_each_header(const struct rv_http_response *resp,
				void (*fn)(const char *, size_t, const char *,
					   size_t, void *), void *arg)
{
	const char *p = resp->headers.data;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));

		if (colon) {
			const char *v = colon + 1;
			const char *ve = end;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			fn(p, (size_t)(colon - p), v, (size_t)(ve - v), arg);
		}
		if (!eol)
			break;
		p = eol + 1;
	}
}

struct rv_header_find {
	const char *name;
	char *value;
};

static void rv_http_find_cb(const char *n, size_t nl, const char *v,
			    size_t vl, void *arg)
{
	struct rv_header_find *f = arg;

	if (!f->value && strlen(f->name) == nl && !strncasecmp(n, f->name, nl))
		f->value = rv_xstrndup(v, vl);
}

char *rv_http_header(const struct rv_http_response *resp, const char *name)
{
	struct rv_header_find f = { name, NULL };

	rv_http_each_header(resp, rv_http_find_cb, &f);
	return f.value;
}

static void rv_http_retry_cb(const char *n, size_t nl, const char *v,
			     size_t vl, void *arg)
{
	long *best = arg;
	/* Retry-After-Ms is in milliseconds; every other form in seconds */
	long unit = nl == 14 && !strncasecmp(n, "retry-after-ms", 14) ? 1 :
		1000;
	char num[32];
	long val;
	char *end;

	if (nl < 11 || strncasecmp(n, "retry-after", 11))
		return;
	if (nl > 11 && n[11] != '-')
		return;
	if (vl == 0 || vl >= sizeof(num))
		return;
	memcpy(num, v, vl);
	num[vl] = '\0';
	val = strtol(num, &end, 10);
	if (*end || val < 0 || val > LONG_MAX / 1000)
		return;
	if (val * unit > *best)
		*best = val * unit;
}

long rv_http_retry_after_ms(const struct rv_http_response *resp)
{
	long best = -1;

	rv_http_each_header(resp, rv_http_retry_cb, &best);
	return best;
}

bool rv_http_is_transient(enum rv_code rc, long status)
{
	if (rc == RV_ERR_CONNECT || rc == RV_ERR_TIMEOUT)
		return true;
	if (rc != RV_OK)
		return false;
	return status == 429 || status == 502 || status == 503 ||
	       status == 504;
}

long rv_backoff_ms(unsigned attempt, long base_ms, long cap_ms)
{
	long ceiling = base_ms;
	static __thread unsigned seed;

	for (unsigned i = 0; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (!seed)
		seed = (unsigned)rv_now_ns() ^ (unsigned)(uintptr_t)&seed;
	if (ceiling <= 0)
		return 0;
	return (long)(rand_r(&seed) % (unsigned long)(ceiling + 1));
}

void rv_http_urlencode(struct rv_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			rv_buf_addch(b, (char)c);
		} else {
			rv_buf_addch(b, '%');
			rv_buf_addch(b, hex[c >> 4]);
			rv_buf_addch(b, hex[c & 15]);
		}
	}
}
