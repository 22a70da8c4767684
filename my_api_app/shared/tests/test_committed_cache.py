"""Bench tests of committed values: this process's copy is used until a change commits, a
rolled-back change keeps it, and frappe.clear_cache() drops it (a raw SQL change is then seen)."""

import frappe

from my_api_app.rate_limits import desk_rules as rules
from my_api_app.shared import committed_cache
from my_api_app.shared.frappe_compat import IntegrationTestCase

KEY = "my_api_app:test_committed_cache"


class TestCommittedCache(IntegrationTestCase):
	def setUp(self):
		self.loads = 0
		committed_cache.forget_all()

	def load(self) -> int:
		self.loads += 1
		return self.loads

	def test_a_copy_stands_until_a_change_commits(self):
		self.assertEqual(committed_cache.get(KEY, self.load), 1)
		frappe.cache.delete_value(KEY + ":c1")  # even without the Redis entry: the copy answers
		self.assertEqual(committed_cache.get(KEY, self.load), 1)

		committed_cache.invalidate_on_commit(KEY)
		self.assertEqual(committed_cache.get(KEY, self.load), 1)  # not committed yet
		frappe.db.rollback()
		self.assertEqual(committed_cache.get(KEY, self.load), 1)  # rolled back: nothing changed

		committed_cache.invalidate_on_commit(KEY)
		frappe.db.commit()
		self.assertEqual(committed_cache.get(KEY, self.load), 2)
		self.assertEqual(committed_cache.get(KEY, self.load), 2)

	def test_clear_cache_drops_every_copy_so_a_raw_sql_change_is_seen(self):
		name = f"test-{frappe.generate_hash(length=8)}"
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": name,
				"path_pattern": "/api/method/x",
				"limit": 10,
				"period": 60,
			}
		).insert()
		frappe.db.commit()
		self.addCleanup(self.delete_rule, name)
		pattern = {rule.policy.name: rule.path_pattern for rule in rules.enabled_rules()}
		self.assertEqual(pattern[name], "/api/method/x")

		frappe.db.sql("update `tabAPI Rate Limit` set path_pattern = '/api/method/y' where name = %s", name)
		frappe.db.commit()
		pattern = {rule.policy.name: rule.path_pattern for rule in rules.enabled_rules()}
		self.assertEqual(pattern[name], "/api/method/x")  # behind the app's back: not seen...
		frappe.clear_cache()
		pattern = {rule.policy.name: rule.path_pattern for rule in rules.enabled_rules()}
		self.assertEqual(pattern[name], "/api/method/y")  # ...until the cache is cleared

	def delete_rule(self, name: str) -> None:
		frappe.delete_doc("API Rate Limit", name, ignore_permissions=True)
		frappe.db.commit()
