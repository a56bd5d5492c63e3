/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule index: an open-addressing hash table from exact device keys (serial string, vendor id,
 * descriptor hash) to the ascending list of rules filed under that key. Keys come from the policy
 * and are borrowed from its rules; lookups hash device-supplied bytes of bounded length.
 *
 * Each rule is filed under ONE key type, its most selective: serial, else descriptor hash, else
 * vendor id. Rules with none of these are "generic" and are candidates for every device. A device's
 * candidates are then generic ∪ lookup(serial) ∪ lookup(hash) ∪ lookup(vid), merged in rule order;
 * since every indexed rule requires its key to match, no rule that could match is left out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/lang/policy_internal.h"

uint64_t policy_hash_bytes(uint8_t type, const void *key, size_t len)
{
	/* FNV-1a, 64 bit. The keys are chosen by the policy author, not by the device. */
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ type) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	/* final mix so that the low bits (the slot) depend on every byte */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint8_t slot_type(const struct policy_index_slot *s)
{
	return (uint8_t)(s->count_type & 3u);
}

static bool slot_key_equals(const struct policy_index_slot *s, uint8_t type, const void *key,
                            size_t len)
{
	if (slot_type(s) != type)
		return false;
	if (type == INDEX_KEY_SERIAL) /* a NUL-terminated string from the policy */
		return strncmp(s->key, key, len) == 0 && ((const char *)s->key)[len] == '\0';
	return memcmp(s->key, key, len) == 0; /* fixed size: vid 2, hash 32 bytes */
}

static struct policy_index_slot *find_slot(const struct policy_index *idx, uint8_t type,
                                           const void *key, size_t len)
{
	uint64_t h = policy_hash_bytes(type, key, len);
	/* h * cap / 2^64: a slot in [0, cap) for any cap */
	size_t i = (size_t)(((unsigned __int128)h * idx->cap) >> 64);

	for (;; i = i + 1 < idx->cap ? i + 1 : 0) {
		struct policy_index_slot *s = &idx->slots[i];
		if (!s->key || slot_key_equals(s, type, key, len))
			return s; /* the table is never full: cap >= 2 * keys */
	}
}

struct pending {
	uint32_t rule;
	uint32_t next; /* index + 1 into the pending array, 0 = end */
};

/* Calls fn for every (type, key) the rule is filed under; returns how many. */
static size_t rule_keys(const struct policy_rule *r,
                        void (*fn)(void *ud, uint8_t type, const void *key, size_t len), void *ud)
{
	size_t n = 0;

	if (r->n_serials) {
		for (uint32_t i = 0; i < r->n_serials; i++, n++)
			if (fn)
				fn(ud, INDEX_KEY_SERIAL, r->serials[i], strlen(r->serials[i]));
	} else if (r->x->n_hashes) {
		for (uint32_t i = 0; i < r->x->n_hashes; i++, n++)
			if (fn)
				fn(ud, INDEX_KEY_HASH, r->x->hashes[i], 32);
	} else if (r->n_vids) {
		for (uint32_t i = 0; i < r->n_vids; i++, n++)
			if (fn)
				fn(ud, INDEX_KEY_VID, &r->vids[i], sizeof(uint16_t));
	}
	return n;
}

struct build_ctx {
	struct policy_index *idx;
	struct pending *pend;
	uint32_t *tails; /* per slot: index + 1 of the last pending entry */
	size_t n_pend;
	uint32_t rule;
};

static void add_key(void *ud, uint8_t type, const void *key, size_t len)
{
	struct build_ctx *c = ud;
	struct policy_index_slot *s = find_slot(c->idx, type, key, len);
	size_t si = (size_t)(s - c->idx->slots);

	if (!s->key) {
		s->key = key;
		s->count_type = type;
	} else if (c->pend[c->tails[si] - 1].rule == c->rule)
		return; /* the same key twice in one rule */

	c->pend[c->n_pend] = (struct pending){ .rule = c->rule };
	if ((s->count_type >> 2) == 0)
		s->first = (uint32_t)c->n_pend; /* temporarily: head of the chain */
	else
		c->pend[c->tails[si] - 1].next = (uint32_t)c->n_pend + 1;
	c->tails[si] = (uint32_t)c->n_pend + 1;
	c->n_pend++;
	s->count_type += 4; /* count + 1 */
}

int policy_index_build(struct policy_index *idx, const struct policy_rule *rules, size_t n)
{
	struct build_ctx c = { .idx = idx };
	size_t n_keys = 0, n_generic = 0, cap = 16, o = 0;
	int r = -ENOMEM;

	*idx = (struct policy_index){ 0 };
	for (size_t i = 0; i < n; i++) {
		size_t k = rule_keys(&rules[i], NULL, NULL);
		n_keys += k;
		n_generic += k == 0;
	}

	idx->generic = calloc(n_generic ? n_generic : 1, sizeof(uint32_t));
	if (!idx->generic)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (rule_keys(&rules[i], NULL, NULL) == 0)
			idx->generic[idx->n_generic++] = (uint32_t)i;
	if (n_keys == 0)
		return 0;

	if (cap < 2 * n_keys)
		cap = 2 * n_keys;
	idx->cap = cap;
	idx->slots = calloc(cap, sizeof(*idx->slots));
	idx->postings = calloc(n_keys, sizeof(uint32_t));
	c.pend = calloc(n_keys, sizeof(*c.pend));
	c.tails = calloc(cap, sizeof(*c.tails));
	if (!idx->slots || !idx->postings || !c.pend || !c.tails)
		goto fail;

	for (size_t i = 0; i < n; i++) {
		c.rule = (uint32_t)i;
		(void)rule_keys(&rules[i], add_key, &c);
	}

	/* Flatten every chain into postings[]; rules were added in order, so each is ascending. */
	for (size_t si = 0; si < cap; si++) {
		struct policy_index_slot *s = &idx->slots[si];
		if (!s->key)
			continue;
		uint32_t e = s->first + 1;
		s->first = (uint32_t)o;
		for (; e; e = c.pend[e - 1].next)
			idx->postings[o++] = c.pend[e - 1].rule;
	}
	r = 0;
	goto out;
fail:
	policy_index_done(idx);
out:
	free(c.pend);
	free(c.tails);
	return r;
}

void policy_index_done(struct policy_index *idx)
{
	if (!idx)
		return;
	free(idx->slots);
	free(idx->postings);
	free(idx->generic);
	*idx = (struct policy_index){ 0 };
}

size_t policy_index_lookup(const struct policy_index *idx, uint8_t type, const void *key,
                           size_t len, const uint32_t **ret_postings)
{
	if (idx->cap == 0)
		return 0;
	const struct policy_index_slot *s = find_slot(idx, type, key, len);
	if (!s->key)
		return 0;
	*ret_postings = idx->postings + s->first;
	return s->count_type >> 2;
}
