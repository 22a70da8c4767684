"""Endpoints anyone may call, logged in or not."""

from typing import Annotated

from pydantic import BaseModel, Field

from my_api_app.examples import EXAMPLES
from my_api_app.toolkit import endpoint


class Greeting(BaseModel):
	greeting: str = Field(examples=["Hello, world!"])


@endpoint(methods="GET", allow_guest=True, enabled_by=EXAMPLES)
def hello(name: Annotated[str, Field(min_length=1, max_length=64)] = "world") -> Greeting:
	"""Greet the caller.

	A guest endpoint: no login, no key. ``name`` is 1 to 64 characters.
	"""
	return {"greeting": f"Hello, {name}!"}
