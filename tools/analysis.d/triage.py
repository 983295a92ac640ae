#!/usr/bin/env python3
"""Helpers of tools/analysis (standard library only).

  triage.py check SLITHER_JSON TRIAGE_JSON FINDINGS_MD   gate slither's findings on the committed triage
  triage.py halmos HALMOS_JSON                           summarise halmos's results; fail unless every check passed
  triage.py lock FREEZE WHEELS_DIR TOP_LEVEL             print the hashed lock (requirements.txt) to stdout

A finding's key is its detector and its elements (contract, function signature, variable, or the statement's
source text), never a line number, so edits elsewhere in a file do not change it.
"""

import hashlib
import json
import os
import re
import sys
from collections import Counter

SEVERITIES = ["High", "Medium", "Low", "Informational", "Optimization"]


def _function_name(element):
    """Contract.signature of a function element."""
    fields = element.get("type_specific_fields", {})
    contract = fields.get("parent", {}).get("name", "?")
    return f"{contract}.{fields.get('signature') or element.get('name')}"


def _parent_function(element):
    """Contract.signature of the function a node or variable belongs to (or the contract for a state variable)."""
    parent = element.get("type_specific_fields", {}).get("parent", {})
    if parent.get("type") == "function":
        return _function_name(parent)
    return parent.get("name", "?")


def element_key(element):
    kind = element.get("type")
    name = " ".join(str(element.get("name", "")).split())
    if kind == "function":
        return f"function {_function_name(element)}"
    if kind == "node":
        return f"node {_parent_function(element)}: {name}"
    if kind == "variable":
        return f"variable {_parent_function(element)}.{name}"
    if kind == "contract":
        return f"contract {name}"
    return f"{kind} {_parent_function(element)}.{name}"


def finding_key(result):
    parts = []
    for element in result.get("elements", []):
        key = element_key(element)
        if key not in parts:
            parts.append(key)
    return f"{result['check']} | " + " | ".join(parts)


def check(slither_json, triage_json, findings_md):
    with open(slither_json) as f:
        report = json.load(f)
    if not report.get("success"):
        sys.exit(f"slither failed: {report.get('error')}")
    results = report.get("results", {}).get("detectors", [])
    with open(triage_json) as f:
        triage = {entry["key"]: entry for entry in json.load(f)["findings"]}
    with open(findings_md) as f:
        findings_text = f.read()

    counts = Counter(r["impact"] for r in results)
    print("slither findings: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in SEVERITIES) + f" (total {len(results)})")

    problems = []
    seen = set()
    for result in sorted(results, key=lambda r: (SEVERITIES.index(r["impact"]), finding_key(r))):
        key = finding_key(result)
        seen.add(key)
        entry = triage.get(key)
        first = result.get("first_markdown_element", "")
        if entry is None:
            problems.append(
                f"NEW {result['impact']} finding not in the triage ({first}):\n  {result['description'].strip()}\n"
                f"  to accept it, add to {triage_json} (and explain `{result['check']}` in {findings_md}):\n"
                + json.dumps({"key": key, "impact": result["impact"], "reason": "..."}, indent=None)
            )
            continue
        if entry.get("impact") != result["impact"]:
            problems.append(f"triaged as {entry.get('impact')} but slither now reports {result['impact']}: {key}")
        if len(entry.get("reason", "").strip()) < 20:
            problems.append(f"triage entry without a reason: {key}")
        if result["impact"] in ("High", "Medium") and not entry.get("false_positive"):
            problems.append(f"{result['impact']} finding must be fixed (or triaged as a false positive): {key}")
        if f"`{result['check']}`" not in findings_text:
            problems.append(f"{findings_md} does not explain the detector `{result['check']}`")
    stale = sorted(set(triage) - seen)
    for key in stale:
        print(f"note: triage entry no longer reported (remove it from {triage_json}): {key}")
    triaged_hm = sum(1 for r in results if r["impact"] in ("High", "Medium"))
    print(
        f"slither gate: {len(results) - len([p for p in problems if p.startswith('NEW')])} of {len(results)} findings"
        f" triaged; {triaged_hm} High/Medium, each a documented false positive; {len(stale)} stale entries"
    )
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"slither gate FAILED: {len(problems)} problem(s)")


def halmos(halmos_json):
    with open(halmos_json) as f:
        report = json.load(f)
    total = passed = 0
    failures = []
    for contract, tests in (report.get("test_results") or {}).items():
        for test in tests:
            total += 1
            if test.get("exitcode") == 0:
                passed += 1
            else:
                failures.append(f"{contract}::{test.get('name')} (exit {test.get('exitcode')})")
    print(f"halmos: {passed} passed, {len(failures)} failed")
    if total == 0:
        sys.exit("halmos ran no check")
    if failures or report.get("exitcode"):
        sys.exit("halmos FAILED: " + ", ".join(failures))


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(freeze, wheels, top_level):
    hashes = {}
    for wheel in sorted(os.listdir(wheels)):
        with open(os.path.join(wheels, wheel), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        hashes.setdefault(_normalise(wheel.split("-")[0]), []).append(digest)
    print("# Pinned, hashed lock of the analysis tools (tools/analysis installs it into target/analysis-venv).")
    print(f"# Top level: {top_level}; the rest are their dependencies as resolved on")
    print(f"# CPython {sys.version_info.major}.{sys.version_info.minor}, {os.uname().sysname} {os.uname().machine}"
          " (wheels only). Regenerate with: tools/analysis lock")
    print()
    with open(freeze) as f:
        pins = sorted((_normalise(n), v) for n, v in (line.strip().split("==") for line in f if "==" in line))
    for name, version in pins:
        lines = [f"{name}=={version}"] + [f"    --hash=sha256:{h}" for h in hashes[name]]
        print(" \\\n".join(lines))


def main(argv):
    if len(argv) == 5 and argv[1] == "check":
        check(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "halmos":
        halmos(argv[2])
    elif len(argv) == 5 and argv[1] == "lock":
        lock(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
