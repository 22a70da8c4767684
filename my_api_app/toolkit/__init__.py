"""The endpoint toolkit: ``@endpoint`` and the errors an endpoint may raise."""

from my_api_app.core.endpoint_spec import DocumentPermission
from my_api_app.core.errors import (
	ApiError,
	Conflict,
	FieldError,
	Forbidden,
	InvalidInput,
	NotFound,
	Unauthenticated,
)
from my_api_app.toolkit.endpoint import endpoint

__all__ = [
	"ApiError",
	"Conflict",
	"DocumentPermission",
	"FieldError",
	"Forbidden",
	"InvalidInput",
	"NotFound",
	"Unauthenticated",
	"endpoint",
]
