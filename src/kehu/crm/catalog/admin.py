from django.contrib import admin

from kehu.crm.catalog.models import Product, ProductCategory


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "unit_price", "unit_cost", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["sku", "name"]
    list_select_related = ["category"]
