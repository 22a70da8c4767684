"""Orders, recorded as ToDos for the caller (Frappe has no order DocType of its own)."""

from typing import Annotated, Literal

import frappe
from pydantic import BaseModel, Field

from my_api_app.examples import EXAMPLES
from my_api_app.toolkit import endpoint

# Bounds keep the total a finite number (JSON has no Infinity).
MAX_QUANTITY = 1_000_000
MAX_PRICE = 1_000_000_000


class Order(BaseModel):
	"""An order line, as recorded."""

	name: str = Field(description="The ToDo that records the order.", examples=["a1b2c3d4e5"])
	item_name: str = Field(examples=["Widget"])
	quantity: int = Field(gt=0, examples=[3])
	price: float = Field(ge=0, examples=[2.5])
	total: float = Field(ge=0, description="quantity x price, rounded to 2 places.", examples=[7.5])


@endpoint(methods="POST", status=201, enabled_by=EXAMPLES)
def create_order(
	item_name: Annotated[str, Field(min_length=1, max_length=140)],
	quantity: Annotated[int, Field(gt=0, le=MAX_QUANTITY)],
	price: Annotated[float, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)],
	priority: Literal["High", "Medium", "Low"] = "Medium",
) -> Order:
	"""Record an order line for the caller; answers 201 with the new record.

	``item_name`` is required (1 to 140 characters), ``quantity`` an integer from 1 to 1,000,000,
	``price`` a number from 0 to 1,000,000,000, ``priority`` High, Medium or Low.
	"""
	total = round(quantity * price, 2)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": f"Order: {quantity} x {item_name} at {price:.2f} (total {total:.2f})",
			"priority": priority,
			"allocated_to": frappe.session.user,
		}
	).insert()
	return {"name": todo.name, "item_name": item_name, "quantity": quantity, "price": price, "total": total}
