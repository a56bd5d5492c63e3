/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portcullisd: wires the pieces together and runs the agent's event loop. See portcullisd(8).
 *
 *   settings (agent/daemon/settings.c) -> recorder (agent/events/) -> uplink (agent/uplink/) ->
 * agent (agent.c)
 *
 * Incident events go to the recorder (hash-chained log, forwarded to the uplink spool); each is
 * also summarised in the diagnostics (journal), so an operator sees decisions with journalctl.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/authorize.h"
#include "agent/daemon/settings.h"
#include "policy/base/clock.h"
#include "policy/base/log.h"
#include "policy/base/macro.h"
#include "policy/base/strutil.h"
#include "agent/events/event_journal.h"
#include "agent/events/event_read.h"
#include "agent/events/incident_log.h"
#include "agent/events/recorder.h"
#include "paths.h"
#include "agent/uplink/spool_record.h"
#include "agent/uplink/uplink.h"

struct options {
	const char *config;
	bool foreground, verbose, once, no_owner_check, audit;
	const char *sysfs_root, *state_dir, *log_dir, *policy, *uplink_helper;
};

struct uplink;

struct daemon {
	struct recorder *recorder;
	struct uplink *uplink;
	struct agent *agent;
	struct event_sink recorder_sink;
	unsigned heartbeat_sec; /* 0 = none */
	sd_event_source *heartbeat_src;
	const char *log_dir;
	sd_event_source *log_watch, *evidence_timer;
	uint64_t seal_interval_usec, last_seal_mono;
	bool journal_fields; /* diagnostics go to the journal: events with structured fields */
};

/* The one record cap: every record the incident log takes fits the spool (upstream). */
_Static_assert(LOG_RECORD_MAX_LINE <= SPOOL_RECORD_MAX, "a logged record must fit the spool");

static void help(void)
{
	printf(
	    "Usage: portcullisd [OPTIONS]\n\n"
	    "USB device control agent: decides every USB device and interface by policy.\n\n"
	    "  --foreground       diagnostics to stderr (default: the journal)\n"
	    "  --config FILE      agent configuration (default " PORTCULLIS_AGENT_CONF ")\n"
	    "  --sysfs-root DIR   where authorization writes go (default /sys)\n"
	    "  --state-dir DIR    last-known-good policy, anti-rollback serial, spool\n"
	    "  --log-dir DIR      incident log\n"
	    "  --policy FILE      signed policy file (default from the configuration)\n"
	    "  --no-owner-check   do not require root-owned config and policy files (tests)\n"
	    "  --uplink-helper P  portcullis-uplink to run (tests; default " PORTCULLIS_LIBEXEC_DIR
	    ")\n"
	    "  --audit            evaluate and report, block nothing\n"
	    "  --once             enforce on present devices and exit\n"
	    "  --verbose          debug diagnostics\n"
	    "  --version          print the version\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum {
		OPT_CONFIG = 0x100,
		OPT_SYSFS,
		OPT_STATE,
		OPT_LOG,
		OPT_POLICY,
		OPT_NO_OWNER,
		OPT_AUDIT,
		OPT_ONCE,
		OPT_VERSION,
		OPT_UPLINK_HELPER,
	};
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "sysfs-root", required_argument, NULL, OPT_SYSFS },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "log-dir", required_argument, NULL, OPT_LOG },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "no-owner-check", no_argument, NULL, OPT_NO_OWNER },
		{ "audit", no_argument, NULL, OPT_AUDIT },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "uplink-helper", required_argument, NULL, OPT_UPLINK_HELPER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	o->config = PORTCULLIS_AGENT_CONF;
	while ((c = getopt_long(argc, argv, "fvh", longopts, NULL)) >= 0) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_SYSFS:
			o->sysfs_root = optarg;
			break;
		case OPT_STATE:
			o->state_dir = optarg;
			break;
		case OPT_LOG:
			o->log_dir = optarg;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_NO_OWNER:
			o->no_owner_check = true;
			break;
		case OPT_AUDIT:
			o->audit = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_UPLINK_HELPER:
			o->uplink_helper = optarg;
			break;
		case OPT_VERSION:
			printf("portcullisd " PORTCULLIS_VERSION "\n");
			return 0;
		case 'h':
			help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "portcullisd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

/*
 * One diagnostic line per incident event (device strings escaped): on stderr in the foreground,
 * else to the journal with structured fields (MESSAGE_ID per type, PORTCULLIS_*:
 * agent/events/event_journal.h). seq 0 = not recorded.
 */
static void log_event(const struct daemon *dm, const struct event *ev, uint64_t seq)
{
	const struct usb_device_info *d = ev->device;
	const char *busid = d ? d->busid : ev->device_id ? ev->device_id->busid : NULL;
	char id[10] = "", product[160] = "", msg[1024];
	enum log_level level = LOG_LEVEL_INFO;

	if (d) {
		usb_device_format_id(d, id);
		if (d->has_product)
			(void)str_escape(product, sizeof(product), d->product, strlen(d->product));
	}
	if (ev->type == EVENT_DEVICE_DECISION && d && ev->decision) {
		const struct decision *dec = ev->decision;
		bool audit = ev->audit_override ||
		             (ev->policy && policy_mode(ev->policy) == POLICY_MODE_AUDIT);
		/* the honest words: "would block (audit)", "allowed, logged", "charge only", ... */
		(void)snprintf(
		    msg, sizeof(msg), "%s %s \"%s\" on %s: %s%s%s%s%s",
		    event_type_to_string(ev->type), id, product, d->busid,
		    decision_view_words(
		        decision_view_of(audit, dec->verdict, dec->charge_only, dec->noteworthy),
		        dec->verdict == DEVICE_VERDICT_PARTIAL),
		    dec->rule_id ? " by rule " : "", dec->rule_id ? dec->rule_id : "",
		    ev->message ? "; " : "", ev->message ? ev->message : "");
	} else {
		if (ev->type == EVENT_TAMPER || ev->type == EVENT_ENFORCE_FAILED ||
		    ev->type == EVENT_POLICY_REJECTED)
			level = LOG_LEVEL_WARNING;
		(void)snprintf(msg, sizeof(msg), "%s%s%s%s%s%s", event_type_to_string(ev->type),
		               busid ? " " : "", busid ? busid : "", ev->message ? ": " : "",
		               ev->message ? ev->message : "", ev->error ? " (error)" : "");
	}
	if (dm->journal_fields) {
		struct event_journal j;
		if (event_journal_fields(ev, seq, msg, &j) == 0) {
			struct iovec iov[EVENT_JOURNAL_MAX_FIELDS];
			for (size_t i = 0; i < j.n; i++)
				iov[i] = (struct iovec){ j.field[i], strlen(j.field[i]) };
			int r = sd_journal_sendv(iov, (int)j.n);
			event_journal_done(&j);
			if (r >= 0)
				return;
		}
	}
	log_full_errno(level, 0, "%s", msg);
}

static void arm_evidence(struct daemon *dm);

static int sink_emit(void *userdata, const struct event *ev)
{
	struct daemon *dm = userdata;
	uint64_t before = dm->recorder ? recorder_last_seq(dm->recorder) : 0;
	int r = event_sink_emit(&dm->recorder_sink, ev);
	uint64_t after = dm->recorder ? recorder_last_seq(dm->recorder) : 0;

	log_event(dm, ev, after > before ? after : 0);
	arm_evidence(dm); /* a repeat held back: its summary is due at the end of its window */
	return r;
}

static void on_dropped(void *userdata, uint64_t count, uint64_t first_seq, uint64_t last_seq);
static uint64_t acked_seq(void *userdata);

static int forward_to_uplink(void *userdata, uint64_t seq, const char *line, size_t len)
{
	struct daemon *dm = userdata;

	return dm->uplink ? uplink_submit(dm->uplink, seq, line, len) : 0;
}

/* Starts upstream delivery (unless once) with the "uplink" group of the settings. */
static void start_uplink(struct daemon *dm, const char *config, const struct agent_settings *st,
                         sd_event *e, bool once, const char *helper_path)
{
	char helper[PATH_MAX];
	int r;

	if (st->uplink_error[0]) {
		log_error("%s: uplink settings: %s; upstream delivery disabled", config,
		          st->uplink_error);
		return;
	}
	dm->heartbeat_sec = st->uplink.heartbeat_sec;
	if (once)
		return;
	/* systemd's StateDirectory= (or tmpfiles) makes the parent; the spool is ours to create. */
	if (mkdir(st->spool_dir, 0700) < 0 && errno != EEXIST)
		log_warning_errno(negative_errno(), "Failed to create %s, proceeding anyway: %m",
		                  st->spool_dir);
	if (helper_path)
		(void)str_copy(helper, sizeof(helper), helper_path);
	else
		(void)snprintf(helper, sizeof(helper), "%s/portcullis-uplink",
		               PORTCULLIS_LIBEXEC_DIR);
	r = uplink_start(&st->uplink, st->spool_dir, helper, e, on_dropped, dm, &dm->uplink);
	if (r < 0) {
		log_error_errno(r, "Failed to start upstream delivery, events stay in the incident "
		                   "log: %m");
		return;
	}
	if (dm->recorder) {
		struct uplink_status us;
		uplink_get_status(dm->uplink, &us);
		/* should the state directory's seq file be lost, never reuse a spooled seq */
		recorder_raise_seq(dm->recorder, us.last_seq);
		recorder_set_acked_source(dm->recorder, acked_seq, dm);
		recorder_set_forward(dm->recorder, forward_to_uplink, dm);
	}
}

/* ---- evidence: log tamper watch, flood summaries, sealing ---------------------------------- */

static int watch_log_dir(struct daemon *dm, sd_event *e);

/* inotify on the log directory: a removed, replaced or truncated live file is noticed at once. */
static int on_log_dir(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	struct daemon *dm = userdata;

	if (!dm->recorder)
		return 0;
	int r = recorder_check(dm->recorder);
	if (r < 0)
		log_warning_errno(r, "Incident log check failed, retrying at the next record: %m");
	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) || r > 0) {
		/* the directory itself went (and was made again): watch the new one */
		sd_event *e = sd_event_source_get_event(s);
		dm->log_watch = sd_event_source_disable_unref(dm->log_watch);
		(void)watch_log_dir(dm, e);
	}
	return 0;
}

static int watch_log_dir(struct daemon *dm, sd_event *e)
{
	int r = sd_event_add_inotify(e, &dm->log_watch, dm->log_dir,
	                             IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |
	                                 IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR,
	                             on_log_dir, dm);
	if (r < 0)
		log_warning_errno(r, "Failed to watch %s, tampering shows at the next record: %m",
		                  dm->log_dir);
	return r;
}

static void seal_now(struct daemon *dm, const char *why)
{
	int r = recorder_seal(dm->recorder);
	if (r < 0)
		log_warning_errno(r, "Failed to seal the incident log (%s): %m", why);
	dm->last_seal_mono = clock_monotonic_usec();
}

/*
 * The evidence timer fires when something is due, not on a tick (an idle workstation should not
 * wake the agent): the next seal (seal_interval after the last), or the end of the window of the
 * first repeat flood control is holding back, whichever comes first.
 */
static void arm_evidence(struct daemon *dm)
{
	if (!dm->evidence_timer || !dm->recorder)
		return;
	uint64_t now = clock_monotonic_usec(), due = dm->last_seal_mono + dm->seal_interval_usec;
	int64_t repeats = recorder_repeats_due(dm->recorder);
	if (repeats != INT64_MAX) {
		/* the windows are in CLOCK_REALTIME; the timer is monotonic */
		int64_t in = repeats - clock_realtime_usec();
		uint64_t at = now + (in > 0 ? (uint64_t)in : 0);
		if (at < due)
			due = at;
	}
	(void)sd_event_source_set_time(dm->evidence_timer, due > now ? due : now);
	(void)sd_event_source_set_enabled(dm->evidence_timer, SD_EVENT_ONESHOT);
}

static int on_evidence_timer(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata)
{
	struct daemon *dm = userdata;

	if (dm->recorder) {
		recorder_flush_repeats(dm->recorder, clock_realtime_usec(), false);
		if (clock_monotonic_usec() - dm->last_seal_mono >= dm->seal_interval_usec)
			seal_now(dm, "interval");
	}
	arm_evidence(dm);
	return 0;
}

static void start_evidence(struct daemon *dm, sd_event *e)
{
	if (!dm->recorder)
		return;
	dm->last_seal_mono = clock_monotonic_usec();
	(void)watch_log_dir(dm, e);
	int r = sd_event_add_time(e, &dm->evidence_timer, CLOCK_MONOTONIC, UINT64_MAX, 1000000u,
	                          on_evidence_timer, dm);
	if (r < 0) {
		log_error_errno(r, "Failed to start the sealing timer: %m");
		return;
	}
	arm_evidence(dm);
}

/* On stop: what flood control held back, then a last seal. */
static void stop_evidence(struct daemon *dm)
{
	dm->log_watch = sd_event_source_disable_unref(dm->log_watch);
	dm->evidence_timer = sd_event_source_disable_unref(dm->evidence_timer);
	if (!dm->recorder)
		return;
	recorder_flush_repeats(dm->recorder, clock_realtime_usec(), true);
	seal_now(dm, "stop");
}

static uint64_t acked_seq(void *userdata)
{
	struct daemon *dm = userdata;
	struct uplink_status us;

	if (!dm->uplink)
		return 0;
	uplink_get_status(dm->uplink, &us);
	return us.acked_seq;
}

static uint64_t spool_depth(const struct daemon *dm)
{
	return dm->uplink ? uplink_spool_depth(dm->uplink) : 0;
}

static void stop_uplink(struct daemon *dm)
{
	dm->uplink = uplink_free(dm->uplink);
}

static void on_dropped(void *userdata, uint64_t count, uint64_t first_seq, uint64_t last_seq)
{
	struct daemon *dm = userdata;
	struct event ev = { .type = EVENT_EVENTS_DROPPED,
		            .dropped_count = count,
		            .lost_first = first_seq,
		            .lost_last = last_seq };

	ev.policy = dm->agent ? agent_get_policy(dm->agent) : NULL;
	(void)sink_emit(dm, &ev); /* a failing log is reported by the recorder itself */
}

/* The heartbeat: "still here", with the spool depth and the chain head. Not enforcement. */
static int on_heartbeat(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
	struct daemon *dm = userdata;
	struct event ev = {
		.type = EVENT_HEARTBEAT,
		.time_usec = clock_realtime_usec(),
		.policy = agent_get_policy(dm->agent),
		.spool_depth = spool_depth(dm),
		.chain_head = dm->recorder ? recorder_chain_head(dm->recorder) : NULL,
	};
	int r;

	r = sink_emit(dm, &ev);
	if (r < 0)
		log_warning_errno(r, "Event sink failed for heartbeat, proceeding anyway: %m");
	(void)sd_event_source_set_time_relative(s, (uint64_t)dm->heartbeat_sec * 1000000u);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int start_heartbeat(struct daemon *dm, sd_event *e)
{
	int r;

	if (!dm->heartbeat_sec)
		return 0;
	r = sd_event_add_time_relative(e, &dm->heartbeat_src, CLOCK_MONOTONIC,
	                               (uint64_t)dm->heartbeat_sec * 1000000u, 1000000u,
	                               on_heartbeat, dm);
	if (r < 0)
		return log_error_errno(r, "Failed to start the heartbeat timer: %m");
	(void)sd_event_source_set_enabled(dm->heartbeat_src, SD_EVENT_ONESHOT);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *dm = userdata;

	if (si->ssi_signo == SIGHUP) {
		log_info("SIGHUP: reloading the policy");
		(void)agent_reload(dm->agent);
		return 0;
	}
	log_info("Signal %u: stopping; authorization defaults stay at 0", si->ssi_signo);
	agent_stop(dm->agent);
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void read_machine_id(char *buf, size_t size)
{
	FILE *f = fopen("/etc/machine-id", "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	(void)fclose(f); /* read-only */
}

/* The incident log's group (PORTCULLIS_LOG_GROUP), looked up by name; missing = root's. */
static void log_group(struct incident_log_config *cfg)
{
	struct group *g;

	errno = 0;
	g = getgrnam(PORTCULLIS_LOG_GROUP);
	if (!g) {
		log_warning(
		    "Group '%s' not found (%s): the incident log stays readable by root only",
		    PORTCULLIS_LOG_GROUP, errno ? strerror(errno) : "no such group");
		return;
	}
	cfg->has_group = true;
	cfg->group = g->gr_gid;
}

/* authz_lock_early() with diagnostics; whatever happens, the agent locks every bus again. */
static void lock_early(const char *sysfs_root)
{
	unsigned locked = 0, failed = 0;
	int r;

	r = authz_lock_early(sysfs_root, &locked, &failed);
	if (r < 0)
		log_error_errno(r, "Failed to lock the USB buses under %s before start-up: %m",
		                sysfs_root);
	else if (failed)
		log_error("%u of %u USB buses under %s could not be locked before start-up", failed,
		          locked + failed, sysfs_root);
	else
		log_debug("%u USB buses under %s locked before start-up", locked, sysfs_root);
}

static int run(const struct options *o)
{
	struct agent_settings st;
	struct agent_config acfg = { 0 };
	struct daemon dm = { .journal_fields = !o->foreground };
	struct recorder_host host = { .agent_version = PORTCULLIS_VERSION };
	struct incident_log_config log_cfg = { 0 };
	char err[512], hostname[256] = "", machine_id[64], config_error[1024] = "";
	sd_event *e = NULL;
	int r;

	/* Fail closed first: before any file is read or parsed, so that a configuration that does
	 * not parse, or a crash on the way, leaves every bus locked (see portcullisd(8)). */
	lock_early(o->sysfs_root ? o->sysfs_root : PORTCULLIS_SYSFS_ROOT);

	agent_settings_defaults(&st);
	r = agent_settings_load(o->config, !o->no_owner_check, &st, err, sizeof(err));
	if (r < 0) {
		/* Enforce the built-in default rather than exit: devices authorized before the
		 * agent started (no boot parameter) are decided too, and the operator is told
		 * loudly. */
		(void)snprintf(config_error, sizeof(config_error),
		               "%s: %s (%s); the policy it names is not used", o->config, err,
		               strerror(-r));
		log_error("%s; running on the built-in default policy and compiled-in paths until "
		          "it is fixed and the service restarted",
		          config_error);
		agent_settings_defaults(&st); /* a partial parse is not trusted either */
	}
	if (o->sysfs_root)
		(void)str_copy(st.sysfs_root, sizeof(st.sysfs_root), o->sysfs_root);
	if (o->state_dir) {
		(void)str_copy(st.state_dir, sizeof(st.state_dir), o->state_dir);
		(void)snprintf(st.spool_dir, sizeof(st.spool_dir), "%s/spool", o->state_dir);
	}
	if (o->log_dir)
		(void)str_copy(st.log_dir, sizeof(st.log_dir), o->log_dir);
	if (o->policy)
		(void)str_copy(st.policy_file, sizeof(st.policy_file), o->policy);
	if (o->audit)
		st.force_audit = true;

	(void)gethostname(hostname,
	                  sizeof(hostname) - 1); /* "" on failure: hosts lists won't match */
	read_machine_id(machine_id, sizeof(machine_id));
	host.hostname = hostname;
	host.machine_id = machine_id[0] ? machine_id : NULL;

	/* systemd's StateDirectory= makes it for the service; for a run by hand, make it here. */
	if (mkdir(st.state_dir, 0700) < 0 && errno != EEXIST)
		log_warning_errno(negative_errno(), "Failed to create %s, proceeding anyway: %m",
		                  st.state_dir);

	log_group(&log_cfg);
	r = sd_event_default(&e);
	if (r < 0)
		return log_error_errno(r, "Failed to create the event loop: %m");

	struct recorder_config rcfg = {
		.state_dir = st.state_dir,
		.log = log_cfg,
		.repeat_window_sec = (unsigned)st.repeat_window_sec,
		.no_flood_control = st.repeat_window_sec == 0,
	};
	rcfg.log.max_file_bytes = st.log_max_file_bytes;
	rcfg.log.keep_files = (unsigned)st.log_keep_files;
	rcfg.log.max_keep_files = (unsigned)st.log_max_keep_files;
	dm.log_dir = st.log_dir;
	dm.seal_interval_usec = st.seal_interval_sec * 1000000u;
	r = recorder_open_ex(st.log_dir, &host, &rcfg, &dm.recorder);
	if (r < 0) {
		/* Enforcement matters more than the log: carry on, events in the journal only. */
		log_error_errno(r,
		                "Failed to open the incident log in %s, events go to the journal "
		                "only: %m",
		                st.log_dir);
	} else {
		dm.recorder_sink = recorder_sink(dm.recorder);
	}

	if (!config_error[0])
		start_uplink(&dm, o->config, &st, e, o->once, o->uplink_helper);
	else
		log_error("Upstream delivery disabled: %s", config_error);
	if (!o->once)
		start_evidence(&dm, e);

	acfg.sysfs_root = st.sysfs_root;
	acfg.run_dir = o->once ? NULL : PORTCULLIS_RUN_DIR;
	acfg.store.policy_path = st.policy_file;
	acfg.store.keys_dir = st.keys_dir;
	acfg.store.state_dir = st.state_dir;
	acfg.store.hostname = hostname;
	acfg.store.machine_id = host.machine_id;
	acfg.store.check_owner = !o->no_owner_check;
	acfg.force_audit = st.force_audit;
	acfg.config_error = config_error[0] ? config_error : NULL;
	acfg.watch_policy = !o->once && !config_error[0];
	acfg.notify = !o->once;
	/* offline exceptions: this host's key (installed by IT) and the operators' socket */
	acfg.exception_key_file = PORTCULLIS_SYSCONF_DIR "/exception.key";
	acfg.exception_socket = o->once ? NULL : PORTCULLIS_RUN_DIR "/exception.sock";
	acfg.sink = (struct event_sink){ .userdata = &dm, .emit = sink_emit };
	acfg.event = e;

	r = agent_new(&acfg, &dm.agent);
	if (r < 0) {
		log_error_errno(r, "Failed to set up the agent: %m");
		goto out;
	}
	if (!o->once) {
		sigset_t ss;

		(void)sigemptyset(&ss);
		(void)sigaddset(&ss, SIGHUP);
		(void)sigaddset(&ss, SIGTERM);
		(void)sigaddset(&ss, SIGINT);
		(void)sigprocmask(SIG_BLOCK, &ss, NULL); /* cannot fail with valid arguments */
		/* Blocked without a handler, SIGTERM would go unnoticed: a failure here is fatal.
		 */
		if ((r = sd_event_add_signal(e, NULL, SIGHUP, on_signal, &dm)) < 0 ||
		    (r = sd_event_add_signal(e, NULL, SIGTERM, on_signal, &dm)) < 0 ||
		    (r = sd_event_add_signal(e, NULL, SIGINT, on_signal, &dm)) < 0) {
			log_error_errno(r, "Failed to watch signals: %m");
			goto out;
		}
	}
	r = agent_start(dm.agent);
	if (r < 0) {
		log_error_errno(r, "Failed to start: %m");
		goto out;
	}
	if (o->once) {
		/* Pending uevents of devices added meanwhile are decided too, then exit. */
		r = agent_run_until_idle(dm.agent, 0);
		agent_stop(dm.agent);
		r = r < 0 ? r : config_error[0] ? -EBADMSG : 0;
		goto out;
	}
	r = start_heartbeat(&dm, e);
	if (r < 0)
		goto out;
	r = sd_event_loop(e);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
out:
	stop_evidence(&dm);
	dm.heartbeat_src = sd_event_source_disable_unref(dm.heartbeat_src);
	dm.agent = agent_free(dm.agent);
	stop_uplink(&dm);
	dm.recorder = recorder_free(dm.recorder);
	sd_event_unref(e);
	return r;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int r;

	r = parse_args(argc, argv, &o);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	log_setup("portcullisd", o.foreground ? LOG_TARGET_STDERR : LOG_TARGET_JOURNAL,
	          o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	r = run(&o);
	return r < 0 ? 1 : 0;
}
