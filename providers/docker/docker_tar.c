/* docker_tar: tar streams renamed below a directory (see docker_tar.h). */
#include "docker_tar.h"

#include "rv_alloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DT_BLOCK 512
#define DT_CHKSUM 148
#define DT_TYPE 156

static size_t dt_round(size_t n)
{
	return (n + DT_BLOCK - 1) / DT_BLOCK * DT_BLOCK;
}

/* An octal (or base-256) numeric field; false when it is neither. */
static bool dt_number(const unsigned char *f, size_t n, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	if (f[0] & 0x80) {	/* base-256, big-endian */
		if (f[0] != 0x80)
			return false;	/* negative or too large */
		for (i = 1; i < n; i++)
			*v = (*v << 8) | f[i];
		return true;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		*v = (*v << 3) | (uint64_t)(f[i] - '0');
	return i == n || f[i] == ' ' || f[i] == '\0';
}

static unsigned dt_sum(const unsigned char *h)
{
	unsigned sum = 0;

	for (size_t i = 0; i < DT_BLOCK; i++)
		sum += (i >= DT_CHKSUM && i < DT_CHKSUM + 8) ? ' ' : h[i];
	return sum;
}

static bool dt_zero(const unsigned char *h)
{
	for (size_t i = 0; i < DT_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* A field's text (NUL-ended or full). */
static void dt_field(struct rv_buf *b, const unsigned char *f, size_t n)
{
	size_t len = strnlen((const char *)f, n);

	rv_buf_add(b, (const char *)f, len);
}

/* Append one pax record "LEN key=value\n". */
static void dt_record(struct rv_buf *b, const char *key, const char *v,
		      size_t vlen)
{
	size_t body = 1 + strlen(key) + 1 + vlen + 1, len = body, digits;

	/* the length counts its own digits */
	for (;;) {
		digits = (size_t)snprintf(NULL, 0, "%zu", len);
		if (body + digits == len)
			break;
		len = body + digits;
	}
	rv_buf_addf(b, "%zu %s=", len, key);
	rv_buf_add(b, v, vlen);
	rv_buf_addch(b, '\n');
}

/* A ustar header of type t for size bytes, named name (cut at 99). */
static void dt_header(struct rv_buf *out, const char *name, char t,
		      uint64_t size, unsigned mode)
{
	unsigned char h[DT_BLOCK] = { 0 };

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", mode & 07777);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[DT_TYPE] = (unsigned char)t;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	snprintf((char *)h + DT_CHKSUM, 8, "%06o", dt_sum(h));
	h[DT_CHKSUM + 7] = ' ';
	rv_buf_add(out, (const char *)h, DT_BLOCK);
}

static void dt_pad(struct rv_buf *out, size_t len)
{
	static const char zeros[DT_BLOCK];

	rv_buf_add(out, zeros, dt_round(len) - len);
}

/* A pax extended header carrying records. */
static void dt_pax(struct rv_buf *out, const struct rv_buf *records)
{
	dt_header(out, "PaxHeaders/runeval", 'x', records->len, 0644);
	rv_buf_add(out, records->data, records->len);
	dt_pad(out, records->len);
}

/* "<dir without its '/'>/<name without './' or '/'>", into b. */
static void dt_join(struct rv_buf *b, const char *dir, const char *name,
		    size_t len)
{
	while (len && (*name == '/' || (*name == '.' && (len == 1 ||
							 name[1] == '/')))) {
		name++;
		len--;
	}
	rv_buf_reset(b);
	while (*dir == '/')
		dir++;
	rv_buf_adds(b, dir);
	if (len) {
		rv_buf_addch(b, '/');
		rv_buf_add(b, name, len);
	}
}

/*
 * One member's pax records: pax's own but the renamed ones, then ours:
 * its path, and its link target when link is not NULL (a hard link's,
 * renamed; or a long symbolic one's from a GNU header, as it was).
 */
static void dt_rename(struct rv_buf *rec, const char *pax, size_t pax_len,
		      bool hardlink, const struct rv_buf *path,
		      const struct rv_buf *link)
{
	size_t off = 0;

	rv_buf_reset(rec);
	while (off < pax_len) {
		char *end;
		unsigned long n = strtoul(pax + off, &end, 10);
		const char *key = end + 1;
		size_t klen;

		if (end == pax + off || *end != ' ' || n == 0 ||
		    n > pax_len - off)
			break;
		klen = strcspn(key, "=");
		if (!((klen == 4 && !strncmp(key, "path", 4)) ||
		      (hardlink && klen == 8 && !strncmp(key, "linkpath", 8))))
			rv_buf_add(rec, pax + off, n);
		off += n;
	}
	dt_record(rec, "path", path->data, path->len);
	if (link)
		dt_record(rec, "linkpath", link->data, link->len);
}

/* A pax record's value for key in pax, or NULL. */
static const char *dt_pax_value(const char *pax, size_t pax_len,
				const char *key, size_t *vlen)
{
	size_t off = 0, klen = strlen(key);

	while (off < pax_len) {
		char *end;
		unsigned long n = strtoul(pax + off, &end, 10);

		if (end == pax + off || *end != ' ' || n < 2 ||
		    n > pax_len - off)
			return NULL;
		if (!strncmp(end + 1, key, klen) && end[1 + klen] == '=') {
			const char *v = end + 2 + klen;

			*vlen = (size_t)(pax + off + n - 1 - v);
			return v;
		}
		off += n;
	}
	return NULL;
}

enum rv_code docker_tar_prefix(const char *tar, size_t len, const char *dir,
			       struct rv_buf *out, struct rv_err *err)
{
	struct rv_buf name = RV_BUF_INIT, link = RV_BUF_INIT;
	struct rv_buf path = RV_BUF_INIT, target = RV_BUF_INIT;
	struct rv_buf rec = RV_BUF_INIT;
	const char *pax = NULL, *long_name = NULL, *long_link = NULL;
	size_t pax_len = 0, long_name_len = 0, long_link_len = 0, pos = 0;
	enum rv_code rc = RV_OK;

	while (pos + DT_BLOCK <= len) {
		const unsigned char *h = (const unsigned char *)tar + pos;
		uint64_t size, sum;
		size_t data = pos + DT_BLOCK, next, vlen;
		const char *v;
		char t;

		if (dt_zero(h))
			break;
		if (!dt_number(h + 124, 12, &size) ||
		    !dt_number(h + DT_CHKSUM, 8, &sum) || sum != dt_sum(h) ||
		    size > len - data || dt_round(size) > len - data) {
			rc = rv_errf(err, RV_ERR_PROVIDER, "not a tar archive "
				     "(a bad header at byte %zu)", pos);
			goto out;
		}
		next = data + dt_round(size);
		t = (char)h[DT_TYPE];
		if (t == 'x' || t == 'L' || t == 'K') {
			const char **p = t == 'x' ? &pax : t == 'L' ?
				&long_name : &long_link;
			size_t *pl = t == 'x' ? &pax_len : t == 'L' ?
				&long_name_len : &long_link_len;

			*p = tar + data;
			*pl = t == 'x' ? size : strnlen(tar + data, size);
			pos = next;
			continue;
		}
		if (t == 'g') {		/* global: as it is */
			rv_buf_add(out, tar + pos, next - pos);
			pos = next;
			continue;
		}
		rv_buf_reset(&name);
		rv_buf_reset(&link);
		if ((v = dt_pax_value(pax, pax_len, "path", &vlen)))
			rv_buf_add(&name, v, vlen);
		else if (long_name)
			rv_buf_add(&name, long_name, long_name_len);
		else if (!memcmp(h + 257, "ustar", 5) && h[345]) {
			dt_field(&name, h + 345, 155);
			rv_buf_addch(&name, '/');
			dt_field(&name, h, 100);
		} else {
			dt_field(&name, h, 100);
		}
		if ((v = dt_pax_value(pax, pax_len, "linkpath", &vlen)))
			rv_buf_add(&link, v, vlen);
		else if (long_link)
			rv_buf_add(&link, long_link, long_link_len);
		else
			dt_field(&link, h + 157, 100);
		dt_join(&path, dir, name.data ? name.data : "", name.len);
		dt_join(&target, dir, link.data ? link.data : "", link.len);
		dt_rename(&rec, pax, pax_len, t == '1', &path, t == '1' ?
			  &target : long_link ? &link : NULL);
		dt_pax(out, &rec);
		rv_buf_add(out, tar + pos, next - pos);
		pax = long_name = long_link = NULL;
		pax_len = long_name_len = long_link_len = 0;
		pos = next;
	}
out:
	rv_buf_release(&name);
	rv_buf_release(&link);
	rv_buf_release(&path);
	rv_buf_release(&target);
	rv_buf_release(&rec);
	return rc;
}

void docker_tar_file(struct rv_buf *out, const char *path, const char *data,
		     size_t len, unsigned mode)
{
	struct rv_buf rec = RV_BUF_INIT, p = RV_BUF_INIT;

	dt_join(&p, path, "", 0);
	dt_record(&rec, "path", p.data, p.len);
	dt_pax(out, &rec);
	dt_header(out, p.data, '0', len, mode);
	rv_buf_add(out, data, len);
	dt_pad(out, len);
	rv_buf_release(&rec);
	rv_buf_release(&p);
}

void docker_tar_end(struct rv_buf *out)
{
	static const char zeros[2 * DT_BLOCK];

	rv_buf_add(out, zeros, sizeof(zeros));
}
