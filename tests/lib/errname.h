/* errno names for the probes that run inside containers: "EPERM", or
 * "errno123" for a number glibc (2.32 and later) has no name for. */
#ifndef SHIM_TESTS_ERRNAME_H
#define SHIM_TESTS_ERRNAME_H

#include <stdio.h>
#include <string.h>

static inline const char *errname(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

#endif
