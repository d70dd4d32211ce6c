"""Forms of the sales screens. Customers and products are chosen with a type-ahead
picker that reaches every record the user may see (a select of a million customers
helps nobody); the short lists that follow a chosen customer (contacts, opportunities)
stay selects, rendered bounded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.crm.catalog.models import Product
from kehu.crm.catalog.picker import product_picker
from kehu.crm.customers.models import Contact, Customer
from kehu.crm.customers.picker import customer_picker
from kehu.crm.customers.queries import visible_customers
from kehu.crm.far_future import CONFIRM_FIELD, check_far_future, confirm_field
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.sales.queries import (
    ReturnableLine,
    status_flow,
    visible_opportunities,
    visible_orders,
)
from kehu.crm.validation import DB_INT_MAX

User = AbstractBaseUser | AnonymousUser
CHOICES_SHOWN = 500
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


def _local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _selected_pk(form: forms.BaseForm, name: str) -> str:
    """The id of the record chosen in a field, as far as the form can tell before
    cleaning (a picker resolves typed text, a select posts the id)."""
    field = form.fields[name]
    if form.is_bound:
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    else:
        value = form.initial.get(name)
    if isinstance(value, dict):  # a picker: the text may name the record instead
        state = field.prepare_value(value)
        value = state.selected.pk if state.selected else ""
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
    if (
        selected.isascii()
        and selected.isdigit()
        and int(selected) <= DB_INT_MAX
        and all(str(obj.pk) != selected for obj in shown)
    ):
        shown = list(field.queryset.filter(pk=int(selected))) + shown
    field.widget.choices = [("", field.empty_label or "")] + [(obj.pk, str(obj)) for obj in shown]
    if len(shown) >= limit and (hidden := queryset.count() - limit) > 0:
        field.help_text = _(
            "%(n)s more not listed: start from the record's own page to choose one of them."
        ) % {"n": hidden}


ORDER_FAR_FUTURE = {"ordered_at": timedelta(days=31)}
OPPORTUNITY_FAR_FUTURE = {"expected_close_date": timedelta(days=3 * 366)}
ACTIVITY_FAR_FUTURE = {"due_at": timedelta(days=2 * 366)}


def original_order_of(user: User, number: str) -> Order | None:
    """The visible sale order with this number (any case), or None."""
    number = (number or "").strip().upper()[:30]
    if not number:
        return None
    return visible_orders(user).filter(number=number, kind=Order.Kind.SALE).first()


def _follow_customer(form: forms.BaseForm, dependent: str) -> None:
    """When a customer is picked, reload the dependent select (its choices are that
    customer's) from the same page, which reads the picked customer from the query."""
    form.fields["customer"].widget.attrs.update(
        {
            "hx-get": "",
            "hx-trigger": "picked",
            "hx-include": "closest form",
            "hx-select": f"#field-{dependent}",
            "hx-target": f"#field-{dependent}",
            "hx-swap": "outerHTML",
        }
    )


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
        self.fields["customer"] = customer_picker(user)
        self.fields["status"].choices = [
            (v, label)
            for v, label in Order.Status.choices
            if v in (Order.Status.DRAFT, Order.Status.CONFIRMED, Order.Status.COMPLETED)
        ]
        self.fields["ordered_at"].initial = _local_now()
        self.fields[CONFIRM_FIELD] = confirm_field()
        self.recent_orders = self._recent_orders()
        self.fields["original_order_number"].widget.attrs["list"] = "recent-orders"

    def _recent_orders(self) -> list[Order]:
        customer = _selected_pk(self, "customer")
        if not customer.isdigit():
            return []
        orders = visible_orders(self.user).filter(
            customer_id=int(customer),
            kind=Order.Kind.SALE,
            status__in=Order.RETURNABLE_STATUSES,
        )
        return list(orders.order_by("-ordered_at", "-id")[:50])

    def clean_original_order_number(self) -> Order | None:
        number = self.cleaned_data.get("original_order_number", "").strip().upper()
        if not number:
            return None
        order = original_order_of(self.user, number)
        if order is None:
            raise forms.ValidationError(
                _("No sale order %(number)s."), code="not_found", params={"number": number}
            )
        return order

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_far_future(self, ORDER_FAR_FUTURE)
        original = data.get("original_order_number")
        if data.get("kind") == Order.Kind.RETURN:
            self._check_original(data, original)
        elif original is not None:
            self.add_error(
                "original_order_number",
                forms.ValidationError(_("Only a return refers to an original order."), "invalid"),
            )
        return data

    def _check_original(self, data: dict[str, Any], original: Order | None) -> None:
        if original is None:
            if "original_order_number" not in self.errors:
                self.add_error(
                    "original_order_number",
                    forms.ValidationError(_("A return needs the original order."), "required"),
                )
        elif data.get("customer") not in (None, original.customer):
            self.add_error(
                "original_order_number",
                forms.ValidationError(
                    _("The original order belongs to another customer."), "other_customer"
                ),
            )
        elif not original.can_be_returned:
            self.add_error(
                "original_order_number",
                forms.ValidationError(
                    _(
                        "Order %(number)s is %(status)s: only a confirmed, shipped or "
                        "completed sale can be returned."
                    ),
                    "not_returnable",
                    params={"number": original.number, "status": original.get_status_display()},
                ),
            )

    def action_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``actions.create_order`` (besides customer and lines)."""
        data = dict(self.cleaned_data)
        data.pop("customer")
        data.pop(CONFIRM_FIELD, None)
        data["original_order"] = data.pop("original_order_number")
        return data


class OrderLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0")
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

    def __init__(self, *args: Any, products: QuerySet[Product] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"product": product_picker(queryset=products), **self.fields}

    @property
    def is_skipped(self) -> bool:
        """A line left empty, or with quantity 0 (a prefilled return line not returned)."""
        if not self.has_changed():
            return True
        return self.is_valid() and self.cleaned_data.get("quantity") == 0

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("quantity") == 0:
            return data
        described = (data.get("description") or "").strip()
        if not data.get("product") and not described and "product" not in self.errors:
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
        elif data.get("discount_pct") is not None:
            line["discount_pct"] = data["discount_pct"]
        return line


class BaseOrderLineFormSet(forms.BaseFormSet):
    """Order lines; initial lines (a return's original lines) are prefilled rows that the
    user may empty or set to 0, never rows the formset insists on."""

    def initial_form_count(self) -> int:
        return 0 if not self.is_bound else super().initial_form_count()

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return len(self.initial or []) + self.extra

    def filled_forms(self) -> list[OrderLineForm]:
        return [f for f in self.forms if not f.is_skipped]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(_("An order needs at least one line."), code="required")


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseOrderLineFormSet, extra=3, can_delete=False
)


def order_line_formset(
    data: Any = None, *, original: Order | None = None, initial: list[dict[str, Any]] | None = None
) -> BaseOrderLineFormSet:
    """The line formset. A return's lines may name the original's products even when
    they are no longer sold."""
    products = Product.objects.filter(is_active=True)
    if original is not None:
        products = Product.objects.filter(
            Q(is_active=True) | Q(pk__in=original.lines.values("product_id"))
        )
    formset = OrderLineFormSet(
        data,
        prefix="lines",
        initial=initial,
        form_kwargs={"products": products.order_by("name", "id")},
    )
    if original is not None:
        formset.extra = 1
    return formset


def return_lines_initial(returnable: dict[Any, ReturnableLine]) -> list[dict[str, Any]]:
    """The return form's prefilled lines: what is left to return, at the price paid."""
    return [
        {
            "product": line.product.pk if line.product else None,
            "description": "" if line.product else line.description,
            "quantity": line.left.normalize(),
            "unit_price": line.unit_price.quantize(Decimal("0.01")),
            "discount_pct": line.discount_pct.normalize(),
        }
        for line in returnable.values()
        if line.left > 0
    ]


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = status_flow(order)
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
        self.fields["customer"] = customer_picker(user)
        _follow_customer(self, "contact")
        self.fields["contact"].queryset = Contact.objects.filter(customer__in=customers)
        self.fields[CONFIRM_FIELD] = confirm_field()
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
        check_far_future(self, OPPORTUNITY_FAR_FUTURE)
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
        data.pop(CONFIRM_FIELD, None)
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
        opportunities = visible_opportunities(user)
        self.fields["customer"] = customer_picker(user, required=False)
        _follow_customer(self, "opportunity")
        self.fields["opportunity"].queryset = opportunities
        self.fields["due_at"].initial = _local_now()
        self.fields[CONFIRM_FIELD] = confirm_field()
        customer = _selected_pk(self, "customer")
        if customer.isdigit():
            opportunities = opportunities.filter(customer_id=int(customer))
        open_ones = opportunities.filter(stage__in=Opportunity.OPEN_STAGES)
        show_bounded_choices(self, "opportunity", open_ones.order_by("expected_close_date", "id"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_far_future(self, ACTIVITY_FAR_FUTURE)
        data.pop(CONFIRM_FIELD, None)
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
    if not pk or not (str(pk).isascii() and str(pk).isdigit()) or int(pk) > DB_INT_MAX:
        return None
    return visible_customers(user).filter(pk=int(pk)).first()
