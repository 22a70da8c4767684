#!/usr/bin/env node
// Calls a Frappe site through frappe-js-sdk, the way a third-party JavaScript integrator would, and
// prints ONE JSON object with every result and every error (HTTP status included) to stdout.
//
// Usage: node sdk_client.mjs [options]      (each option falls back to the environment variable shown)
//   --url URL             FRAPPE_SDK_URL      base URL, e.g. http://127.0.0.1:8010
//   --site NAME           FRAPPE_SDK_SITE     site name, sent as X-Frappe-Site-Name (optional;
//                                             or pass --header "Host: NAME")
//   --token KEY:SECRET    FRAPPE_SDK_TOKEN    API key and secret; without it the calls go as Guest
//   --token-type TYPE     FRAPPE_SDK_TOKEN_TYPE  "token" (default: Frappe API keys) or "Bearer" (OAuth)
//   --get "METHOD [JSON]"   call.get(METHOD, args); repeatable; JSON is the args object
//   --post "METHOD [JSON]"  call.post(METHOD, args); repeatable; calls run in command-line order
//   --doctype NAME        FRAPPE_SDK_DOCTYPE  for db.getDocList, and db.createDoc + db.getDoc with --doc
//   --list-args JSON      db.getDocList's args, e.g. {"fields": ["name"], "limit": 5}
//   --doc JSON            a document to create with db.createDoc, then read back with db.getDoc
//   --header "NAME: VALUE"  an extra request header; repeatable
//
// Output: {"sdk": {...}, "calls": [{"http", "method", "args", "ok", "result" | "error"}],
//          "list": {...}, "create": {...}, "get": {...}} where an error is
//          {"httpStatus", "exception", "message", "body"}: httpStatus 0 means no HTTP response.
// Exit status: 0 when every step ran (API errors are results, not failures), 2 on bad usage,
// 1 on an unexpected crash.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

import sdk from "frappe-js-sdk";

const { FrappeApp } = sdk;
const require = createRequire(import.meta.url);

function usage(message) {
	process.stderr.write(`sdk_client: ${message}\n`);
	process.exit(2);
}

function parseJson(text, what) {
	try {
		return JSON.parse(text);
	} catch (e) {
		return usage(`${what} is not JSON: ${e.message}`);
	}
}

function parseCall(http, spec) {
	const trimmed = spec.trim();
	const space = trimmed.search(/\s/);
	const method = space === -1 ? trimmed : trimmed.slice(0, space);
	const args = space === -1 ? undefined : parseJson(trimmed.slice(space + 1), `args of ${method}`);
	if (!method) usage(`--${http.toLowerCase()} needs a method path`);
	return { http, method, args };
}

function sdkVersion() {
	const path = require.resolve("frappe-js-sdk/package.json");
	return JSON.parse(readFileSync(path, "utf8")).version;
}

// The SDK throws a plain object built by its getFrappeError: the Frappe body spread out, plus
// httpStatus; anything else (a bug of ours or of the SDK) is reported with status null.
function describeError(error) {
	if (error && typeof error === "object" && "httpStatus" in error) {
		const { httpStatus, httpStatusText, message, exception, ...body } = error;
		return { httpStatus, httpStatusText, exception, message, body };
	}
	return { httpStatus: null, exception: error?.name ?? "", message: String(error?.message ?? error), body: {} };
}

async function step(fn) {
	try {
		return { ok: true, result: await fn() };
	} catch (error) {
		return { ok: false, error: describeError(error) };
	}
}

async function main() {
	let parsed;
	let tokens;
	try {
		({ values: parsed, tokens } = parseArgs({
			options: {
				url: { type: "string" },
				site: { type: "string" },
				token: { type: "string" },
				"token-type": { type: "string" },
				get: { type: "string", multiple: true, default: [] },
				post: { type: "string", multiple: true, default: [] },
				doctype: { type: "string" },
				"list-args": { type: "string" },
				doc: { type: "string" },
				header: { type: "string", multiple: true, default: [] },
			},
			strict: true,
			tokens: true,
		}));
	} catch (e) {
		return usage(e.message);
	}
	const env = process.env;
	const url = parsed.url ?? env.FRAPPE_SDK_URL;
	const site = parsed.site ?? env.FRAPPE_SDK_SITE;
	const token = parsed.token ?? env.FRAPPE_SDK_TOKEN;
	const tokenType = parsed["token-type"] ?? env.FRAPPE_SDK_TOKEN_TYPE ?? "token";
	const doctype = parsed.doctype ?? env.FRAPPE_SDK_DOCTYPE;
	if (!url) usage("no base URL: pass --url or set FRAPPE_SDK_URL");
	if (!["token", "Bearer"].includes(tokenType)) usage(`--token-type must be "token" or "Bearer", not ${tokenType}`);
	if (parsed.doc && !doctype) usage("--doc needs --doctype");

	const headers = {};
	if (site) headers["X-Frappe-Site-Name"] = site;
	for (const header of parsed.header) {
		const colon = header.indexOf(":");
		if (colon < 1) usage(`--header must be "NAME: VALUE", not ${header}`);
		headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
	}
	// In the order given on the command line, GETs and POSTs mixed.
	const calls = tokens
		.filter((token) => token.kind === "option" && (token.name === "get" || token.name === "post"))
		.map((token) => parseCall(token.name.toUpperCase(), token.value ?? ""));
	const listArgs = parsed["list-args"] ? parseJson(parsed["list-args"], "--list-args") : undefined;
	const doc = parsed.doc ? parseJson(parsed.doc, "--doc") : undefined;

	const tokenParams = token ? { useToken: true, token: () => token, type: tokenType } : undefined;
	const app = new FrappeApp(url, tokenParams, "my_api_app e2e", headers);
	const call = app.call();
	const db = app.db();

	const output = {
		sdk: { name: "frappe-js-sdk", version: sdkVersion(), auth: token ? tokenType : "guest" },
		calls: [],
	};
	for (const { http, method, args } of calls) {
		const run = http === "GET" ? () => call.get(method, args) : () => call.post(method, args);
		output.calls.push({ http, method, args: args ?? null, ...(await step(run)) });
	}
	if (doctype) {
		output.list = await step(() => db.getDocList(doctype, listArgs));
		if (doc) {
			output.create = await step(() => db.createDoc(doctype, doc));
			if (output.create.ok) output.get = await step(() => db.getDoc(doctype, output.create.result.name));
		}
	}
	process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error) => {
	process.stderr.write(`sdk_client: crashed: ${error?.stack ?? error}\n`);
	process.exit(1);
});
