"""The REST API under ``/api/v1/`` (Django REST framework, schema by
drf-spectacular): reads through the selectors, writes through the services and,
for a workflow step, through the same viewflow task the page completes."""
