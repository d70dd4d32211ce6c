from __future__ import annotations

from django import forms

from kehu.crm.catalog.models import Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["sku", "name", "category", "unit_price", "unit_cost", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
