"""People's accounts: sign-in, invitations, password links, tokens and email preferences."""
