"""Deterministic demo data for the CRM: :func:`kehu.crm.demo.load.load_demo` fills an
empty database with users, a catalog, customers and everything that happens to them,
purchases drawn from the BTYD generative processes in :mod:`kehu.insight.generate`."""
