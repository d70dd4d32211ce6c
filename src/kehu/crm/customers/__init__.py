"""Customers (companies and persons), their contacts and tags."""
