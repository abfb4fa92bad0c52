/*
 * curl_floor: the memory floor under runeval's local mode.
 *
 * Links what `runeval --local` cannot do without (Debian's libcurl,
 * jansson, libm) and makes one HTTP request with libcurl, then exits.
 * Its peak RSS, measured next to runeval's in the same run, is what any
 * program built on these libraries pays before doing any work of its
 * own: the shared libraries libcurl loads (some thirty, OpenSSL and
 * GnuTLS among them) and their initialisation.
 *
 * usage: curl_floor URL
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int main(int argc, char **argv)
{
	CURL *h;
	CURLcode rc;
	json_t *v;

	if (argc != 2) {
		fprintf(stderr, "usage: curl_floor URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
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
