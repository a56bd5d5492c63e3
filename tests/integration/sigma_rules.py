#!/usr/bin/python3
"""Every Sigma rule in docs/siem/sigma/ is valid YAML with the keys Sigma requires, its condition
names only its own selections, every correlation names rules of its file, and every field it uses
(detection keys without |modifiers, fields:, group-by) is a key documented in docs/events.md: the
first part a record key (the "Keys, in order" table, type-specific keys included), the others
keys documented on that page. The five topics of issue 12 are covered.
Usage: sigma_rules.py SOURCE_DIR (Debian: python3-yaml)."""
import glob
import os
import re
import sys
import uuid

import yaml

src = sys.argv[1]
events = open(os.path.join(src, "docs/events.md"), encoding="utf-8").read()
section = events.split("## Keys, in order", 1)[1].split("\n#", 1)[0]
top = set()
for row in section.splitlines():
    cells = [c.strip() for c in row.split("|")[1:-1]]
    if len(cells) < 3 or cells[0] in ("key", "---"):
        continue
    src_cell = cells[2] if cells[0] == "type-specific" else cells[0]
    top.update(re.findall(r"`([a-z_]+)`", src_cell))
documented = set(re.findall(r"`([a-z_]+)`", events))
fails = []


def check_field(rule, field):
    parts = field.split("|", 1)[0].split(".")
    if parts[0] not in top:
        fails.append("%s: field %s: %r is not a record key in docs/events.md" % (rule, field, parts[0]))
    for p in parts[1:]:
        if p not in documented:
            fails.append("%s: field %s: %r is not documented in docs/events.md" % (rule, field, p))


def fields_of(detection):
    for name, sel in detection.items():
        if name in ("condition", "timeframe"):
            continue
        for m in sel if isinstance(sel, list) else [sel]:
            if isinstance(m, dict):
                yield from m.keys()


files = sorted(glob.glob(os.path.join(src, "docs/siem/sigma/*.yml")))
topics = {"mass_copy": False, "tamper": False, "agent_silent": False,
          "policy_rejected_expired": False, "repeated_refusals": False}
n_rules = 0
for f in files:
    base = os.path.basename(f)
    for t in topics:
        if t in base:
            topics[t] = True
    try:
        docs = [d for d in yaml.safe_load_all(open(f, encoding="utf-8")) if d is not None]
    except yaml.YAMLError as e:
        fails.append("%s: not valid YAML: %s" % (base, e))
        continue
    names = {d.get("name") for d in docs if isinstance(d, dict)}
    for d in docs:
        n_rules += 1
        rule = "%s: %s" % (base, d.get("title", "?"))
        for k in ("title", "id", "status", "description", "level", "author", "date"):
            if k not in d:
                fails.append("%s: no %s" % (rule, k))
        try:
            uuid.UUID(str(d.get("id")))
        except ValueError:
            fails.append("%s: id is not a UUID" % rule)
        if d.get("level") not in ("informational", "low", "medium", "high", "critical"):
            fails.append("%s: level %r" % (rule, d.get("level")))
        if d.get("status") not in ("stable", "test", "experimental", "deprecated", "unsupported"):
            fails.append("%s: status %r" % (rule, d.get("status")))
        if "correlation" in d:
            c = d["correlation"]
            if c.get("type") not in ("event_count", "value_count", "temporal", "temporal_ordered"):
                fails.append("%s: correlation type %r" % (rule, c.get("type")))
            for r in c.get("rules", []):
                if r not in names:
                    fails.append("%s: correlation names unknown rule %r" % (rule, r))
            for g in c.get("group-by", []):
                check_field(rule, g)
            if not re.fullmatch(r"\d+[smhdMy]", str(c.get("timespan", ""))):
                fails.append("%s: timespan %r" % (rule, c.get("timespan")))
            if not isinstance(c.get("condition"), dict) or not set(c["condition"]) <= {"gt", "gte", "lt", "lte", "eq"}:
                fails.append("%s: correlation condition %r" % (rule, c.get("condition")))
            continue
        ls, det = d.get("logsource", {}), d.get("detection", {})
        if ls.get("product") != "linux" or ls.get("service") != "portcullis":
            fails.append("%s: logsource %r" % (rule, ls))
        cond = det.get("condition")
        if not isinstance(cond, str):
            fails.append("%s: no condition" % rule)
            continue
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond):
            if word not in ("and", "or", "not", "of", "them", "all") and word not in det:
                fails.append("%s: condition names %r, not a selection" % (rule, word))
        for fld in fields_of(det):
            check_field(rule, fld)
        for fld in d.get("fields", []):
            check_field(rule, fld)

for t, seen in topics.items():
    if not seen:
        fails.append("no rule file for %s" % t)
for msg in fails:
    print("FAIL: " + msg)
if not fails:
    print("PASS: %d Sigma rules in %d files: valid YAML, fields documented in docs/events.md (%s)"
          % (n_rules, len(files), ", ".join(sorted(top))))
sys.exit(1 if fails else 0)
