"""What operators watch: readiness of a worker (database, schema, signing keys) and the numbers
behind /metrics that live in the database (awards, mail and webhook outboxes)."""
