"""Fetching pages and feeds over HTTP, within limits (sizes, redirects, private addresses)."""
