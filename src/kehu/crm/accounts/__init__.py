"""Users, roles (Django groups), per-user preferences and API tokens."""
