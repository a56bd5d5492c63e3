/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/daemon/tracked.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base/strutil.h"

/* Whether an interface decided so is authorized. read-only storage is authorized only when its
 * block devices will be made read-only before anything sees them (ro_ready): else fail closed. */
static bool action_authorizes(enum policy_action act, bool ro_ready)
{
	return act != POLICY_ACTION_BLOCK && (act != POLICY_ACTION_READ_ONLY || ro_ready);
}

int tracked_new(const struct usb_device_info *dev, const struct decision *dec, bool allow_all,
                bool read_only_ready, struct tracked **ret)
{
	struct tracked *t;

	t = calloc(1, sizeof(*t) + dev->n_ifaces * sizeof(t->ifaces[0]));
	if (!t)
		return -ENOMEM;
	t->syspath = strdup(dev->syspath);
	t->manufacturer = dev->has_manufacturer ? strdup(dev->manufacturer) : NULL;
	t->product = dev->has_product ? strdup(dev->product) : NULL;
	t->serial = dev->has_serial ? strdup(dev->serial) : NULL;
	if (!t->syspath || (dev->has_manufacturer && !t->manufacturer) ||
	    (dev->has_product && !t->product) || (dev->has_serial && !t->serial)) {
		tracked_free(t);
		return -ENOMEM;
	}
	t->has_ids = dev->desc_status == 0;
	t->bcd_device = t->has_ids ? dev->desc.bcd_device : 0;
	t->speed_mbps = dev->speed_mbps;
	memcpy(t->desc_sha256, dev->desc_sha256, sizeof(t->desc_sha256));
	t->kinds = dev->kinds;
	(void)str_copy(t->busid, sizeof(t->busid), dev->busid); /* same size */
	t->busnum = dev->busnum;
	t->vid = dev->desc_status == 0 ? dev->desc.vid : 0;
	t->pid = dev->desc_status == 0 ? dev->desc.pid : 0;
	t->authorize_device = allow_all || dec->authorize_device;
	t->n_ifaces = dev->n_ifaces;
	for (uint16_t k = 0; k < dev->n_ifaces; k++) {
		t->ifaces[k].config_value = dev->ifaces[k].config_value;
		t->ifaces[k].number = dev->ifaces[k].number;
		t->ifaces[k].allow =
		    allow_all || (k < dec->n_ifaces &&
		                  action_authorizes(dec->ifaces[k].action, read_only_ready));
	}
	*ret = t;
	return 0;
}

void tracked_cut_off(struct tracked *t)
{
	t->cut_off = true;
	t->authorize_device = false;
	for (uint16_t k = 0; k < t->n_ifaces; k++)
		t->ifaces[k].allow = false;
}

struct tracked *tracked_free(struct tracked *t)
{
	if (t) {
		free(t->syspath);
		free(t->manufacturer);
		free(t->product);
		free(t->serial);
		free(t);
	}
	return NULL;
}

bool tracked_equal(const struct tracked *x, const struct tracked *y)
{
	if (x->authorize_device != y->authorize_device || x->n_ifaces != y->n_ifaces)
		return false;
	for (uint16_t k = 0; k < x->n_ifaces; k++)
		if (x->ifaces[k].config_value != y->ifaces[k].config_value ||
		    x->ifaces[k].number != y->ifaces[k].number ||
		    x->ifaces[k].allow != y->ifaces[k].allow)
			return false;
	return true;
}

static bool iface_allowed(const struct tracked *t, unsigned long c, unsigned long n)
{
	if (!t->authorize_device)
		return false;
	for (uint16_t k = 0; k < t->n_ifaces; k++)
		if (t->ifaces[k].config_value == c && t->ifaces[k].number == n)
			return t->ifaces[k].allow;
	return false;
}

bool tracked_iface_allowed(const struct tracked *t, const char *ifname)
{
	const char *p = strrchr(ifname, ':');
	unsigned long c, n;
	char *end;

	if (!p || p[1] < '0' || p[1] > '9')
		return false;
	errno = 0;
	c = strtoul(p + 1, &end, 10);
	if (errno || *end != '.' || c > 255 || end[1] < '0' || end[1] > '9')
		return false;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || n > 255)
		return false;
	return iface_allowed(t, c, n);
}

bool tracked_has_blocked_iface(const struct tracked *t)
{
	if (!t->authorize_device)
		return false;
	for (uint16_t k = 0; k < t->n_ifaces; k++)
		if (!t->ifaces[k].allow)
			return true;
	return false;
}

void tracked_iface_name(const struct tracked *t, uint16_t k, char buf[static TRACKED_IFNAME_MAX])
{
	(void)snprintf(buf, TRACKED_IFNAME_MAX, "%s:%u.%u", t->busid, t->ifaces[k].config_value,
	               t->ifaces[k].number);
}

unsigned tracked_narrow(struct tracked *t, const struct usb_device_info *info, struct decision *dec)
{
	uint16_t n = info->n_ifaces < dec->n_ifaces ? info->n_ifaces : dec->n_ifaces;
	unsigned narrowed = 0;

	for (uint16_t k = 0; k < n; k++) {
		if (action_authorizes(dec->ifaces[k].action, true)) /* strings never widen */
			continue;
		for (uint16_t j = 0; j < t->n_ifaces; j++)
			if (t->ifaces[j].config_value == info->ifaces[k].config_value &&
			    t->ifaces[j].number == info->ifaces[k].number && t->ifaces[j].allow) {
				t->ifaces[j].allow = false;
				narrowed++;
			}
	}
	if (narrowed)
		for (uint16_t k = 0; k < n; k++)
			if (!iface_allowed(t, info->ifaces[k].config_value, info->ifaces[k].number))
				dec->ifaces[k].action = POLICY_ACTION_BLOCK;
	return narrowed;
}

ssize_t tracked_table_find(const struct tracked_table *tbl, const char *busid)
{
	for (size_t i = 0; i < tbl->n; i++)
		if (!strcmp(tbl->devs[i]->busid, busid))
			return (ssize_t)i;
	return -1;
}

struct tracked *tracked_table_get(const struct tracked_table *tbl, const char *busid)
{
	ssize_t i = tracked_table_find(tbl, busid);

	return i >= 0 ? tbl->devs[i] : NULL;
}

int tracked_table_put(struct tracked_table *tbl, struct tracked *t)
{
	ssize_t i = tracked_table_find(tbl, t->busid);

	if (i >= 0) {
		tracked_free(tbl->devs[i]);
		tbl->devs[i] = t;
		return 0;
	}
	if (tbl->n == tbl->cap) {
		size_t cap = tbl->cap ? tbl->cap * 2 : 64;
		struct tracked **n = reallocarray(tbl->devs, cap, sizeof(*n));

		if (!n) {
			tracked_free(t);
			return -ENOMEM;
		}
		tbl->devs = n;
		tbl->cap = cap;
	}
	tbl->devs[tbl->n++] = t;
	return 0;
}

void tracked_table_remove(struct tracked_table *tbl, size_t i)
{
	if (i >= tbl->n)
		return;
	tracked_free(tbl->devs[i]);
	memmove(&tbl->devs[i], &tbl->devs[i + 1], (tbl->n - i - 1) * sizeof(tbl->devs[0]));
	tbl->n--;
}

bool tracked_table_any_blocked_iface(const struct tracked_table *tbl)
{
	for (size_t i = 0; i < tbl->n; i++)
		if (tracked_has_blocked_iface(tbl->devs[i]))
			return true;
	return false;
}

void tracked_table_clear(struct tracked_table *tbl)
{
	for (size_t i = 0; i < tbl->n; i++)
		tracked_free(tbl->devs[i]);
	free(tbl->devs);
	*tbl = (struct tracked_table){ 0 };
}
