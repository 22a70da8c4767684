"""Example endpoints: off unless the site config sets ``my_api_app_examples`` (examples/README.md)."""

# The site config key that turns the example endpoints on (off on every site by default).
EXAMPLES = "my_api_app_examples"
