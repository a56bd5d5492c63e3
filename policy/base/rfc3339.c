/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy/base/rfc3339.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "policy/base/civil.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
#define SEC_MIN (-62167219200LL)
#define SEC_MAX 253402300799LL

static int format(int64_t secs, int64_t frac, bool with_usec, char buf[static RFC3339_MAX])
{
	int64_t days, sod, y;
	unsigned m, d;

	if (secs < SEC_MIN || secs > SEC_MAX) {
		(void)snprintf(buf, RFC3339_MAX, "@%" PRId64, secs);
		return -ERANGE;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (with_usec)
		(void)snprintf(buf, RFC3339_MAX, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
		               (unsigned)y % 10000u, m % 13u, d % 32u, (unsigned)(sod / 3600) % 24u,
		               (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
		               (unsigned)frac % 1000000u);
	else
		(void)snprintf(buf, RFC3339_MAX, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		               (unsigned)y % 10000u, m % 13u, d % 32u, (unsigned)(sod / 3600) % 24u,
		               (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
	return 0;
}

int rfc3339_format_usec(int64_t usec, bool with_usec, char buf[static RFC3339_MAX])
{
	/* floor division so times before 1970 format correctly */
	int64_t secs = usec / 1000000, frac = usec % 1000000;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	return format(secs, frac, with_usec, buf);
}

int rfc3339_format_sec(int64_t sec, char buf[static RFC3339_MAX])
{
	return format(sec, 0, false, buf);
}

static int parse_digits(const char **p, unsigned n, unsigned *ret)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

int rfc3339_parse(const char *s, unsigned flags, struct rfc3339_time *ret)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, n = 0;
	bool finer = false;
	const char *p = s;

	if (!s || !ret)
		return -EINVAL;
	if (parse_digits(&p, 4, &y) < 0 || *p++ != '-' || parse_digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || parse_digits(&p, 2, &d) < 0)
		return -EINVAL;
	if (*p == 'T' || (*p == ' ' && (flags & RFC3339_SPACE_OK))) {
		p++;
		if (parse_digits(&p, 2, &h) < 0 || *p++ != ':' || parse_digits(&p, 2, &mi) < 0 ||
		    *p++ != ':' || parse_digits(&p, 2, &sec) < 0)
			return -EINVAL;
		if (*p == '.') {
			p++;
			for (; *p >= '0' && *p <= '9'; p++, n++) {
				if (n < 6)
					frac = frac * 10 + (unsigned)(*p - '0');
				else if (!(flags & RFC3339_ANY_FRACTION))
					return -EINVAL;
				else
					finer |= *p != '0';
			}
			if (n == 0)
				return -EINVAL;
			for (; n < 6; n++)
				frac *= 10;
		}
		if (*p++ != 'Z')
			return -EINVAL;
	} else if (!(flags & RFC3339_DATE_OK))
		return -EINVAL;
	if (*p != '\0')
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	*ret = (struct rfc3339_time){
		.sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec,
		.usec = frac,
		.finer = finer,
	};
	return 0;
}

int rfc3339_parse_usec(const char *s, unsigned flags, int64_t *ret_usec)
{
	struct rfc3339_time t;
	int r = rfc3339_parse(s, flags, &t);

	if (r < 0)
		return r;
	*ret_usec = t.sec * 1000000 + t.usec;
	return 0;
}
