"""kehu (客户): a customer relationship management system whose core is data mining."""

__version__ = "0.1.0"
