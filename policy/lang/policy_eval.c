/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure evaluation of a classified device against a policy. No allocation, no I/O, no clock.
 *
 * Monotonicity: kind and class conditions depend on the action, so a hint that ADDS a kind (or a
 * class triple) can only make a decision stricter:
 *   allow/log rules: EVERY kind (class triple) of the interface must be in the rule's set;
 *   block rules:     ANY kind (class triple) in the set suffices.
 * Adding a kind can therefore only remove allow/log matches and add block matches; with first-match
 * semantics no interface can go from block to allow.
 */
#include <fnmatch.h>
#include <string.h>

#include "policy/lang/policy_internal.h"

/* NUL-terminated, bounded copies of the device strings (the struct need not be terminated). */
struct dev_view {
	const struct usb_device_info *dev;
	const struct policy_env *env;
	bool has_serial, has_manufacturer, has_product;
	char serial[USB_STRING_MAX];
	char manufacturer[USB_STRING_MAX];
	char product[USB_STRING_MAX];
	char busid[USB_BUSID_MAX];
	usb_kind_mask kinds; /* device union */
};

static void copy_bounded(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static usb_kind_mask iface_kinds(const struct usb_iface_info *f)
{
	/* An unclassified interface is "other" (as usb_kind_primary() says), never "nothing". */
	return f->kinds ? f->kinds : USB_KIND_BIT(USB_KIND_OTHER);
}

static void dev_view_init(struct dev_view *v, const struct usb_device_info *dev, uint16_t n_ifaces)
{
	v->dev = dev;
	v->has_serial = dev->has_serial;
	v->has_manufacturer = dev->has_manufacturer;
	v->has_product = dev->has_product;
	copy_bounded(v->serial, dev->serial, sizeof(v->serial));
	copy_bounded(v->manufacturer, dev->manufacturer, sizeof(v->manufacturer));
	copy_bounded(v->product, dev->product, sizeof(v->product));
	copy_bounded(v->busid, dev->busid, sizeof(v->busid));
	v->kinds = dev->kinds;
	for (uint16_t i = 0; i < n_ifaces; i++)
		v->kinds |= iface_kinds(&dev->ifaces[i]);
}

static bool pattern_matches(const struct class_pattern *p, uint8_t c, uint8_t s, uint8_t pr)
{
	const uint8_t v[3] = { c, s, pr };
	for (int k = 0; k < 3; k++)
		if (!(p->any_mask & (1u << k)) && p->value[k] != v[k])
			return false;
	return true;
}

static bool triple_in_set(const struct policy_rule *r, uint8_t c, uint8_t s, uint8_t p)
{
	for (uint32_t i = 0; i < r->x->n_classes; i++)
		if (pattern_matches(&r->x->classes[i], c, s, p))
			return true;
	return false;
}

/*
 * Class condition for one interface: its own triple, every alternate setting's triple and the
 * triple of the interface association covering it. want_all: every triple must be in the set
 * (allow/log); else any one suffices (block). Returns whether the condition holds.
 */
static bool iface_class_matches(const struct policy_rule *r, const struct usb_device_info *dev,
                                const struct usb_iface_info *f, bool want_all)
{
	bool in = triple_in_set(r, f->cls, f->subclass, f->protocol);
	if (want_all ? !in : in)
		return in;

	if (dev->desc_status != 0)
		return want_all; /* no descriptors: the interface's own triple is all we know */
	size_t n_alts =
	    dev->desc.n_alts < USB_MAX_IFACE_ALTS ? dev->desc.n_alts : USB_MAX_IFACE_ALTS;
	for (size_t a = f->first_alt, seen = 0; a < n_alts && seen < f->n_alts; a++) {
		const struct usb_iface_alt *alt = &dev->desc.alts[a];
		if (alt->config_value != f->config_value || alt->number != f->number)
			continue;
		seen++;
		in = triple_in_set(r, alt->cls, alt->subclass, alt->protocol);
		if (want_all ? !in : in)
			return in;
		if (alt->in_iad) {
			in = triple_in_set(r, alt->iad_cls, alt->iad_subclass, alt->iad_protocol);
			if (want_all ? !in : in)
				return in;
		}
	}
	return want_all;
}

static bool kinds_match(const struct policy_rule *r, usb_kind_mask kinds, bool want_all)
{
	return want_all ? (kinds & ~r->kinds) == 0 : (kinds & r->kinds) != 0;
}

static bool u16_in(const uint16_t *list, uint32_t n, uint16_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool str_in(const char *const *list, uint32_t n, bool present, const char *v)
{
	if (!present)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(list[i], v))
			return true;
	return false;
}

static bool glob_in(const char *const *list, uint32_t n, bool present, const char *v)
{
	if (!present)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (fnmatch(list[i], v, 0) == 0)
			return true;
	return false;
}

/* A candidate found through the index under one of its keys: that key is known to match. */
enum {
	MATCHED_NONE = 0,
	MATCHED_SERIAL = INDEX_KEY_SERIAL,
	MATCHED_VID = INDEX_KEY_VID,
	MATCHED_HASH = INDEX_KEY_HASH,
};

/*
 * The keys that describe the device itself: the same answer for every interface. matched: the
 * key the index already found equal (a rule with 100,000 serials is not scanned again).
 */
static bool device_keys_match(const struct policy_rule *r, const struct dev_view *v,
                              uint8_t matched)
{
	const struct usb_device_info *dev = v->dev;

	if (r->n_vids && matched != MATCHED_VID && !u16_in(r->vids, r->n_vids, dev->desc.vid))
		return false;
	if (r->n_pids && !u16_in(r->pids, r->n_pids, dev->desc.pid))
		return false;
	if (r->n_serials && matched != MATCHED_SERIAL &&
	    !str_in(r->serials, r->n_serials, v->has_serial, v->serial))
		return false;
	if (r->x->n_hashes && matched != MATCHED_HASH) {
		bool hit = false;
		for (uint32_t i = 0; i < r->x->n_hashes && !hit; i++)
			hit = !memcmp(r->x->hashes[i], dev->desc_sha256, 32);
		if (!hit)
			return false;
	}
	if (r->x->n_ports && !glob_in(r->x->ports, r->x->n_ports, true, v->busid))
		return false;
	if (r->x->n_manufacturers && !glob_in(r->x->manufacturers, r->x->n_manufacturers,
	                                      v->has_manufacturer, v->manufacturer))
		return false;
	if (r->x->n_products &&
	    !glob_in(r->x->products, r->x->n_products, v->has_product, v->product))
		return false;
	return true;
}

static bool rule_matches(const struct policy_rule *r, const struct dev_view *v, uint16_t iface,
                         uint16_t n_ifaces, uint8_t matched)
{
	const struct usb_device_info *dev = v->dev;
	bool want_all = r->action != POLICY_ACTION_BLOCK;

	if (r->limited && !policy_rule_in_env(r, v->env))
		return false;
	if (r->scope == RULE_SCOPE_DEVICE) {
		if (r->has_kinds && !kinds_match(r, v->kinds, want_all))
			return false;
		if (!device_keys_match(r, v, matched))
			return false;
		if (r->x->n_classes) {
			/* the union of every interface's triples */
			for (uint16_t i = 0; i < n_ifaces; i++) {
				bool m = iface_class_matches(r, dev, &dev->ifaces[i], want_all);
				if (want_all ? !m : m)
					return m;
			}
			return want_all;
		}
		return true;
	}

	const struct usb_iface_info *f = &dev->ifaces[iface];
	if (r->has_kinds && !kinds_match(r, iface_kinds(f), want_all))
		return false;
	if (!device_keys_match(r, v, matched))
		return false;
	if (r->x->n_classes && !iface_class_matches(r, dev, f, want_all))
		return false;
	return true;
}

/*
 * Candidate rules for a device: up to four ascending lists, merged on the fly: the generic rules
 * and the rules filed under the device's serial, descriptor hash and vendor id (list k holds
 * rules found under key type k, whose key therefore matched).
 */
struct cand_iter {
	const uint32_t *list[4];
	size_t n[4], pos[4];
};

static int64_t cand_next(struct cand_iter *it, uint8_t *ret_matched)
{
	int best = -1;
	for (int k = 0; k < 4; k++)
		if (it->pos[k] < it->n[k] &&
		    (best < 0 || it->list[k][it->pos[k]] < it->list[best][it->pos[best]]))
			best = k;
	if (best < 0)
		return -1;
	*ret_matched = (uint8_t)best;
	return it->list[best][it->pos[best]++];
}

static void cand_init(struct cand_iter *it, const struct policy *p, const struct dev_view *v)
{
	const struct usb_device_info *dev = v->dev;

	*it = (struct cand_iter){ 0 };
	it->list[MATCHED_NONE] = p->index.generic;
	it->n[MATCHED_NONE] = p->index.n_generic;
	if (v->has_serial)
		it->n[MATCHED_SERIAL] =
		    policy_index_lookup(&p->index, INDEX_KEY_SERIAL, v->serial, strlen(v->serial),
		                        &it->list[MATCHED_SERIAL]);
	it->n[MATCHED_HASH] = policy_index_lookup(&p->index, INDEX_KEY_HASH, dev->desc_sha256, 32,
	                                          &it->list[MATCHED_HASH]);
	uint16_t vid = dev->desc.vid;
	it->n[MATCHED_VID] = policy_index_lookup(&p->index, INDEX_KEY_VID, &vid, sizeof(vid),
	                                         &it->list[MATCHED_VID]);
}

static const char *const rule_default = "default";
static const char *const rule_malformed = "(malformed)";
static const char *const rule_no_ifaces = "(no-interfaces)";
static const char *const rule_too_many = "(too-many-interfaces)";

static void block_all(struct decision *ret, uint16_t n, const char *rule_id, const char *reason,
                      const char *detail)
{
	ret->n_ifaces = n;
	for (uint16_t i = 0; i < n; i++)
		ret->ifaces[i] = (struct iface_decision){ POLICY_ACTION_BLOCK, -1, rule_id };
	ret->verdict = DEVICE_VERDICT_BLOCK;
	ret->rule_id = rule_id;
	ret->reason = reason;
	ret->reason_detail = detail;
}

/*
 * A phone in USB-tethering mode (RNDIS, ECM, NCM, EEM): its vendor is one of the policy's phone
 * makers and every interface, in every configuration, is a network function. Such a device is
 * charge-only like a phone in MTP mode; the same interfaces from any other vendor are not.
 */
static bool tethering_phone(const struct policy *p, const struct usb_device_info *dev,
                            usb_kind_mask kinds)
{
	return p->n_charge_only_vendors > 0 && kinds == USB_KIND_BIT(USB_KIND_NETWORK) &&
	       u16_in(p->charge_only_vendors, p->n_charge_only_vendors, dev->desc.vid);
}

static void evaluate(const struct policy *p, const struct usb_device_info *dev,
                     const struct policy_env *env, struct decision *ret, bool use_index)
{
	memset(ret, 0, sizeof(*ret));
	ret->until = INT64_MAX;

	if (!p || !dev) {
		block_all(ret, 0, rule_malformed, "no policy or no device", NULL);
		return;
	}
	if (dev->desc_status < 0) {
		uint16_t n = dev->n_ifaces < USB_MAX_IFACES ? dev->n_ifaces : USB_MAX_IFACES;
		block_all(ret, n, rule_malformed, "descriptors malformed", dev->desc_error.reason);
		return;
	}
	if (dev->n_ifaces == 0) {
		block_all(ret, 0, rule_no_ifaces, "no interfaces", NULL);
		return;
	}
	if (dev->n_ifaces > USB_MAX_IFACES) {
		block_all(ret, USB_MAX_IFACES, rule_too_many, "too many interfaces", NULL);
		return;
	}

	uint16_t n = dev->n_ifaces;
	struct dev_view v;
	dev_view_init(&v, dev, n);
	v.env = env;

	struct cand_iter base;
	if (use_index)
		cand_init(&base, p, &v);

	size_t n_allowed = 0;
	int64_t device_rule = -1, shared = -2; /* -2: not set yet, -3: interfaces differ */
	for (uint16_t i = 0; i < n; i++) {
		int64_t hit = -1;
		if (use_index) {
			struct cand_iter it = base;
			uint8_t matched;
			for (int64_t k; (k = cand_next(&it, &matched)) >= 0;)
				if (rule_matches(&p->rules[k], &v, i, n, matched)) {
					hit = k;
					break;
				}
		} else {
			for (size_t k = 0; k < p->n_rules; k++)
				if (rule_matches(&p->rules[k], &v, i, n, MATCHED_NONE)) {
					hit = (int64_t)k;
					break;
				}
		}

		struct iface_decision *d = &ret->ifaces[i];
		if (hit >= 0) {
			const struct policy_rule *r = &p->rules[hit];
			*d = (struct iface_decision){ r->action, (int)hit, r->id };
			if (r->scope == RULE_SCOPE_DEVICE)
				device_rule = hit;
			if (r->x->not_after < ret->until)
				ret->until = r->x->not_after;
		} else
			*d = (struct iface_decision){ p->default_action, -1, rule_default };

		n_allowed += d->action != POLICY_ACTION_BLOCK;
		ret->noteworthy |= d->action == POLICY_ACTION_LOG;
		if (shared == -2)
			shared = hit;
		else if (shared != hit)
			shared = -3;
	}

	ret->n_ifaces = n;
	ret->verdict = n_allowed == n   ? DEVICE_VERDICT_ALLOW
	               : n_allowed == 0 ? DEVICE_VERDICT_BLOCK
	                                : DEVICE_VERDICT_PARTIAL;
	ret->charge_only =
	    n_allowed == 0 && ((v.kinds & p->charge_only) != 0 || tethering_phone(p, dev, v.kinds));
	ret->authorize_device = n_allowed > 0 || ret->charge_only;
	if (device_rule >= 0)
		ret->rule_id = p->rules[device_rule].id;
	else if (shared >= 0)
		ret->rule_id = p->rules[shared].id;
	else if (shared == -1)
		ret->rule_id = rule_default;
	else
		ret->rule_id = NULL;
}

void policy_evaluate(const struct policy *p, const struct usb_device_info *dev,
                     const struct policy_env *env, struct decision *ret)
{
	evaluate(p, dev, env, ret, true);
}

void policy_evaluate_linear(const struct policy *p, const struct usb_device_info *dev,
                            const struct policy_env *env, struct decision *ret)
{
	evaluate(p, dev, env, ret, false);
}

bool policy_rule_is_catch_all(const struct policy_rule *r)
{
	return !r->has_kinds && !r->x->n_classes && !r->n_vids && !r->n_pids && !r->n_serials &&
	       !r->x->n_manufacturers && !r->x->n_products && !r->x->n_ports && !r->x->n_hashes;
}

const struct transfer_limit *policy_transfer_limit(const struct policy *p, const struct decision *d)
{
	if (!p || !d)
		return NULL;
	for (uint16_t i = 0; i < d->n_ifaces && i < USB_MAX_IFACES; i++) {
		const struct iface_decision *f = &d->ifaces[i];
		if (f->action == POLICY_ACTION_BLOCK)
			continue;
		if (f->rule_index >= 0 && (size_t)f->rule_index < p->n_rules &&
		    p->rules[f->rule_index].x->limit)
			return p->rules[f->rule_index].x->limit;
		return p->limit;
	}
	return NULL;
}
