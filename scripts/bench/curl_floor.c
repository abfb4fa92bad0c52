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
 * orchestrator built on these libraries can go below.
 *
 * usage: curl_floor URL [N K KEY]
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct req {
	CURL *h;
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

static void post(CURLM *m, struct req *r, const char *url,
		 struct curl_slist *hdr, long seed)
{
	snprintf(r->body, sizeof(r->body),
		 "{\"trace_correlation_id\":\"floor_%ld\",\"env\":{\"seed\":"
		 "%ld,\"config\":{}},\"policy\":{\"config\":{}}}", seed, seed);
	r->len = 0;
	curl_easy_setopt(r->h, CURLOPT_URL, url);
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	curl_multi_add_handle(m, r->h);
}

static int many(const char *url, long n, int k, const char *key)
{
	CURLM *m = curl_multi_init();
	struct req *rs = calloc((size_t)k, sizeof(*rs));
	struct curl_slist *hdr = NULL;
	char kh[512];
	long sent = 0, done = 0, bad = 0;
	int running = 0, left;
	CURLMsg *msg;

	snprintf(kh, sizeof(kh), "X-API-Key: %s", key);
	hdr = curl_slist_append(hdr, kh);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	for (int i = 0; i < k && sent < n; i++) {
		rs[i].h = curl_easy_init();
		post(m, &rs[i], url, hdr, sent++);
	}
	while (done < n) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct req *r;
			json_t *v;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&r);
			v = json_loadb(r->answer, r->len, 0, NULL);
			bad += msg->data.result != CURLE_OK || !v;
			json_decref(v);
			done++;
			curl_multi_remove_handle(m, r->h);
			if (sent < n)
				post(m, r, url, hdr, sent++);
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	for (int i = 0; i < k; i++)
		if (rs[i].h)
			curl_easy_cleanup(rs[i].h);
	curl_slist_free_all(hdr);
	curl_multi_cleanup(m);
	free(rs);
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

	if (argc != 2 && argc != 5) {
		fprintf(stderr, "usage: curl_floor URL [N K KEY]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc == 5) {
		code = many(argv[1], atol(argv[2]), atoi(argv[3]), argv[4]);
		curl_global_cleanup();
		return code;
	}
	h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	v = json_real(sqrt(2.0));	/* keep jansson and libm linked */
	json_decref(v);
	return rc == CURLE_OK ? 0 : 1;
}
