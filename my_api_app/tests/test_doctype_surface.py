"""The app's own DocTypes through every generic route of Frappe (issue 17): generated tests.

For every DocType of the app's modules, tables included (read from the database, so a new
DocType is tried as soon as it exists), every generic route of Frappe is tried through the real
request pipeline (``testing.api_request``): ``/api/resource`` and ``/api/v2/document`` (list,
read, count, create, update, delete), ``frappe.client.*``, ``frappe.desk.*`` (report view and
its export, form load and save, search, bulk delete and update, likes, tags, comments, follows,
assignments), shares, rename and print. The callers own none of the targets:

- a plain desk user (its Frappe key, no API key of this app);
- the owner of another API key (its Frappe key);
- that owner's API key, whose scopes grant every one of these methods and every access to
  every DocType of the app, so that only the document checks stand in the way.

A read must be refused or answer without the target; a write must be refused (or, for bulk
routes that answer 200 with what failed, fail) and change nothing: every row of every DocType of
the app, and the shares, assignments, follows, comments and tags of their documents, are
compared before and after. What no one may do (rename, change a row on its own, share, assign)
is also tried on the callers' own key and by a System Manager on every DocType.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import frappe
from frappe.utils import add_to_date, now_datetime

from my_api_app.api_keys import tokens
from my_api_app.shared import app_doctypes
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.shared.rules.webhook_signing import new_secret
from my_api_app.testing import api_request, make_api_user
from my_api_app.tests import factories

VICTIM = "surface-victim@example.com"
PLAIN = "surface-plain@example.com"
OWNER = "surface-owner@example.com"
MANAGER = "surface-manager@example.com"
MARK = "surface-"  # in every name and value the fixtures make, so leftovers are found and removed
CHANGED = "surface-changed"
ACCESS = ("read", "write", "create", "delete")


def fresh(prefix: str = MARK) -> str:
	return f"{prefix}{frappe.generate_hash(length=10)}"


@dataclass(frozen=True)
class Target:
	"""A document the caller may not touch (or, for ``own`` routes, its own)."""

	doctype: str
	name: str
	parent_doctype: str | None = None
	parent: str | None = None
	parentfield: str | None = None

	@property
	def is_table(self) -> bool:
		return self.parent_doctype is not None

	def markers(self) -> tuple[str, ...]:
		"""What a 2xx answer must not contain: the target's name (and its parent's)."""
		return tuple(value for value in (self.name, self.parent) if value)


@dataclass(frozen=True)
class Route:
	name: str
	request: Callable[["Target", "Caller"], tuple[str, str, dict]]
	writes: bool
	method: str | None = None  # the dotted method, for the scoped key's scopes
	counts: bool = False  # answers a number: refused, or 0
	reports_failures: bool = False  # answers 200 with what failed (bulk routes, no-op follows)
	# Frappe 15's add_tag turns the PermissionError it gets into an IndexError (a 500); nothing
	# is written, which is what is checked
	refusal_is_500: bool = False


@dataclass
class Caller:
	label: str
	user: str
	headers: dict = field(default_factory=dict)
	auth: tuple[str, str] | None = None


# Requests


def call(method: str, **arguments) -> tuple[str, str, dict]:
	"""A whitelisted method as Desk calls it: a form body, lists and dicts as JSON."""
	data = {
		key: json.dumps(value) if isinstance(value, list | dict) else value
		for key, value in arguments.items()
		if value is not None
	}
	return "POST", f"/api/method/{method}", {"data": data}


def method_route(
	method: str, writes: bool, arguments: Callable[["Target", "Caller"], dict], **flags
) -> Route:
	"""A route that calls a whitelisted method (``call``), named by it and scoped to it."""
	return Route(method, lambda t, c: call(method, **arguments(t, c)), writes, method, **flags)


def report_view_query(target: Target, **extra) -> dict:
	"""The report view's query of the target's name (its list, its export)."""
	return dict(
		doctype=target.doctype,
		fields=[f"`tab{target.doctype}`.`name`"],
		filters={"name": target.name},
		parent_doctype=target.parent_doctype,
		**extra,
	)


def stored(target: Target) -> dict:
	"""The target as a client would send it back (Password fields are masked anyway)."""
	doc = frappe.get_doc(target.doctype, target.name).as_dict(convert_dates_to_str=True)
	for df in frappe.get_meta(target.doctype).fields:
		if df.fieldtype == "Password":
			doc.pop(df.fieldname, None)
	return json.loads(json.dumps(doc, default=str))


def change(doctype: str) -> dict:
	"""Values that change a document of ``doctype`` (for an API Key row: full access)."""
	if doctype == "API Key Scope":
		return {"scope_type": "All", "scope": "*"}
	if doctype == "API Key":
		return {"label": CHANGED, "enabled": 0, "allowed_ip_ranges": ""}
	meta = frappe.get_meta(doctype)
	naming = (meta.autoname or "").removeprefix("field:")
	for fieldtypes, value in (
		(("Data", "Small Text", "Text", "Code", "Long Text"), CHANGED),
		(("Int",), 424242),
		(("Link",), CHANGED),
	):
		for df in meta.fields:
			if df.fieldname != naming and df.fieldtype in fieldtypes:
				return {df.fieldname: value}
	raise AssertionError(f"no field to change in {doctype}")


def creation(target: Target) -> dict:
	"""A new document like the target: a row of the target's parent, a key for the victim, or a
	copy of the target under a new name."""
	if target.is_table:
		return {
			"doctype": target.doctype,
			"parent": target.parent,
			"parenttype": target.parent_doctype,
			"parentfield": target.parentfield,
			**change(target.doctype),
		}
	if target.doctype == "API Key":
		return {"doctype": "API Key", "label": CHANGED, "user": VICTIM, "scopes": [{"scope": "*"}]}
	meta = frappe.get_meta(target.doctype)
	doc = {key: value for key, value in stored(target).items() if key not in frappe.model.default_fields}
	for df in meta.get_table_fields():
		doc.pop(df.fieldname, None)
	for df in meta.fields:
		if df.unique and df.fieldtype == "Data":
			doc[df.fieldname] = fresh()
	if (meta.autoname or "").lower() == "prompt":
		doc["__newname"] = fresh()
	return {**doc, "doctype": target.doctype}


def resource(version: str, target: Target) -> str:
	return f"/api/{version}/{target.doctype}"


def listing(target: Target) -> dict:
	return {
		"fields": json.dumps(["name"]),
		"filters": json.dumps({"name": target.name}),
		**({"parent": target.parent_doctype} if target.is_table else {}),
	}


def doc_write(target: Target) -> dict:
	return {**stored(target), **change(target.doctype)}


READS = [
	Route("v1 list", lambda t, c: ("GET", resource("resource", t), {"query": listing(t)}), False),
	Route("v1 read", lambda t, c: ("GET", f"{resource('resource', t)}/{t.name}", {}), False),
	Route("v2 list", lambda t, c: ("GET", resource("v2/document", t), {"query": listing(t)}), False),
	Route("v2 read", lambda t, c: ("GET", f"{resource('v2/document', t)}/{t.name}", {}), False),
	Route(
		"v2 count",
		lambda t, c: (
			"GET",
			f"/api/v2/doctype/{t.doctype}/count",
			{"query": {"filters": json.dumps({"name": t.name})}},
		),
		False,
		counts=True,
	),
	method_route(
		"frappe.client.get_list",
		False,
		lambda t, c: dict(
			doctype=t.doctype, fields=["name"], filters={"name": t.name}, parent=t.parent_doctype
		),
	),
	method_route(
		"frappe.client.get", False, lambda t, c: dict(doctype=t.doctype, name=t.name, parent=t.parent_doctype)
	),
	method_route(
		"frappe.client.get_value",
		False,
		lambda t, c: dict(
			doctype=t.doctype, fieldname=["name"], filters={"name": t.name}, parent=t.parent_doctype
		),
	),
	method_route(
		"frappe.client.get_count",
		False,
		lambda t, c: dict(doctype=t.doctype, filters={"name": t.name}),
		counts=True,
	),
	method_route("frappe.desk.reportview.get", False, lambda t, c: report_view_query(t)),
	method_route(
		"frappe.desk.reportview.get_count",
		False,
		lambda t, c: dict(doctype=t.doctype, filters={"name": t.name}, parent_doctype=t.parent_doctype),
		counts=True,
	),
	method_route(
		"frappe.desk.reportview.export_query",
		False,
		lambda t, c: report_view_query(t, file_format_type="CSV"),
	),
	method_route(
		"frappe.desk.reportview.get_stats",
		False,
		lambda t, c: dict(stats=["name"], doctype=t.doctype, filters=[["name", "=", t.name]]),
	),
	method_route("frappe.desk.form.load.getdoc", False, lambda t, c: dict(doctype=t.doctype, name=t.name)),
	method_route(
		"frappe.desk.form.load.get_docinfo", False, lambda t, c: dict(doctype=t.doctype, name=t.name)
	),
	method_route("frappe.desk.search.search_link", False, lambda t, c: dict(doctype=t.doctype, txt=t.name)),
	method_route(
		"frappe.desk.link_preview.get_preview_data",
		False,
		lambda t, c: dict(doctype=t.doctype, docname=t.name),
	),
	method_route(
		"frappe.www.printview.get_html_and_style", False, lambda t, c: dict(doc=t.doctype, name=t.name)
	),
]


def rest_writes(version: str, prefix: str, update_method: str) -> list[Route]:
	"""Create, update and delete over a REST API version (``prefix``: its path after /api/)."""
	return [
		Route(f"{version} create", lambda t, c: ("POST", resource(prefix, t), {"json": creation(t)}), True),
		Route(
			f"{version} update",
			lambda t, c: (update_method, f"{resource(prefix, t)}/{t.name}", {"json": change(t.doctype)}),
			True,
		),
		Route(f"{version} delete", lambda t, c: ("DELETE", f"{resource(prefix, t)}/{t.name}", {}), True),
	]


WRITES = [
	*rest_writes("v1", "resource", "PUT"),
	*rest_writes("v2", "v2/document", "PATCH"),
	method_route("frappe.client.insert", True, lambda t, c: dict(doc=creation(t))),
	method_route("frappe.client.insert_many", True, lambda t, c: dict(docs=[creation(t)])),
	method_route("frappe.client.save", True, lambda t, c: dict(doc=doc_write(t))),
	method_route(
		"frappe.client.set_value",
		True,
		lambda t, c: dict(doctype=t.doctype, name=t.name, fieldname=change(t.doctype)),
	),
	method_route("frappe.client.delete", True, lambda t, c: dict(doctype=t.doctype, name=t.name)),
	method_route(
		"frappe.client.bulk_update",
		True,
		lambda t, c: dict(docs=[{"doctype": t.doctype, "docname": t.name, **change(t.doctype)}]),
		reports_failures=True,
	),
	method_route("frappe.desk.form.save.savedocs", True, lambda t, c: dict(doc=doc_write(t), action="Save")),
	method_route(
		"frappe.desk.reportview.delete_items",
		True,
		lambda t, c: dict(items=[t.name], doctype=t.doctype),
		reports_failures=True,
	),
	method_route(
		"frappe.desk.doctype.bulk_update.bulk_update.submit_cancel_or_update_docs",
		True,
		lambda t, c: dict(doctype=t.doctype, docnames=[t.name], action="update", data=change(t.doctype)),
		reports_failures=True,
	),
	method_route(
		"frappe.desk.like.toggle_like", True, lambda t, c: dict(doctype=t.doctype, name=t.name, add="Yes")
	),
	method_route(
		"frappe.desk.doctype.tag.tag.add_tag",
		True,
		lambda t, c: dict(tag=CHANGED, dt=t.doctype, dn=t.name),
		refusal_is_500=True,
	),
	method_route(
		"frappe.desk.form.utils.add_comment",
		True,
		lambda t, c: dict(
			reference_doctype=t.doctype,
			reference_name=t.name,
			content=CHANGED,
			comment_email=c.user,
			comment_by=c.user,
		),
	),
	method_route(
		"frappe.desk.form.document_follow.follow_document",
		True,
		lambda t, c: dict(doctype=t.doctype, doc_name=t.name, user=c.user),
		reports_failures=True,
	),
]

# What nobody may do, owner and System Manager included: rename, import, and share (or assign,
# which shares) with a user who may not read the document.
NOBODY = [
	Route(
		"Data Import",
		lambda t, c: call(
			"frappe.client.insert",
			doc={
				"doctype": "Data Import",
				"reference_doctype": t.doctype,
				"import_type": "Insert New Records",
			},
		),
		True,
		"frappe.client.insert",
	),
	method_route(
		"frappe.client.rename_doc",
		True,
		lambda t, c: dict(doctype=t.doctype, old_name=t.name, new_name=fresh()),
	),
	method_route(
		"frappe.model.rename_doc.update_document_title",
		True,
		lambda t, c: dict(doctype=t.doctype, docname=t.name, name=fresh()),
	),
	method_route(
		"frappe.share.add",
		True,
		lambda t, c: dict(doctype=t.doctype, name=t.name, user=PLAIN, read=1, write=1),
	),
	method_route(
		"frappe.desk.form.assign_to.add",
		True,
		lambda t, c: dict(doctype=t.doctype, name=t.name, assign_to=[PLAIN]),
	),
]
# A row changed on its own (not through its parent): refused for everyone.
ROW_ON_ITS_OWN = [
	route
	for route in WRITES
	if route.name in ("v1 create", "v1 update", "v1 delete", "v2 create", "v2 update")
	or route.name in ("frappe.client.save", "frappe.desk.form.save.savedocs")
]


# Fixtures


def app_doctypes_in_db() -> list[str]:
	return frappe.get_all(
		"DocType", filters={"module": ("in", app_doctypes.modules())}, pluck="name", order_by="name"
	)


def table_parents() -> dict[str, tuple[str, str]]:
	"""table DocType -> (parent DocType, fieldname), among the app's DocTypes."""
	parents = {}
	for doctype in app_doctypes_in_db():
		for df in frappe.get_meta(doctype).get_table_fields():
			parents[df.options] = (doctype, df.fieldname)
	return parents


def make_api_key(user: str, scopes: list[str]) -> tuple[str, str]:
	doc, secret = factories.make_api_key(user, scopes, label=fresh())
	return doc.name, secret


def make_rate_limit() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": fresh(),
				"enabled": 0,
				"path_pattern": "/api/surface-never/*",
				"applies_to": "Everyone",
				"counted_per": "IP address",
				"limit": 1000,
				"period": 60,
			}
		)
		.insert()
		.name
	)


def make_webhook_source() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Webhook Source",
				"slug": fresh("t-surface-"),
				"enabled": 0,
				"scheme": "Standard Webhooks",
				"handler": "my_api_app.inbound_webhooks.tests.handlers.record",
				"queue": "short",
				"secrets": [{"secret": new_secret(), "label": fresh()}],
			}
		)
		.insert()
		.name
	)


def make_signing_key() -> str:
	tokens.signing_key()  # the first one is made on first use
	return frappe.db.get_value("API Signing Key", {"status": "Active"}, "name", order_by="creation desc")


def make_any(doctype: str) -> str:
	"""A document of a DocType without a maker here: every mandatory field given a value."""
	values: dict = {"doctype": doctype}
	meta = frappe.get_meta(doctype)
	for df in meta.fields:
		if df.fieldtype in ("Data", "Small Text", "Text", "Long Text", "Password", "Link", "Dynamic Link"):
			values[df.fieldname] = fresh()[: df.length or 140]
		elif df.fieldtype == "Code":
			values[df.fieldname] = "{}"
		elif df.fieldtype in ("Int", "Float"):
			values[df.fieldname] = 1
		elif df.fieldtype == "Datetime":
			values[df.fieldname] = add_to_date(now_datetime(), hours=1)
		elif df.fieldtype == "Select":
			values[df.fieldname] = next(o for o in (df.options or "").split("\n") if o)
		elif df.fieldtype == "Table":
			values[df.fieldname] = [make_row(df.options)]
	if (meta.autoname or "").lower() == "prompt":
		values["__newname"] = fresh()
	return (
		frappe.get_doc(values).insert(ignore_permissions=True, ignore_links=True, ignore_mandatory=True).name
	)


def make_row(doctype: str) -> dict:
	row = {}
	for df in frappe.get_meta(doctype).fields:
		if df.fieldtype in ("Data", "Small Text", "Code"):
			row[df.fieldname] = fresh()[: df.length or 140]
		elif df.fieldtype == "Int":
			row[df.fieldname] = 1
	return row


MAKERS: dict[str, Callable[[], str]] = {
	"API Key": lambda: make_api_key(VICTIM, ["doctype:ToDo:read"])[0],
	"API Rate Limit": make_rate_limit,
	"Webhook Source": make_webhook_source,
	"API Signing Key": make_signing_key,
}


def remove_fixtures() -> None:
	users = (VICTIM, PLAIN, OWNER, MANAGER)
	frappe.db.delete(
		"API Key Scope", {"parent": ("in", frappe.get_all("API Key", {"user": ("in", users)}, pluck="name"))}
	)
	frappe.db.delete("API Key", {"user": ("in", users)})
	for doctype in app_doctypes_in_db():
		meta = frappe.get_meta(doctype)
		if meta.istable or doctype in ("API Key", "API Signing Key"):
			continue
		text_fields = [
			df.fieldname for df in meta.fields if df.fieldtype in ("Data", "Small Text", "Code", "Link")
		]
		for fieldname in ["name", *text_fields]:
			for name in frappe.get_all(doctype, filters={fieldname: ("like", f"%{MARK}%")}, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
	for doctype in ("DocShare", "ToDo", "Document Follow", "Comment", "Tag Link", "Data Import"):
		for reference in (
			"share_doctype",
			"reference_type",
			"ref_doctype",
			"reference_doctype",
			"document_type",
		):
			if frappe.get_meta(doctype).has_field(reference):
				frappe.db.delete(doctype, {reference: ("in", app_doctypes_in_db()), "owner": ("in", users)})
	frappe.db.delete("Tag", {"name": CHANGED})  # add_tag makes it before it is refused
	frappe.db.commit()


def snapshot() -> dict:
	"""Every row of the app's DocTypes (a key's last use aside: the scheduler writes it), and the
	shares, assignments, follows, comments, tags and imports of their documents. Empty values are
	left out: Frappe adds a column such as _user_tags to a table the first time it is used, even
	by a request it then refuses (an ALTER TABLE commits at once)."""
	frappe.db.commit()  # a new snapshot of the database
	doctypes = app_doctypes_in_db()
	state = {}
	for doctype in doctypes:
		rows = [
			{column: value for column, value in row.items() if value is not None}
			for row in frappe.db.sql(f"select * from `tab{doctype}` order by name", as_dict=True)
		]
		for row in rows:
			row.pop("last_used_at", None)
			row.pop("last_used_ip", None)
		state[doctype] = json.dumps(rows, default=str, sort_keys=True)
	state["__Auth"] = frappe.db.sql(
		"select doctype, name, fieldname, password from __Auth where doctype in %s order by 1, 2, 3",
		(doctypes,),
	)
	for doctype, reference in (
		("DocShare", "share_doctype"),
		("ToDo", "reference_type"),
		("Document Follow", "ref_doctype"),
		("Comment", "reference_doctype"),
		("Tag Link", "document_type"),
		("Data Import", "reference_doctype"),
	):
		state[doctype] = frappe.get_all(
			doctype, filters={reference: ("in", doctypes)}, pluck="name", order_by="name"
		)
	return state


class TestDocTypeSurface(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		remove_fixtures()
		make_api_user(VICTIM, ("Desk User",))
		cls.plain_key = make_api_user(PLAIN, ("Desk User",))
		cls.owner_key = make_api_user(OWNER, ("Desk User",))
		cls.manager_key = make_api_user(MANAGER, ("System Manager",))
		for user in (PLAIN, OWNER, MANAGER):  # so that a follow would be made, were it allowed
			frappe.db.set_value("User", user, "document_follow_notify", 1)
		cls.doctypes = app_doctypes_in_db()
		cls.parents = table_parents()
		cls.targets = {}
		for doctype in cls.doctypes:
			if doctype not in cls.parents:
				name = MAKERS[doctype]() if doctype in MAKERS else make_any(doctype)
				cls.targets[doctype] = Target(doctype, name)
		for table, (parent_doctype, fieldname) in cls.parents.items():
			parent = cls.targets[parent_doctype].name
			row = frappe.get_doc(parent_doctype, parent).get(fieldname)[0]
			cls.targets[table] = Target(table, row.name, parent_doctype, parent, fieldname)
		cls.own_key, _ = make_api_key(OWNER, ["doctype:ToDo:read"])
		methods = sorted({route.method for route in READS + WRITES + NOBODY if route.method})
		scoped_key, scoped_secret = make_api_key(
			OWNER,
			[f"method:{m}" for m in methods]
			+ [f"doctype:{doctype}:{access}" for doctype in cls.doctypes for access in ACCESS],
		)
		frappe.db.commit()
		cls.callers = {
			"plain desk user": Caller("plain desk user", PLAIN, auth=cls.plain_key),
			"another key's owner": Caller("another key's owner", OWNER, auth=cls.owner_key),
			"scoped API key": Caller(
				"scoped API key", OWNER, headers={"Authorization": f"token {scoped_key}:{scoped_secret}"}
			),
		}
		cls.manager = Caller("System Manager", MANAGER, auth=cls.manager_key)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		remove_fixtures()
		super().tearDownClass()

	def send(self, route: Route, target: Target, caller: Caller):
		method, path, kwargs = route.request(target, caller)
		# End this thread's transaction: its metadata locks would hold up a request that alters a
		# table (Frappe adds _assign, _liked_by... on first use), which this thread waits for.
		frappe.db.commit()
		return api_request(method, path, headers=caller.headers, auth=caller.auth, **kwargs)

	def assertRefusedRead(self, response, route: Route, target: Target):
		body = response.get_data(as_text=True)
		self.assertLess(response.status_code, 500, body[:500])
		if response.status_code >= 400:
			return
		if route.counts:
			answer = response.get_json()
			self.assertEqual(answer.get("message", answer.get("data")), 0, body[:500])
		for marker in target.markers():
			self.assertNotIn(marker, body, body[:500])

	def assertRefusedWrite(self, response, route: Route):
		body = response.get_data(as_text=True)
		before, self.state = self.state, snapshot()  # a failure is reported once, by its route
		changed = [key for key in before if before[key] != self.state.get(key)]
		self.assertEqual(changed, [], body[:500])
		if not route.refusal_is_500:
			self.assertLess(response.status_code, 500, body[:500])
		if not route.reports_failures:
			self.assertGreaterEqual(response.status_code, 400, body[:500])

	def try_routes(self, callers: list[Caller], routes: list[Route], targets: list[Target]) -> int:
		tried = 0
		self.state = snapshot()
		for caller in callers:
			for target in targets:
				for route in routes:
					with self.subTest(caller=caller.label, doctype=target.doctype, route=route.name):
						response = self.send(route, target, caller)
						if route.writes:
							self.assertRefusedWrite(response, route)
						else:
							self.assertRefusedRead(response, route, target)
					tried += 1
		return tried

	def test_every_doctype_of_the_app_is_tried(self):
		self.assertEqual(sorted(self.targets), self.doctypes)
		self.assertIn("API Key Scope", self.targets)
		for table in self.parents:  # a table row is changed only with its parent
			self.assertIsInstance(frappe.new_doc(table), app_doctypes.TableRow, table)
		for parent in {parent for parent, _ in self.parents.values()}:
			self.assertIn(
				"my_api_app.shared.app_doctypes.keep_rows_with_their_parent",
				frappe.get_hooks("doc_events").get(parent, {}).get("before_validate", []),
				parent,
			)
		for doctype in self.doctypes:
			self.assertFalse(frappe.get_meta(doctype).allow_rename, doctype)

	def test_reads_of_documents_not_the_callers_are_refused(self):
		targets = [self.targets[doctype] for doctype in self.doctypes]
		tried = self.try_routes(list(self.callers.values()), READS, targets)
		self.assertEqual(tried, len(self.callers) * len(READS) * len(targets))

	def test_writes_to_documents_not_the_callers_are_refused_and_change_nothing(self):
		targets = [self.targets[doctype] for doctype in self.doctypes]
		self.try_routes(list(self.callers.values()), WRITES + NOBODY, targets)

	def test_nobody_renames_shares_assigns_or_changes_a_row_on_its_own(self):
		"""The owner on its own key and its rows, and a System Manager on every DocType."""
		own_key = Target("API Key", self.own_key)
		row = frappe.get_doc("API Key", self.own_key).scopes[0].name
		own_row = Target("API Key Scope", row, "API Key", self.own_key, "scopes")
		owners = [self.callers["another key's owner"], self.callers["scoped API key"]]
		self.try_routes(owners, NOBODY, [own_key])
		self.try_routes(owners, ROW_ON_ITS_OWN, [own_row])
		targets = [self.targets[doctype] for doctype in self.doctypes]
		self.try_routes([self.manager], NOBODY, targets)
		self.try_routes([self.manager], ROW_ON_ITS_OWN, [t for t in targets if t.is_table])

	def test_app_reports_are_refused_to_plain_users(self):
		for report in frappe.get_all(
			"Report", filters={"module": ("in", app_doctypes.modules())}, pluck="name"
		):
			for caller in self.callers.values():
				with self.subTest(report=report, caller=caller.label):
					method, path, kwargs = call("frappe.desk.query_report.run", report_name=report)
					response = api_request(method, path, headers=caller.headers, auth=caller.auth, **kwargs)
					self.assertIn(response.status_code, (403, 404), response.get_data(as_text=True)[:300])
