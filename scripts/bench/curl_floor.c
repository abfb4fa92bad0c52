/*
 * curl_floor: the floors under runeval's local mode.
 *
 * Links what `runeval --local` cannot do without (Debian's libcurl,
 * jansson, libm).  With one argument it makes one HTTP request with
 * libcurl, then exits: its peak RSS, measured next to runeval's in the
 * same run, is what any program built on these libraries pays before
 * doing any work of its own (the shared libraries libcurl loads, some
 * thirty, OpenSSL and GnuTLS among them, and their initialisation).
 *
 * With N, K and KEY it POSTs N small rollout requests to URL, K at a time
 * over keep-alive connections (one multi handle, as runeval's rollouts
 * engine does), with X-API-Key: KEY, and parses each answer with jansson:
 * its CPU per request is the floor of a seed's cost on this machine (the
 * loopback TCP both ends pay in the kernel, libcurl, one parse), what no
 * orchestrator built on these libraries can go below.  It prints the CPU
 * of its request loop alone (getrusage, microseconds) on stdout.
 *
 * With @FILE instead of URL the requests go to many endpoints, K at a
 * time to each, all on the one multi handle of one thread: FILE has one
 * endpoint per line, a base URL (requests go to its /rollout), then
 * tab-separated headers (a sandbox preview's token).  A request that ends
 * hands its endpoint the next one, as a sandbox pulls seeds from a job's
 * queue: what a plain client pays for N seeds over that many sandboxes
 * (a reference, not a strict floor).  With THREADS,
 * the endpoints are shared out among that many threads, each with its
 * own multi handle, taking seeds from one shared counter (runeval runs a
 * thread per sandbox).
 *
 * usage: curl_floor URL|@FILE [N K KEY [THREADS]]
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* an endpoint: its URL and headers (the key's, the preview's) */
struct end {
	char *url;
	struct curl_slist *hdr;
};

struct req {
	CURL *h;
	const struct end *e;
	char body[256];
	char answer[4096];
	size_t len;
};

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t m = size * n;

	if (r->len + m < sizeof(r->answer)) {
		memcpy(r->answer + r->len, p, m);
		r->len += m;
	}
	return m;
}

static void post(CURLM *m, struct req *r, long seed)
{
	snprintf(r->body, sizeof(r->body),
		 "{\"trace_correlation_id\":\"floor_%ld\",\"env\":{\"seed\":"
		 "%ld,\"config\":{}},\"policy\":{\"config\":{}}}", seed, seed);
	r->len = 0;
	curl_easy_setopt(r->h, CURLOPT_URL, r->e->url);
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->e->hdr);
	curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	curl_multi_add_handle(m, r->h);
}

static long cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* The endpoints: URL itself, or @FILE's lines (see the top). */
static struct end *ends_load(const char *url, const char *key, size_t *n)
{
	char kh[512], line[4096];
	struct end *es = NULL;
	FILE *f = NULL;

	snprintf(kh, sizeof(kh), "X-API-Key: %s", key);
	*n = 0;
	if (url[0] == '@' && !(f = fopen(url + 1, "r"))) {
		perror(url + 1);
		exit(2);
	}
	while (f ? fgets(line, sizeof(line), f) != NULL : *n == 0) {
		char *save = NULL, *tok;
		struct end *e;

		if (!f)
			snprintf(line, sizeof(line), "%s", url);
		line[strcspn(line, "\r\n")] = 0;
		if (!(tok = strtok_r(line, "\t", &save)))
			continue;
		es = realloc(es, (*n + 1) * sizeof(*es));
		e = &es[(*n)++];
		e->url = malloc(strlen(tok) + 16);
		/* a file names base URLs; a lone URL is the request's */
		sprintf(e->url, f ? "%s/rollout" : "%s", tok);
		e->hdr = curl_slist_append(NULL, kh);
		e->hdr = curl_slist_append(e->hdr,
					   "Content-Type: application/json");
		while ((tok = strtok_r(NULL, "\t", &save)))
			e->hdr = curl_slist_append(e->hdr, tok);
	}
	if (f)
		fclose(f);
	if (!*n) {
		fprintf(stderr, "curl_floor: no endpoint in %s\n", url);
		exit(2);
	}
	return es;
}

/* one thread's share: its endpoints, K requests in flight to each,
   seeds taken from the shared counter until N are sent */
struct share {
	const struct end *es;
	size_t ne;
	int k;
	long n;
	atomic_long *sent;
	long bad;
};

static bool take(struct share *w, long *seed)
{
	*seed = atomic_fetch_add(w->sent, 1);
	return *seed < w->n;
}

static void *loop(void *arg)
{
	struct share *w = arg;
	CURLM *m = curl_multi_init();
	size_t nr = w->ne * (size_t)w->k;
	struct req *rs = calloc(nr, sizeof(*rs));
	long seed, inflight = 0;
	int running = 0, left;
	CURLMsg *msg;

	for (size_t i = 0; i < nr && take(w, &seed); i++) {
		rs[i].h = curl_easy_init();
		rs[i].e = &w->es[i % w->ne];
		post(m, &rs[i], seed);
		inflight++;
	}
	while (inflight) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct req *r;
			json_t *v;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&r);
			v = json_loadb(r->answer, r->len, 0, NULL);
			w->bad += msg->data.result != CURLE_OK || !v;
			json_decref(v);
			inflight--;
			curl_multi_remove_handle(m, r->h);
			if (take(w, &seed)) {
				post(m, r, seed);
				inflight++;
			}
		}
		if (inflight)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	for (size_t i = 0; i < nr; i++)
		if (rs[i].h)
			curl_easy_cleanup(rs[i].h);
	curl_multi_cleanup(m);
	free(rs);
	return NULL;
}

static int many(const char *url, long n, int k, const char *key,
		int threads)
{
	size_t ne;
	struct end *es = ends_load(url, key, &ne);
	struct share *ws;
	pthread_t *th;
	atomic_long sent = 0;
	long bad = 0, cpu = cpu_us();

	if (threads < 1 || (size_t)threads > ne)
		threads = threads < 1 ? 1 : (int)ne;
	ws = calloc((size_t)threads, sizeof(*ws));
	th = calloc((size_t)threads, sizeof(*th));
	for (int t = 0; t < threads; t++) {
		/* thread t takes the endpoints of a contiguous share */
		size_t lo = ne * (size_t)t / (size_t)threads;
		size_t hi = ne * (size_t)(t + 1) / (size_t)threads;

		ws[t] = (struct share){ .es = es + lo, .ne = hi - lo, .k = k,
					.n = n, .sent = &sent };
		if (threads == 1)
			loop(&ws[t]);
		else
			pthread_create(&th[t], NULL, loop, &ws[t]);
	}
	for (int t = 0; t < threads; t++) {
		if (threads > 1)
			pthread_join(th[t], NULL);
		bad += ws[t].bad;
	}
	printf("%ld\n", cpu_us() - cpu);
	for (size_t i = 0; i < ne; i++) {
		curl_slist_free_all(es[i].hdr);
		free(es[i].url);
	}
	free(es);
	free(ws);
	free(th);
	if (bad)
		fprintf(stderr, "curl_floor: %ld of %ld requests failed\n", bad,
			n);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	CURL *h;
	CURLcode rc;
	json_t *v;
	int code;

	if (argc != 2 && argc != 5 && argc != 6) {
		fprintf(stderr, "usage: curl_floor URL|@FILE [N K KEY "
			"[THREADS]]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc >= 5) {
		code = many(argv[1], atol(argv[2]), atoi(argv[3]), argv[4],
			    argc == 6 ? atoi(argv[5]) : 1);
		curl_global_cleanup();
		return code;
	}
	h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	/* keep jansson and libm linked (loaded): of a value the compiler
	   cannot know, or it folds the call away and the floor has no libm */
	v = json_real(sqrt(atof(argv[1])));
	json_decref(v);
	return rc == CURLE_OK ? 0 : 1;
}
