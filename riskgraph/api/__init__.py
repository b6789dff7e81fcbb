"""The GraphQL API: strawberry schema on starlette."""
