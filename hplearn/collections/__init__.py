"""Curated collections of resources by school and district admins."""
