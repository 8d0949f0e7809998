"""Admin area: pages for school and district admins."""
