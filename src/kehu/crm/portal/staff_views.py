"""Staff's page for one customer's portal access: each contact with their access, a
button to grant it (and invite them) or to revoke it. Reached from the customer's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.crm.customers.models import Contact
from kehu.crm.customers.queries import visible_customers
from kehu.crm.marketing.sms import SmsError
from kehu.crm.portal import actions, queries
from kehu.crm.portal.models import PortalAccess


@login_required
def customer_access(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("portal.view_portalaccess"):
        raise PermissionDenied
    customer = get_object_or_404(visible_customers(request.user), pk=pk)
    if request.method == "POST":
        if not request.user.has_perm("portal.change_portalaccess"):
            raise PermissionDenied
        return _change(request, customer.pk)
    context = {
        "customer": customer,
        "contacts": queries.access_of_contacts(customer.pk),
        "changes": queries.changes_of_customer(customer.pk),
        "can_change": request.user.has_perm("portal.change_portalaccess"),
    }
    return render(request, "portal/staff_access.html", context)


def _change(request: HttpRequest, customer_id: int) -> HttpResponse:
    contact_id = request.POST.get("contact", "")
    what = request.POST.get("action", "")
    if not contact_id.isdigit() or what not in ("grant", "revoke"):
        messages.error(request, _("Choose a contact and grant or revoke."))
        return redirect("portal:staff_access", pk=customer_id)
    # the contact must be this customer's: an id of another customer's contact is a 404
    contact = get_object_or_404(Contact, pk=int(contact_id), customer_id=customer_id)
    if what == "revoke":
        access = PortalAccess.objects.filter(contact=contact, enabled=True).first()
        if access is not None:
            actions.revoke_access(access, by=request.user)
        messages.success(
            request, _("%(name)s can no longer sign in to the portal.") % {"name": contact.name}
        )
        return redirect("portal:staff_access", pk=customer_id)
    try:
        actions.grant_access(contact, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    except (OSError, SmsError) as e:
        messages.error(
            request,
            _("The invitation to %(name)s could not be sent (%(error)s); access was not given.")
            % {"name": contact.name, "error": e},
        )
    else:
        how = contact.email or contact.phone
        messages.success(
            request,
            _("%(name)s may sign in to the portal; an invitation went to %(address)s.")
            % {"name": contact.name, "address": how},
        )
    return redirect("portal:staff_access", pk=customer_id)
