"""Accounts: schools, users, roles and sign-in."""
