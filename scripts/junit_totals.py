"""Print one closing line, 'tests: N passed, N failed, N skipped', summed over JUnit XML reports."""

import sys
import xml.etree.ElementTree as ET


def main(paths: list[str]) -> int:
	passed = failed = skipped = 0
	for path in paths:
		try:
			root = ET.parse(path).getroot()
		except (OSError, ET.ParseError) as e:
			print(f"unreadable report {path}: {e}")
			failed += 1
			continue
		for case in root.iter("testcase"):
			if case.find("failure") is not None or case.find("error") is not None:
				failed += 1
			elif case.find("skipped") is not None:
				skipped += 1
			else:
				passed += 1
	print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
	return 1 if failed or not passed else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
