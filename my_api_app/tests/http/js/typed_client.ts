// A small client typed only by what openapi-typescript generates from the site's served OpenAPI
// document: my_api_app/openapi/tests/http/generated_clients_test.py writes that as ./api.d.ts next to a copy of this
// file and type-checks both with `tsc --noEmit --strict`. A success body is Frappe's `message`
// around the toolkit's envelope; its `data` is the endpoint's response model.
import type { components, operations } from "./api";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

type CreateOrder = operations["my_api_app_examples_orders_create_order"];
type OrderInput = Json<NonNullable<CreateOrder["requestBody"]>>;
type Order = components["schemas"]["Order"];
type ApiKey = components["schemas"]["ApiKey"];
type JobStatus = components["schemas"]["JobStatus"];
type ErrorBody = components["schemas"]["ErrorBody"];
type FieldError = components["schemas"]["FieldError"];

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: ErrorBody,
	) {
		super(body.error.detail);
	}

	get fields(): FieldError[] {
		return this.body.error.fields;
	}
}

export class TypedClient {
	constructor(
		private readonly url: string,
		private readonly authorization: string,
	) {}

	private async call<T>(dotted: string, init: RequestInit, expected: number): Promise<T> {
		const response = await fetch(`${this.url}/api/method/${dotted}`, {
			...init,
			headers: { Authorization: this.authorization, "Content-Type": "application/json" },
		});
		if (response.status !== expected) {
			throw new ApiError(response.status, (await response.json()) as ErrorBody);
		}
		return (await response.json()) as T;
	}

	async createOrder(input: OrderInput): Promise<Order> {
		const body = await this.call<Json<CreateOrder["responses"][201]>>(
			"my_api_app.examples.orders.create_order",
			{ method: "POST", body: JSON.stringify(input) },
			201,
		);
		return body.message.data;
	}

	async listKeys(): Promise<ApiKey[]> {
		type Answer = Json<operations["my_api_app_api_keys_list_keys"]["responses"][200]>;
		return (await this.call<Answer>("my_api_app.api.keys.list_keys", { method: "GET" }, 200)).message.data;
	}

	async jobStatus(jobId: string): Promise<JobStatus> {
		type Answer = Json<operations["my_api_app_api_jobs_status"]["responses"][200]>;
		const query = new URLSearchParams({ job_id: jobId });
		return (await this.call<Answer>(`my_api_app.api.jobs.status?${query}`, { method: "GET" }, 200)).message.data;
	}
}

export function describeOrder(order: Order): string {
	const total: number = order.total;
	return `${order.quantity} x ${order.item_name} = ${total.toFixed(2)}`;
}

export function activeKeys(keys: ApiKey[]): string[] {
	return keys.filter((key) => key.enabled && !key.revoked).map((key) => `${key.name} (${key.scopes.join(" ")})`);
}

export function isFinished(job: JobStatus): boolean {
	return job.status === "finished" || job.status === "failed" || job.status === "canceled";
}

// The types are the contract, not `any`: each line below must be a type error.
// @ts-expect-error a job's status is one of the declared statuses
export const impossibleStatus: JobStatus["status"] = "exploded";
// @ts-expect-error an order has no undeclared fields
export const undeclared = (order: Order) => order.secret;
// @ts-expect-error quantity is a number
export const badInput: OrderInput = { item_name: "x", quantity: "2", price: 1 };
