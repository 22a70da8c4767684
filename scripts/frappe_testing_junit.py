"""``bench --site SITE run-tests --app APP`` with a JUnit XML report, for Frappe's ``frappe.testing``
runner (Frappe 16), whose own ``--junit-xml-output`` writes an empty file: the XML runner it makes
is never used.

Run with the bench's Python from its ``sites`` directory:

    cd BENCH/sites && ../env/bin/python SCRIPT SITE APP REPORT.xml

The tests are found, put in categories and prepared (``before_tests`` hooks, test records) by
Frappe's own discovery and runner, as ``bench run-tests`` does; each category's suite then runs
under ``xmlrunner``, one report per category: ``REPORT-<category>.xml``. Exits 1 when a test
failed, as ``bench run-tests`` does.
"""

import sys
from pathlib import Path

import xmlrunner
from frappe.testing import TestConfig, TestRunner, discover_all_tests
from frappe.testing.environment import _cleanup_after_tests, _initialize_test_environment


def main(site: str, app: str, report: str) -> int:
	config = TestConfig()
	_initialize_test_environment(site, config)
	passed = True
	try:
		runner = TestRunner(cfg=config)
		discover_all_tests([app], runner)
		for app_name, category, suite in runner.iterRun():
			print(f"\nRunning {suite.countTestCases()} {category} tests for {app_name}", flush=True)
			path = Path(report)
			with open(path.with_name(f"{path.stem}-{category}{path.suffix}"), "wb") as output:
				result = xmlrunner.XMLTestRunner(output=output, verbosity=2, buffer=True).run(suite)
			passed = passed and result.wasSuccessful()
	finally:
		_cleanup_after_tests()
	return 0 if passed else 1


if __name__ == "__main__":
	sys.exit(main(*sys.argv[1:]))
