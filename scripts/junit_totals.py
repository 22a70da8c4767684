"""Print the totals of JUnit XML reports: per group, per report of a group, and over all of them.

    junit_totals.py [--label GROUP] REPORT... [--label GROUP REPORT...]...

Each ``--label`` starts a group (a tier, or one bench and its Frappe version) of the reports that
follow it. The closing line is 'tests: N passed, N failed, N skipped' over every report. Exits 1
when a test failed, a report is unreadable or nothing passed.
"""

import os
import sys
import xml.etree.ElementTree as ET
from collections import Counter


def count(path: str) -> Counter:
	totals = Counter()
	try:
		root = ET.parse(path).getroot()
	except (OSError, ET.ParseError) as e:
		print(f"unreadable report {path}: {e}")
		totals["failed"] += 1
		return totals
	for case in root.iter("testcase"):
		if case.find("failure") is not None or case.find("error") is not None:
			totals["failed"] += 1
		elif case.find("skipped") is not None:
			totals["skipped"] += 1
		else:
			totals["passed"] += 1
	return totals


def line(totals: Counter) -> str:
	return f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped"


def main(arguments: list[str]) -> int:
	groups: list[tuple[str, list[str]]] = []
	arguments = list(arguments)
	while arguments:
		argument = arguments.pop(0)
		if argument == "--label":
			groups.append((arguments.pop(0), []))
		elif groups:
			groups[-1][1].append(argument)
		else:
			groups.append(("", [argument]))
	overall = Counter()
	for label, paths in groups:
		group = Counter()
		parts = []
		for path in paths:
			totals = count(path)
			group.update(totals)
			parts.append(f"{os.path.basename(path)}: {line(totals)}")
		overall.update(group)
		if label:
			print(f"{label}: {line(group)}" + (f" ({'; '.join(parts)})" if len(parts) > 1 else ""))
	print(f"tests: {line(overall)}")
	return 1 if overall["failed"] or not overall["passed"] else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
