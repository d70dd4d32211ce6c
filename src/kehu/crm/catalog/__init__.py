"""Products and product categories, with list price and unit cost."""
