"""What leaves the service: PTSB notices, webhooks, email, backpacks and OAuth grants."""
