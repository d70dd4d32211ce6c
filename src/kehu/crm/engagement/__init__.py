"""Interactions with customers on every channel: one timeline per customer."""
