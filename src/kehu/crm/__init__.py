"""The operational CRM: a Django project with one app per business domain."""
