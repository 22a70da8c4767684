"""The ``bench api`` commands, run as an operator runs them (a bench command in its own process),
and the ``console.call`` helper they share."""

import json

import frappe
from frappe.installer import update_site_config

from my_api_app.console import call
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.testing import make_api_user
from my_api_app.tests.endpoints import TEST_ENDPOINTS
from my_api_app.tests.factories import bench_command

OWNER = "console-owner@example.com"
ECHO = "my_api_app.tests.endpoints.echo"


def bench(*arguments: str) -> tuple[int, str, str]:
	"""``bench --site SITE <arguments>``: (exit status, stdout, stderr)."""
	done = bench_command(*arguments)
	return done.returncode, done.stdout, done.stderr


def sessions_of(user: str) -> int:
	return frappe.db.count("Sessions", {"user": user})


class TestApiCall(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_api_user(OWNER)
		# the bench command runs in a process of its own: the test endpoints it calls exist there
		# only through the site config, for this class's run
		cls.saved_switch = frappe.get_site_config().get(TEST_ENDPOINTS)
		update_site_config(TEST_ENDPOINTS, 1)

	@classmethod
	def tearDownClass(cls):
		update_site_config(TEST_ENDPOINTS, cls.saved_switch if cls.saved_switch is not None else "None")
		super().tearDownClass()

	def test_call_runs_the_pipeline_as_the_user_and_ends_its_session(self):
		before = sessions_of(OWNER)
		status, out, err = bench("api", "call", "my_api_app.api.auth.whoami", "--as", OWNER)
		self.assertEqual(status, 0, err)
		answer = json.loads(out)
		self.assertEqual(answer["status"], 200)
		self.assertRegex(answer["headers"]["X-Request-Id"], "^[0-9a-f]{32}$")  # the toolkit's hooks ran
		self.assertNotIn("Set-Cookie", answer["headers"])
		self.assertEqual(answer["body"]["message"]["data"]["user"], OWNER)
		frappe.db.rollback()  # see what the command committed
		self.assertEqual(sessions_of(OWNER), before)

	def test_a_refusal_is_printed_and_exits_1(self):
		status, out, _ = bench("api", "call", "my_api_app.api.auth.whoami", "--as", "Guest")
		self.assertEqual(status, 1)
		self.assertEqual(json.loads(out)["body"]["error"]["status"], 401)

	def test_data_is_the_body_of_a_post_and_the_query_of_a_get(self):
		for method in ("POST", "GET"):
			status, out, err = bench(
				"api",
				"call",
				ECHO,
				"--method",
				method,
				"--data",
				json.dumps({"count": 3, "tags": ["a", "b"]}),
			)
			self.assertEqual(status, 0, err)
			self.assertEqual(json.loads(out)["body"]["message"]["data"]["tags"], [["a", "b"], "list"])

	def test_data_that_is_not_a_json_object_is_refused_before_anything_runs(self):
		for data in ("{not json", "[1, 2]"):
			status, out, err = bench("api", "call", ECHO, "--method", "POST", "--data", data)
			self.assertEqual(status, 2)
			self.assertEqual(out, "")
			self.assertIn("--data", err)

	def test_the_console_helper_answers_in_process_and_keeps_the_callers_user(self):
		frappe.set_user("Administrator")
		answer = call("/api/method/my_api_app.api.auth.whoami", as_user=OWNER)
		self.assertEqual((answer.status, answer.body["message"]["data"]["user"]), (200, OWNER))
		self.assertEqual(frappe.session.user, "Administrator")
		with self.assertRaises(frappe.DoesNotExistError):
			call("my_api_app.api.auth.whoami", as_user="nobody-here@example.com")


class TestApiKeyCommands(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_api_user(OWNER)

	def test_create_list_roll_and_revoke_show_each_secret_once(self):
		status, out, err = bench(
			"api", "key", "create", "--user", OWNER, "--label", "from the cli", "--scope", "doctype:ToDo:read"
		)
		self.assertEqual(status, 0, err)
		created = json.loads(out)["message"]["data"]
		key, secret = created["name"], created["secret"]
		self.assertEqual((created["user"], created["scopes"]), (OWNER, ["doctype:ToDo:read"]))

		status, out, err = bench("api", "key", "list", "--user", OWNER)
		self.assertEqual(status, 0, err)
		self.assertIn(key, [row["name"] for row in json.loads(out)["message"]["data"]])
		self.assertNotIn(secret, out)

		status, out, err = bench("api", "key", "roll", key, "--overlap-minutes", "0")
		self.assertEqual(status, 0, err)
		rolled = json.loads(out)["message"]["data"]
		self.assertTrue(rolled["secret"])
		self.assertNotEqual(rolled["secret"], secret)

		status, out, err = bench("api", "key", "revoke", key, "--reason", "done with it")
		self.assertEqual(status, 0, err)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("API Key", key, "revoked"), 1)

	def test_the_endpoints_checks_apply(self):
		for scope, answer in (("no scope at all", 400), ("doctype:No Such:read", 404)):
			status, out, _ = bench("api", "key", "create", "--user", OWNER, "--label", "x", "--scope", scope)
			self.assertEqual(status, 1)
			self.assertEqual(json.loads(out)["error"]["status"], answer, out)
		status, out, _ = bench("api", "key", "revoke", "mak_doesnotexist", "--reason", "x")
		self.assertEqual(status, 1)
		self.assertEqual(json.loads(out)["error"]["status"], 400)  # not a key id at all
		status, out, _ = bench("api", "key", "revoke", "mak_" + "0" * 20, "--reason", "x")
		self.assertEqual(status, 1)
		self.assertIn(json.loads(out)["error"]["status"], (403, 404))
