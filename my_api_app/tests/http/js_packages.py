"""The npm packages of my_api_app/tests/http/js (frappe-js-sdk, openapi-typescript, typescript), installed
once at the versions package-lock.json pins: `npm ci` runs when any asked-for package is missing
or at another version."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"


def locked_version(package: str) -> str:
	lock = json.loads((JS_DIR / "package-lock.json").read_text())
	return lock["packages"][f"node_modules/{package}"]["version"]


def ensure_installed(*packages: str) -> Path:
	"""my_api_app/tests/http/js/node_modules with ``packages`` at their locked versions (fails the test with
	npm's output when npm is missing or ``npm ci`` fails)."""

	def installed(package: str) -> bool:
		manifest = JS_DIR / "node_modules" / package / "package.json"
		return manifest.exists() and json.loads(manifest.read_text())["version"] == locked_version(package)

	if not all(map(installed, packages)):
		npm = shutil.which("npm")
		if not npm:
			pytest.fail(
				f"npm is not installed: it installs {', '.join(packages)} (npm ci in {JS_DIR})", pytrace=False
			)
		result = subprocess.run(
			[npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
			cwd=JS_DIR,
			capture_output=True,
			text=True,
			timeout=600,
		)
		if result.returncode != 0:
			pytest.fail(
				f"npm ci in {JS_DIR} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}", pytrace=False
			)
	return JS_DIR / "node_modules"
