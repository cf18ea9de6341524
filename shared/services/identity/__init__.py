"""Identity: accounts, sign-in, tokens, MFA, password and e-mail flows, users, admins."""
