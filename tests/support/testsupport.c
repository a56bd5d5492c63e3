/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tests/support/testsupport.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "policy/device/usb_desc.h"

#ifndef TS_DATA_DIR
#error "TS_DATA_DIR must point at tests/data"
#endif

#define TS_TEXT_MAX (256u * 1024u) /* .hex / .meta files larger than this are rejected */

static int read_text(const char *path, char **ret_text, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(TS_TEXT_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, TS_TEXT_MAX + 1, f);
	fclose(f);
	if (n > TS_TEXT_MAX) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*ret_text = buf;
	*ret_len = n;
	return 0;
}

/* NAME.meta: key=value lines, '#' comments, blank lines; the value is kept as written. */
static int meta_parse(struct ts_fixture *f, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strchr(line, '=');
		if (!eq || eq == line)
			return -EBADMSG;
		*eq = '\0';
		if (ts_fixture_set(f, line, eq + 1) < 0)
			return -EBADMSG;
	}
	return 0;
}

int ts_fixture_set(struct ts_fixture *f, const char *key, const char *value)
{
	unsigned i;

	if (strlen(key) >= sizeof(f->kv[0].key) || strlen(value) >= sizeof(f->kv[0].value))
		return -ENAMETOOLONG;
	for (i = 0; i < f->n_kv; i++)
		if (!strcmp(f->kv[i].key, key))
			break;
	if (i == f->n_kv) {
		if (f->n_kv >= TS_META_MAX_KEYS)
			return -E2BIG;
		f->n_kv++;
	}
	snprintf(f->kv[i].key, sizeof(f->kv[i].key), "%s", key);
	snprintf(f->kv[i].value, sizeof(f->kv[i].value), "%s", value);
	return 0;
}

const char *ts_fixture_get(const struct ts_fixture *f, const char *key)
{
	for (unsigned i = 0; i < f->n_kv; i++)
		if (!strcmp(f->kv[i].key, key))
			return f->kv[i].value;
	return NULL;
}

static int fixture_load_from(const char *dir, const char *name, struct ts_fixture *f)
{
	char path[1024];
	char *text = NULL;
	size_t len = 0, off = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
	r = read_text(path, &text, &len);
	if (r < 0)
		return r;
	f->desc = malloc(USB_DESC_MAX_BYTES);
	if (!f->desc) {
		free(text);
		return -ENOMEM;
	}
	r = usb_desc_hex_decode(text, len, f->desc, USB_DESC_MAX_BYTES, &off);
	free(text);
	if (r < 0) {
		fprintf(stderr, "testsupport: %s: bad hex at offset %zu\n", path, off);
		return -EBADMSG;
	}
	f->desc_len = (size_t)r;

	snprintf(path, sizeof(path), "%s/%s.meta", dir, name);
	r = read_text(path, &text, &len);
	if (r < 0)
		return r == -ENOENT ? -EBADMSG : r; /* every device has both files */
	r = meta_parse(f, text);
	free(text);
	if (r < 0)
		fprintf(stderr, "testsupport: %s: malformed meta\n", path);
	return r;
}

int ts_fixture_load(const char *name, struct ts_fixture **ret_fixture)
{
	struct ts_fixture *f;
	int r;

	if (!name || !*name || strchr(name, '/') ||
	    strlen(name) >= sizeof(((struct ts_fixture *)0)->name))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	snprintf(f->name, sizeof(f->name), "%s", name);
	r = fixture_load_from(TS_DATA_DIR "/descriptors", name, f);
	if (r < 0) {
		ts_fixture_free(f);
		return r;
	}
	*ret_fixture = f;
	return 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ts_fixture_list(char ***ret_names)
{
	GDir *dir = g_dir_open(TS_DATA_DIR "/descriptors", 0, NULL);
	GPtrArray *names;
	const char *e;
	int n;

	if (!dir)
		return -ENOENT;
	names = g_ptr_array_new();
	while ((e = g_dir_read_name(dir)))
		if (g_str_has_suffix(e, ".hex"))
			g_ptr_array_add(names, g_strndup(e, strlen(e) - 4));
	g_dir_close(dir);
	g_ptr_array_sort(names, cmp_str);
	n = (int)names->len;
	g_ptr_array_add(names, NULL);
	*ret_names = (char **)g_ptr_array_free(names, FALSE);
	return n;
}

struct ts_fixture *ts_fixture_free(struct ts_fixture *f)
{
	if (f) {
		free(f->desc);
		free(f);
	}
	return NULL;
}

const char *ts_fixture_iface_string(const struct ts_fixture *f, uint8_t config, uint8_t number)
{
	char key[32];

	snprintf(key, sizeof(key), "string.%u.%u", config, number);
	return ts_fixture_get(f, key);
}

bool ts_fixture_mtp_db(const struct ts_fixture *f)
{
	const char *v = ts_fixture_get(f, "mtp_db");
	return v && !strcmp(v, "1");
}

struct ts_opts ts_opts_default(void)
{
	return (struct ts_opts){
		.authorized = true,
		.configured = true,
		.iface_authorized = -1,
	};
}

/* ---- building sysfs ---- */

/* A growing NULL-terminated list of "key", "value" strings for add_devicev. */
struct kv {
	GPtrArray *a;
};

static void kv_init(struct kv *kv)
{
	kv->a = g_ptr_array_new_with_free_func(g_free);
}

static void kv_add(struct kv *kv, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void kv_add(struct kv *kv, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(kv->a, g_strdup(key));
	g_ptr_array_add(kv->a, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static gchar **kv_strv(struct kv *kv)
{
	g_ptr_array_add(kv->a, NULL);
	return (gchar **)kv->a->pdata;
}

static void kv_done(struct kv *kv)
{
	g_ptr_array_free(kv->a, TRUE);
}

/* The device numbers in use on a bus (and the last one given), kept on the testbed object. */
struct devnum_map {
	unsigned last;
	bool used[128];
};

static struct devnum_map *devnum_map(UMockdevTestbed *tb, unsigned bus)
{
	char key[32];
	struct devnum_map *m;

	snprintf(key, sizeof(key), "ts-devnum-%u", bus);
	m = g_object_get_data(G_OBJECT(tb), key);
	if (!m) {
		m = g_new0(struct devnum_map, 1);
		m->last = 1;
		m->used[1] = true; /* the root hub */
		g_object_set_data_full(G_OBJECT(tb), key, m, g_free);
	}
	return m;
}

/* The next free device number of a bus, as the kernel gives them (drivers/usb/core/hub.c): 1..127
 * round robin, skipping those in use, so that a device re-attached thousands of times gets small
 * numbers again. 0 when all are taken. */
static unsigned next_devnum(UMockdevTestbed *tb, unsigned bus)
{
	struct devnum_map *m = devnum_map(tb, bus);

	for (unsigned k = 1, n = m->last; k <= 127; k++) {
		n = n % 127 + 1;
		if (!m->used[n]) {
			m->used[n] = true;
			m->last = n;
			return n;
		}
	}
	return 0;
}

/* A removed device's number is free again. */
static void release_devnum(UMockdevTestbed *tb, const char *syspath)
{
	char bus[16], dev[16];

	if (ts_read_attr(tb, syspath, "busnum", bus, sizeof(bus)) <= 0 ||
	    ts_read_attr(tb, syspath, "devnum", dev, sizeof(dev)) <= 0)
		return;
	unsigned b = (unsigned)strtoul(bus, NULL, 10), d = (unsigned)strtoul(dev, NULL, 10);
	if (b >= 1 && b <= 255 && d >= 2 && d <= 127)
		devnum_map(tb, b)->used[d] = false;
}

static char *host_path(UMockdevTestbed *tb, const char *syspath)
{
	gchar *root = umockdev_testbed_get_root_dir(tb);
	char *p = g_strconcat(root, syspath, NULL);
	g_free(root);
	return p;
}

/*
 * Writes a binary attribute before the device exists in umockdev's eyes, so the "add" uevent
 * sent by add_devicev() finds it (add_devicev accepts a directory that has no "uevent" yet).
 */
static int prewrite_binary(UMockdevTestbed *tb, const char *syspath, const char *attr,
                           const uint8_t *buf, size_t len)
{
	char *dir = host_path(tb, syspath);
	char *file = g_build_filename(dir, attr, NULL);
	GError *err = NULL;
	int r = 0;

	if (g_mkdir_with_parents(dir, 0755) < 0)
		r = -errno;
	else if (!g_file_set_contents(file, (const gchar *)buf, (gssize)len, &err)) {
		r = -EIO;
		g_error_free(err);
	}
	g_free(file);
	g_free(dir);
	return r;
}

static bool exists_in_testbed(UMockdevTestbed *tb, const char *syspath, const char *attr)
{
	char *dir = host_path(tb, syspath);
	char *file = g_build_filename(dir, attr, NULL);
	bool e = access(file, F_OK) == 0;
	g_free(file);
	g_free(dir);
	return e;
}

static unsigned bus_of_busid(const char *busid)
{
	return (unsigned)strtoul(busid, NULL, 10);
}

/* "1-2.3" -> "2.3" (the kernel's devpath attribute) */
static const char *port_of_busid(const char *busid)
{
	const char *dash = strchr(busid, '-');
	return dash ? dash + 1 : "0";
}

struct devspec {
	const uint8_t *desc;
	size_t desc_len;
	const struct usb_descriptors *parsed; /* NULL when the blob does not parse */
	uint16_t vid, pid, bcd;
	uint8_t cls, subcls, proto, nconf;
	const char *manufacturer, *product, *serial;
	const char *speed;     /* sysfs text, e.g. "1.5"; NULL = "480" */
	uint8_t active_config; /* 0 = the first configuration */
	bool mtp_db;
	const struct ts_fixture *fixture; /* for interface strings, may be NULL */
	const char *driver;               /* driver name of the interfaces when bound */
};

static int add_interfaces(UMockdevTestbed *tb, const char *dev_syspath, const char *busid,
                          const struct devspec *s, const struct ts_opts *o, uint8_t cfg)
{
	const struct usb_descriptors *d = s->parsed;
	int iface_auth = o->iface_authorized >= 0 ? o->iface_authorized : o->authorized;

	for (unsigned i = 0; i < d->n_alts; i++) {
		const struct usb_iface_alt *a = &d->alts[i];
		char name[64];
		struct kv attrs, props;
		gchar *sp;
		bool first = true;

		if (a->config_value != cfg)
			continue;
		/* the alt setting the kernel activates: 0, or the first one of the interface */
		for (unsigned j = 0; j < i; j++)
			if (d->alts[j].config_value == cfg && d->alts[j].number == a->number)
				first = false;
		if (!first)
			continue;

		snprintf(name, sizeof(name), "%s:%u.%u", busid, cfg, a->number);
		kv_init(&attrs);
		kv_init(&props);
		kv_add(&attrs, "bInterfaceClass", "%02x\n", a->cls);
		kv_add(&attrs, "bInterfaceSubClass", "%02x\n", a->subclass);
		kv_add(&attrs, "bInterfaceProtocol", "%02x\n", a->protocol);
		kv_add(&attrs, "bInterfaceNumber", "%02x\n", a->number);
		kv_add(&attrs, "bAlternateSetting", "%2u\n", a->alt);
		kv_add(&attrs, "bNumEndpoints", "%02x\n", a->num_endpoints);
		kv_add(&attrs, "authorized", "%d\n", iface_auth ? 1 : 0);
		kv_add(&attrs, "supports_autosuspend", "1\n");
		const char *str =
		    s->fixture ? ts_fixture_iface_string(s->fixture, cfg, a->number) : NULL;
		if (str) /* the kernel reads iInterface when it configures the device */
			kv_add(&attrs, "interface", "%s\n", str);
		kv_add(&attrs, "modalias",
		       "usb:v%04Xp%04Xd%04Xdc%02Xdsc%02Xdp%02Xic%02Xisc%02Xip%02Xin%02X\n", s->vid,
		       s->pid, s->bcd, s->cls, s->subcls, s->proto, a->cls, a->subclass,
		       a->protocol, a->number);
		kv_add(&props, "DEVTYPE", "usb_interface");
		kv_add(&props, "INTERFACE", "%u/%u/%u", a->cls, a->subclass, a->protocol);
		kv_add(&props, "PRODUCT", "%x/%x/%x", s->vid, s->pid, s->bcd);
		kv_add(&props, "TYPE", "%u/%u/%u", s->cls, s->subcls, s->proto);
		sp = umockdev_testbed_add_devicev(tb, "usb", name, dev_syspath, kv_strv(&attrs),
		                                  kv_strv(&props));
		kv_done(&attrs);
		kv_done(&props);
		if (!sp)
			return -EIO;
		if (o->driver_bound && s->driver) {
			char target[128];
			snprintf(target, sizeof(target), "/sys/bus/usb/drivers/%s", s->driver);
			umockdev_testbed_set_attribute_link(tb, sp, "driver", target);
		}
		g_free(sp);
	}
	return 0;
}

static int add_usb_device(UMockdevTestbed *tb, const struct devspec *s, const char *parent_syspath,
                          const char *busid, const struct ts_opts *o, char **ret_syspath)
{
	char *parent_owned = NULL, *syspath = NULL;
	struct kv attrs, props;
	unsigned bus = bus_of_busid(busid), devnum;
	uint8_t cfg = 0;
	bool configured = o->configured && o->authorized && s->parsed && s->parsed->n_configs > 0;
	int r;

	if (bus == 0 || bus > 255 || !strchr(busid, '-'))
		return -EINVAL;
	if (!parent_syspath) {
		r = ts_add_root_hub(tb, bus, &parent_owned);
		if (r < 0)
			return r;
		parent_syspath = parent_owned;
	}
	devnum = o->devnum ? o->devnum : next_devnum(tb, bus);
	if (devnum == 0)
		return -ENOSPC; /* 126 devices on one bus */
	if (configured) {
		cfg = s->parsed->configs[0].value;
		for (unsigned i = 0; s->active_config && i < s->parsed->n_configs; i++)
			if (s->parsed->configs[i].value == s->active_config)
				cfg = s->active_config;
	}

	syspath = g_build_filename(parent_syspath, busid, NULL);
	if (!s->desc || o->no_descriptors)
		r = 0;
	else
		r = prewrite_binary(tb, syspath, "descriptors", s->desc, s->desc_len);
	if (r < 0)
		goto out;

	kv_init(&attrs);
	kv_init(&props);
	kv_add(&attrs, "idVendor", "%04x\n", s->vid);
	kv_add(&attrs, "idProduct", "%04x\n", s->pid);
	kv_add(&attrs, "bcdDevice", "%04x\n", s->bcd);
	kv_add(&attrs, "bDeviceClass", "%02x\n", s->cls);
	kv_add(&attrs, "bDeviceSubClass", "%02x\n", s->subcls);
	kv_add(&attrs, "bDeviceProtocol", "%02x\n", s->proto);
	kv_add(&attrs, "bNumConfigurations", "%u\n", s->nconf);
	if (configured)
		kv_add(&attrs, "bConfigurationValue", "%u\n", cfg);
	else
		kv_add(&attrs, "bConfigurationValue", "\n");
	if (s->manufacturer)
		kv_add(&attrs, "manufacturer", "%s\n", s->manufacturer);
	if (s->product)
		kv_add(&attrs, "product", "%s\n", s->product);
	if (s->serial)
		kv_add(&attrs, "serial", "%s\n", s->serial);
	kv_add(&attrs, "speed", "%s\n", s->speed ? s->speed : "480");
	kv_add(&attrs, "busnum", "%u\n", bus);
	kv_add(&attrs, "devnum", "%u\n", devnum);
	kv_add(&attrs, "devpath", "%s\n", port_of_busid(busid));
	kv_add(&attrs, "authorized", "%d\n", o->authorized ? 1 : 0);
	kv_add(&attrs, "maxchild", "%d\n", s->cls == 0x09 ? 4 : 0);
	kv_add(&attrs, "removable", "removable\n");
	kv_add(&attrs, "version", " 2.00\n");
	kv_add(&attrs, "dev", "189:%u\n", (bus - 1) * 128 + devnum - 1);
	kv_add(&props, "DEVTYPE", "usb_device");
	kv_add(&props, "BUSNUM", "%03u", bus);
	kv_add(&props, "DEVNUM", "%03u", devnum);
	kv_add(&props, "DEVNAME", "/dev/bus/usb/%03u/%03u", bus, devnum);
	kv_add(&props, "MAJOR", "189");
	kv_add(&props, "MINOR", "%u", (bus - 1) * 128 + devnum - 1);
	kv_add(&props, "PRODUCT", "%x/%x/%x", s->vid, s->pid, s->bcd);
	kv_add(&props, "TYPE", "%u/%u/%u", s->cls, s->subcls, s->proto);
	kv_add(&props, "ID_VENDOR_ID", "%04x", s->vid);
	kv_add(&props, "ID_MODEL_ID", "%04x", s->pid);
	if (s->mtp_db) {
		kv_add(&props, "ID_MTP_DEVICE", "1");
		kv_add(&props, "ID_MEDIA_PLAYER", "1");
	}

	{
		gchar *sp = umockdev_testbed_add_devicev(tb, "usb", busid, parent_syspath,
		                                         kv_strv(&attrs), kv_strv(&props));
		kv_done(&attrs);
		kv_done(&props);
		if (!sp) {
			r = -EIO;
			goto out;
		}
		g_free(sp);
	}
	/* /dev/bus/usb/BBB/DDD holds the descriptors, like usbfs (libusb reads them there) */
	if (s->desc && !o->no_descriptors) {
		char dir[32], name[16];
		snprintf(dir, sizeof(dir), "/dev/bus/usb/%03u", bus);
		snprintf(name, sizeof(name), "%03u", devnum);
		r = prewrite_binary(tb, dir, name, s->desc, s->desc_len);
		if (r < 0)
			goto out;
	}

	if (configured) {
		r = add_interfaces(tb, syspath, busid, s, o, cfg);
		if (r < 0)
			goto out;
	}
	if (ret_syspath) {
		*ret_syspath = syspath;
		syspath = NULL;
	}
	r = 0;
out:
	g_free(syspath);
	g_free(parent_owned);
	return r;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int ts_add_fixture(UMockdevTestbed *tb, const struct ts_fixture *f, const char *parent_syspath,
                   const char *busid, const struct ts_opts *opts, char **ret_syspath)
{
	struct usb_descriptors *parsed;
	struct devspec s = { 0 };
	struct ts_opts o = opts ? *opts : ts_opts_default();
	int r;

	if (!tb || !f || !busid)
		return -EINVAL;
	parsed = calloc(1, sizeof(*parsed));
	if (!parsed)
		return -ENOMEM;
	if (usb_desc_parse(f->desc, f->desc_len, parsed, NULL) == 0)
		s.parsed = parsed;
	s.desc = f->desc;
	s.desc_len = f->desc_len;
	if (f->desc_len >= 18) {
		/* identity straight from the device descriptor, like the kernel */
		s.cls = f->desc[4];
		s.subcls = f->desc[5];
		s.proto = f->desc[6];
		s.vid = le16(f->desc + 8);
		s.pid = le16(f->desc + 10);
		s.bcd = le16(f->desc + 12);
		s.nconf = f->desc[17];
	} else {
		/* a blob too short for a device descriptor (malformed on purpose): the kernel
		 * still has the real one, so sysfs shows meta's vid/pid */
		const char *v = ts_fixture_get(f, "vid"), *p = ts_fixture_get(f, "pid");
		s.vid = v ? (uint16_t)strtoul(v, NULL, 16) : 0;
		s.pid = p ? (uint16_t)strtoul(p, NULL, 16) : 0;
	}
	s.manufacturer = nonempty(ts_fixture_get(f, "manufacturer"));
	s.product = nonempty(ts_fixture_get(f, "product"));
	s.serial = nonempty(ts_fixture_get(f, "serial"));
	s.speed = nonempty(ts_fixture_get(f, "speed"));
	s.mtp_db = ts_fixture_mtp_db(f);
	if (ts_fixture_get(f, "active_config"))
		s.active_config = (uint8_t)strtoul(ts_fixture_get(f, "active_config"), NULL, 10);
	s.fixture = f;
	s.driver = "usbfs"; /* any name: tests only look at whether the link exists */
	r = add_usb_device(tb, &s, parent_syspath, busid, &o, ret_syspath);
	free(parsed);
	return r;
}

int ts_add_device_opts(UMockdevTestbed *tb, const char *name, const char *parent_syspath,
                       const char *busid, const struct ts_opts *opts, char **ret_syspath)
{
	struct ts_fixture *f = NULL;
	int r = ts_fixture_load(name, &f);

	if (r < 0)
		return r;
	r = ts_add_fixture(tb, f, parent_syspath, busid, opts, ret_syspath);
	ts_fixture_free(f);
	return r;
}

int ts_add_device(UMockdevTestbed *tb, const char *name, const char *parent_syspath,
                  const char *busid, bool authorized, bool configured, char **ret_syspath)
{
	struct ts_opts o = ts_opts_default();

	o.authorized = authorized;
	o.configured = configured;
	return ts_add_device_opts(tb, name, parent_syspath, busid, &o, ret_syspath);
}

/* USB 2.0 hub: device descriptor + one configuration, one interface 09/00/00, one intr-IN. */
static const uint8_t hub_desc_template[] = {
	0x12, 0x01, 0x00, 0x02, 0x09, 0x00, 0x01, 0x40, 0xe3, 0x05,
	0x08, 0x06, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, /* device: 05e3:0608 (patched for root hubs)
	                                                 */
	0x09, 0x02, 0x19, 0x00, 0x01, 0x01, 0x00, 0xe0, 0x32, /* config 1 */
	0x09, 0x04, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00, /* interface 0: hub */
	0x07, 0x05, 0x81, 0x03, 0x01, 0x00, 0x0c,             /* endpoint 0x81 interrupt */
};

static int add_hub_device(UMockdevTestbed *tb, const char *parent, const char *busid, uint16_t vid,
                          uint16_t pid, const char *manufacturer, const char *product,
                          const char *serial, char **ret_syspath)
{
	uint8_t desc[sizeof(hub_desc_template)];
	struct usb_descriptors parsed;
	struct devspec s = { 0 };
	struct ts_opts o = ts_opts_default();
	int r;

	memcpy(desc, hub_desc_template, sizeof(desc));
	desc[8] = vid & 0xff;
	desc[9] = vid >> 8;
	desc[10] = pid & 0xff;
	desc[11] = pid >> 8;
	r = usb_desc_parse(desc, sizeof(desc), &parsed, NULL);
	if (r < 0)
		return r; /* cannot happen with the template; says so loudly if core changes */
	s.desc = desc;
	s.desc_len = sizeof(desc);
	s.parsed = &parsed;
	s.vid = vid;
	s.pid = pid;
	s.bcd = 0x0100;
	s.cls = 0x09;
	s.proto = 0x01;
	s.nconf = 1;
	s.manufacturer = manufacturer;
	s.product = product;
	s.serial = serial;
	s.speed = "480";
	s.driver = "hub";
	o.driver_bound = true;
	return add_usb_device(tb, &s, parent, busid, &o, ret_syspath);
}

int ts_add_root_hub(UMockdevTestbed *tb, unsigned busnum, char **ret_syspath)
{
	char busid[16], syspath[128], sysname[16];
	const char *pci = "/sys/devices/pci0000:00/0000:00:14.0";
	struct ts_opts o = ts_opts_default();
	uint8_t desc[sizeof(hub_desc_template)];
	struct usb_descriptors parsed;
	struct devspec s = { 0 };
	int r;

	if (!tb || busnum == 0 || busnum > 255)
		return -EINVAL;
	snprintf(sysname, sizeof(sysname), "usb%u", busnum);
	snprintf(syspath, sizeof(syspath), "%s/%s", pci, sysname);
	if (exists_in_testbed(tb, syspath, "uevent")) {
		if (ret_syspath)
			*ret_syspath = g_strdup(syspath);
		return 0;
	}
	if (!exists_in_testbed(tb, pci, "uevent")) {
		gchar *sp = umockdev_testbed_add_device(tb, "pci", "pci0000:00/0000:00:14.0", NULL,
		                                        "vendor", "0x8086\n", "device", "0xa36d\n",
		                                        "class", "0x0c0330\n", NULL, "PCI_CLASS",
		                                        "C0330", "DRIVER", "xhci_hcd", NULL);
		if (!sp)
			return -EIO;
		g_free(sp);
	}

	memcpy(desc, hub_desc_template, sizeof(desc));
	desc[8] = 0x6b; /* 1d6b:0002 Linux Foundation 2.0 root hub */
	desc[9] = 0x1d;
	desc[10] = 0x02;
	desc[11] = 0x00;
	r = usb_desc_parse(desc, sizeof(desc), &parsed, NULL);
	if (r < 0)
		return r;
	s.desc = desc;
	s.desc_len = sizeof(desc);
	s.parsed = &parsed;
	s.vid = 0x1d6b;
	s.pid = 0x0002;
	s.bcd = 0x0606;
	s.cls = 0x09;
	s.proto = 0x01;
	s.nconf = 1;
	s.manufacturer = "Linux 6.1.0-13-amd64 xhci-hcd";
	s.product = "xHCI Host Controller";
	s.serial = "0000:00:14.0";
	s.speed = "480";
	s.driver = "hub";
	o.driver_bound = true;
	o.devnum = 1;

	/* Root hub: sysname "usbN", interface "N-0:1.0". add_usb_device wants "B-P" busids, so
	 * build the device by hand around the same pieces. */
	{
		struct kv attrs, props;
		gchar *sp;

		r = prewrite_binary(tb, syspath, "descriptors", desc, sizeof(desc));
		if (r < 0)
			return r;
		kv_init(&attrs);
		kv_init(&props);
		kv_add(&attrs, "idVendor", "1d6b\n");
		kv_add(&attrs, "idProduct", "0002\n");
		kv_add(&attrs, "bcdDevice", "0606\n");
		kv_add(&attrs, "bDeviceClass", "09\n");
		kv_add(&attrs, "bDeviceSubClass", "00\n");
		kv_add(&attrs, "bDeviceProtocol", "01\n");
		kv_add(&attrs, "bNumConfigurations", "1\n");
		kv_add(&attrs, "bConfigurationValue", "1\n");
		kv_add(&attrs, "manufacturer", "%s\n", s.manufacturer);
		kv_add(&attrs, "product", "%s\n", s.product);
		kv_add(&attrs, "serial", "%s\n", s.serial);
		kv_add(&attrs, "speed", "480\n");
		kv_add(&attrs, "busnum", "%u\n", busnum);
		kv_add(&attrs, "devnum", "1\n");
		kv_add(&attrs, "devpath", "0\n");
		kv_add(&attrs, "authorized", "1\n");
		kv_add(&attrs, "authorized_default", "1\n");
		kv_add(&attrs, "interface_authorized_default", "1\n");
		kv_add(&attrs, "maxchild", "4\n");
		kv_add(&attrs, "version", " 2.00\n");
		kv_add(&props, "DEVTYPE", "usb_device");
		kv_add(&props, "BUSNUM", "%03u", busnum);
		kv_add(&props, "DEVNUM", "001");
		kv_add(&props, "DEVNAME", "/dev/bus/usb/%03u/001", busnum);
		kv_add(&props, "MAJOR", "189");
		kv_add(&props, "MINOR", "%u", (busnum - 1) * 128);
		kv_add(&props, "PRODUCT", "1d6b/2/606");
		kv_add(&props, "TYPE", "9/0/1");
		sp = umockdev_testbed_add_devicev(tb, "usb", sysname, pci, kv_strv(&attrs),
		                                  kv_strv(&props));
		kv_done(&attrs);
		kv_done(&props);
		if (!sp)
			return -EIO;
		g_free(sp);
	}
	snprintf(busid, sizeof(busid), "%u-0", busnum);
	r = add_interfaces(tb, syspath, busid, &s, &o, 1);
	if (r < 0)
		return r;
	if (ret_syspath)
		*ret_syspath = g_strdup(syspath);
	return 0;
}

int ts_add_hub(UMockdevTestbed *tb, const char *parent_syspath, const char *busid,
               char **ret_syspath)
{
	if (!tb || !busid)
		return -EINVAL;
	return add_hub_device(tb, parent_syspath, busid, 0x05e3, 0x0608, NULL, "USB2.0 Hub", NULL,
	                      ret_syspath);
}

static gint cmp_version(gconstpointer a, gconstpointer b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the child devices (directories with "uevent", not links) of syspath, sorted. */
static char **child_devices(UMockdevTestbed *tb, const char *syspath)
{
	char *dir = host_path(tb, syspath);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new();
	const char *e;

	while (d && (e = g_dir_read_name(d))) {
		char *hchild = g_build_filename(dir, e, NULL);
		char *ev = g_build_filename(hchild, "uevent", NULL);

		if (!g_file_test(hchild, G_FILE_TEST_IS_SYMLINK) &&
		    g_file_test(hchild, G_FILE_TEST_IS_DIR) && g_file_test(ev, G_FILE_TEST_EXISTS))
			g_ptr_array_add(names, g_strdup(e));
		g_free(ev);
		g_free(hchild);
	}
	if (d)
		g_dir_close(d);
	g_free(dir);
	g_ptr_array_sort(names, cmp_version);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

/* "remove" uevents for every device below syspath (children first), then for syspath. */
static void uevent_remove_tree(UMockdevTestbed *tb, const char *syspath)
{
	char **names = child_devices(tb, syspath);

	for (char **n = names; *n; n++) {
		char *child = g_build_filename(syspath, *n, NULL);
		uevent_remove_tree(tb, child);
		g_free(child);
	}
	g_strfreev(names);
	umockdev_testbed_uevent(tb, syspath, "remove");
}

void ts_remove_device(UMockdevTestbed *tb, const char *syspath)
{
	release_devnum(tb, syspath);
	uevent_remove_tree(tb, syspath);
	umockdev_testbed_remove_device(tb, syspath);
}

/* The root hub's attribute attr for a device's syspath (".../usbN/..."), or fallback. */
static int root_hub_attr(UMockdevTestbed *tb, const char *syspath, const char *attr, int fallback)
{
	const char *p = strstr(syspath, "/usb");
	char root[512], buf[16];
	size_t n;

	if (!p)
		return fallback;
	n = strcspn(p + 1, "/") + 1 + (size_t)(p - syspath);
	if (n >= sizeof(root))
		return fallback;
	memcpy(root, syspath, n);
	root[n] = '\0';
	if (ts_read_attr(tb, root, attr, buf, sizeof(buf)) <= 0)
		return fallback;
	return atoi(buf);
}

int ts_kernel_set_authorized(UMockdevTestbed *tb, const char *syspath, bool authorized,
                             const struct ts_fixture *f)
{
	struct usb_descriptors *parsed = NULL;
	struct devspec s = { 0 };
	struct ts_opts o = ts_opts_default();
	const char *busid;
	char *dir, *file, cfgbuf[16];
	gchar *blob = NULL;
	gsize len = 0;
	int r = 0;

	if (!tb || !syspath || !(busid = strrchr(syspath, '/')))
		return -EINVAL;
	busid++;
	if (!authorized) {
		/* the kernel: configuration removed, interfaces destroyed, drivers unbound */
		char **names = child_devices(tb, syspath);
		size_t bl = strlen(busid);

		for (char **n = names; *n; n++)
			if (!strncmp(*n, busid, bl) && (*n)[bl] == ':') {
				char *child = g_build_filename(syspath, *n, NULL);
				ts_remove_device(tb, child);
				g_free(child);
			}
		g_strfreev(names);
		ts_write_attr(tb, syspath, "bConfigurationValue", "");
		ts_write_attr(tb, syspath, "authorized", "0");
		return 0;
	}

	if (ts_read_attr(tb, syspath, "bConfigurationValue", cfgbuf, sizeof(cfgbuf)) > 0) {
		ts_write_attr(tb, syspath, "authorized", "1");
		return 0; /* already configured */
	}
	dir = host_path(tb, syspath);
	file = g_build_filename(dir, "descriptors", NULL);
	if (!g_file_get_contents(file, &blob, &len, NULL))
		r = -ENODEV;
	g_free(file);
	g_free(dir);
	if (r < 0)
		return r;
	parsed = calloc(1, sizeof(*parsed));
	if (!parsed) {
		g_free(blob);
		return -ENOMEM;
	}
	ts_write_attr(tb, syspath, "authorized", "1");
	if (usb_desc_parse((const uint8_t *)blob, len, parsed, NULL) == 0 &&
	    parsed->n_configs > 0) {
		uint8_t cfg = parsed->configs[0].value;
		const char *ac = f ? ts_fixture_get(f, "active_config") : NULL;

		for (unsigned i = 0; ac && *ac && i < parsed->n_configs; i++)
			if (parsed->configs[i].value == (uint8_t)atoi(ac))
				cfg = parsed->configs[i].value;
		s.parsed = parsed;
		s.vid = parsed->vid;
		s.pid = parsed->pid;
		s.bcd = parsed->bcd_device;
		s.cls = parsed->dev_class;
		s.subcls = parsed->dev_subclass;
		s.proto = parsed->dev_protocol;
		s.fixture = f;
		s.driver = "usbfs";
		o.iface_authorized =
		    root_hub_attr(tb, syspath, "interface_authorized_default", 1) ? 1 : 0;
		o.driver_bound = o.iface_authorized == 1; /* an authorized interface gets probed */
		snprintf(cfgbuf, sizeof(cfgbuf), "%u", cfg);
		ts_write_attr(tb, syspath, "bConfigurationValue", cfgbuf);
		r = add_interfaces(tb, syspath, busid, &s, &o, cfg);
	}
	free(parsed);
	g_free(blob);
	return r;
}

int ts_read_attr(UMockdevTestbed *tb, const char *syspath, const char *attr, char *buf, size_t size)
{
	char *dir = host_path(tb, syspath);
	char *file = g_build_filename(dir, attr, NULL);
	int fd, r;
	ssize_t n;

	g_free(dir);
	if (size == 0) {
		g_free(file);
		return -EINVAL;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	g_free(file);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (int)n;
}

void ts_write_attr(UMockdevTestbed *tb, const char *syspath, const char *attr, const char *value)
{
	char *v = g_strconcat(value, "\n", NULL);
	umockdev_testbed_set_attribute(tb, syspath, attr, v);
	g_free(v);
}

int ts_delete_attr(UMockdevTestbed *tb, const char *syspath, const char *attr)
{
	char *dir = host_path(tb, syspath);
	char *file = g_build_filename(dir, attr, NULL);
	int r = unlink(file) < 0 ? -errno : 0;

	g_free(file);
	g_free(dir);
	return r;
}
