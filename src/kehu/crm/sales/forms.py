"""Forms of the sales screens. Choice lists of customers, products and orders are
rendered bounded (a select of a million customers helps nobody) while validation checks
against everything the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.customers.queries import visible_customers
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.sales.queries import ORDER_STATUS_FLOW, visible_opportunities, visible_orders

User = AbstractBaseUser | AnonymousUser
CHOICES_SHOWN = 500
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


def _local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _selected_pk(form: forms.BaseForm, name: str) -> str:
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    if isinstance(value, Model):
        value = value.pk
    return str(value) if value not in (None, "") else ""


def show_bounded_choices(
    form: forms.BaseForm, name: str, queryset: QuerySet[Any], limit: int = CHOICES_SHOWN
) -> None:
    """Render at most ``limit`` options (plus the selected one); validation still uses
    the field's full queryset."""
    field = form.fields[name]
    shown = list(queryset[:limit])
    selected = _selected_pk(form, name)
    if selected.isdigit() and all(str(obj.pk) != selected for obj in shown):
        shown = list(field.queryset.filter(pk=int(selected))) + shown
    field.widget.choices = [("", field.empty_label or "")] + [(obj.pk, str(obj)) for obj in shown]
    if len(shown) >= limit and (hidden := queryset.count() - limit) > 0:
        field.help_text = _(
            "%(n)s more not listed: start from the record's own page to choose one of them."
        ) % {"n": hidden}


class OrderForm(forms.ModelForm):
    original_order_number = forms.CharField(
        label=_("Returned order number"),
        required=False,
        max_length=30,
        help_text=_("For a return: the number of the order being returned."),
    )
    ordered_at = forms.DateTimeField(
        label=_("Ordered at"),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    field_order = ["customer", "kind", "original_order_number", "channel", "status", "ordered_at"]

    class Meta:
        model = Order
        fields = ["customer", "kind", "channel", "status", "ordered_at", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        customers = visible_customers(user)
        self.fields["customer"].queryset = customers
        self.fields["status"].choices = [
            (v, label)
            for v, label in Order.Status.choices
            if v in (Order.Status.DRAFT, Order.Status.CONFIRMED, Order.Status.COMPLETED)
        ]
        self.fields["ordered_at"].initial = _local_now()
        show_bounded_choices(self, "customer", customers.order_by("name", "id"))
        self.recent_orders = self._recent_orders()
        self.fields["original_order_number"].widget.attrs["list"] = "recent-orders"

    def _recent_orders(self) -> list[Order]:
        customer = _selected_pk(self, "customer")
        if not customer.isdigit():
            return []
        orders = visible_orders(self.user).filter(customer_id=int(customer), kind=Order.Kind.SALE)
        return list(orders.order_by("-ordered_at", "-id")[:50])

    def clean_original_order_number(self) -> Order | None:
        number = self.cleaned_data.get("original_order_number", "").strip().upper()
        if not number:
            return None
        order = visible_orders(self.user).filter(number=number, kind=Order.Kind.SALE).first()
        if order is None:
            raise forms.ValidationError(
                _("No sale order %(number)s."), code="not_found", params={"number": number}
            )
        return order

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        original = data.get("original_order_number")
        if data.get("kind") == Order.Kind.RETURN:
            if original is None and "original_order_number" not in self.errors:
                self.add_error(
                    "original_order_number",
                    forms.ValidationError(_("A return needs the original order."), "required"),
                )
            elif original is not None and data.get("customer") not in (
                None,
                original.customer,
            ):
                self.add_error(
                    "original_order_number",
                    forms.ValidationError(
                        _("The original order belongs to another customer."), "other_customer"
                    ),
                )
        elif original is not None:
            self.add_error(
                "original_order_number",
                forms.ValidationError(_("Only a return refers to an original order."), "invalid"),
            )
        return data

    def action_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``actions.create_order`` (besides customer and lines)."""
        data = dict(self.cleaned_data)
        data.pop("customer")
        data["original_order"] = data.pop("original_order_number")
        return data


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Empty: the product's list price."),
    )
    discount_pct = forms.DecimalField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("product") and not (data.get("description") or "").strip():
            self.add_error("product", forms.ValidationError(_("Choose a product."), "required"))
        if not data.get("product") and data.get("unit_price") is None:
            self.add_error(
                "unit_price",
                forms.ValidationError(_("A line without a product needs a price."), "required"),
            )
        return data

    def line(self) -> dict[str, Any]:
        """The line as ``actions.create_order`` takes it; absent values get defaults."""
        data = self.cleaned_data
        line: dict[str, Any] = {"product": data.get("product"), "quantity": data["quantity"]}
        if data.get("description"):
            line["description"] = data["description"].strip()
        if data.get("unit_price") is not None:
            line["unit_price"] = data["unit_price"]
        line["discount_pct"] = data.get("discount_pct") or Decimal("0")
        return line


class BaseOrderLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, products: Iterable[Product] = (), **kwargs: Any) -> None:
        self.product_choices = [("", "---------")] + [(p.pk, str(p)) for p in products]
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["product"].widget.choices = self.product_choices

    def filled_forms(self) -> list[OrderLineForm]:
        return [f for f in self.forms if f.has_changed()]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(_("An order needs at least one line."), code="required")


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseOrderLineFormSet, extra=3, can_delete=False
)


def order_line_formset(data: Any = None) -> BaseOrderLineFormSet:
    """The line formset with the active products as choices, read once for all lines."""
    products = list(Product.objects.filter(is_active=True).order_by("name", "id"))
    formset = OrderLineFormSet(data, prefix="lines", products=products)
    formset.product_prices = {str(p.pk): str(p.unit_price) for p in products}
    return formset


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ORDER_STATUS_FLOW.get(order.status, ())
        self.fields["status"].choices = [
            (v, label) for v, label in Order.Status.choices if v in allowed
        ]


class OpportunityForm(forms.ModelForm):
    probability = forms.IntegerField(
        label=_("Probability %"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the stage's usual probability."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "customer",
            "contact",
            "owner",
            "stage",
            "probability",
            "amount",
            "expected_close_date",
            "source_channel",
            "competitor",
            "lost_reason",
        ]
        widgets = {"expected_close_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: User, can_assign_owner: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = visible_customers(user)
        self.fields["customer"].queryset = customers
        show_bounded_choices(self, "customer", customers.order_by("name", "id"))
        self.fields["contact"].queryset = Contact.objects.filter(customer__in=customers)
        customer = _selected_pk(self, "customer")
        contacts = Contact.objects.filter(customer_id=int(customer) if customer.isdigit() else None)
        show_bounded_choices(self, "contact", contacts)
        if can_assign_owner:
            self.fields["owner"].queryset = (
                get_user_model().objects.filter(is_active=True).order_by("username")
            )
        else:
            del self.fields["owner"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contact, customer = data.get("contact"), data.get("customer")
        if contact is not None and customer is not None and contact.customer_id != customer.pk:
            self.add_error(
                "contact",
                forms.ValidationError(_("This contact works for another customer."), "invalid"),
            )
        if data.get("stage") == Opportunity.Stage.LOST and not data.get("lost_reason"):
            self.add_error(
                "lost_reason",
                forms.ValidationError(_("Say why the opportunity was lost."), "required"),
            )
        return data

    def opportunity_fields(self) -> dict[str, Any]:
        """Keyword arguments for the actions: an empty probability, or one left as it was
        while the stage changed, takes the new stage's usual probability."""
        data = dict(self.cleaned_data)
        stage_changed = self.instance.pk and data.get("stage") != self.instance.stage
        if data.get("probability") is None or (
            stage_changed and data["probability"] == self.instance.probability
        ):
            data.pop("probability")
        return data


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Opportunity.Stage.choices)


class ActivityForm(forms.ModelForm):
    due_at = forms.DateTimeField(
        label=_("Due"),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "customer", "opportunity", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = visible_customers(user)
        opportunities = visible_opportunities(user)
        self.fields["customer"].queryset = customers
        self.fields["opportunity"].queryset = opportunities
        self.fields["due_at"].initial = _local_now()
        show_bounded_choices(self, "customer", customers.order_by("name", "id"))
        customer = _selected_pk(self, "customer")
        if customer.isdigit():
            opportunities = opportunities.filter(customer_id=int(customer))
        open_ones = opportunities.filter(stage__in=Opportunity.OPEN_STAGES)
        show_bounded_choices(self, "opportunity", open_ones.order_by("expected_close_date", "id"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer, opportunity = data.get("customer"), data.get("opportunity")
        if opportunity is not None and customer is not None and opportunity.customer != customer:
            self.add_error(
                "opportunity",
                forms.ValidationError(
                    _("This opportunity belongs to another customer."), "invalid"
                ),
            )
        return data


def line_errors_into(
    formset: BaseOrderLineFormSet, messages: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Put ``lines.<i>.<field>`` errors of ``actions.create_order`` onto the formset's
    filled forms; return the errors that belong to no line."""
    filled = formset.filled_forms()
    rest: dict[str, list[str]] = {}
    for key, errs in messages.items():
        parts = key.split(".")
        index = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else -1
        if parts[0] == "lines" and 0 <= index < len(filled):
            name = parts[2].removesuffix("_id")
            filled[index].add_error(name if name in filled[index].fields else None, errs)
        else:
            rest[key] = errs
    return rest


def customer_or_none(user: User, pk: str | None) -> Customer | None:
    if not pk or not str(pk).isdigit():
        return None
    return visible_customers(user).filter(pk=int(pk)).first()
