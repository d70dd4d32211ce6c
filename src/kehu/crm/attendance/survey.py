"""The satisfaction survey's public page (``attendance:survey``, /e/survey/<token>/),
reached from the invitation email without signing in: found by the participant's
unguessable token; answering again changes the answer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from kehu.crm.attendance import followup
from kehu.crm.attendance.models import Participant, SurveyResponse
from kehu.crm.validation import attach_errors

RATING_CHOICES = [
    (5, _("5 – excellent")),
    (4, _("4 – good")),
    (3, _("3 – fair")),
    (2, _("2 – poor")),
    (1, _("1 – very poor")),
]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the event?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    would_return = forms.TypedChoiceField(
        label=_("Would you come again?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _initial(answer: SurveyResponse | None) -> dict[str, object] | None:
    if answer is None:
        return None
    return {
        "rating": answer.rating,
        "would_return": "yes" if answer.would_return else "no",
        "comment": answer.comment,
    }


@csrf_protect
def survey(request: HttpRequest, token: str) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.select_related("event"), survey_token=token)
    answer = SurveyResponse.objects.filter(participant=participant).first()
    posted = request.method == "POST"
    form = SurveyForm(request.POST if posted else None, initial=_initial(answer))
    status, done = 200, False
    if posted and form.is_valid():
        try:
            answer = followup.answer_survey(participant, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
            status = 422
        else:
            done = True
    elif posted:
        status = 422
    context = {"participant": participant, "event": participant.event, "form": form}
    context.update({"done": done, "answer": answer})
    return render(request, "attendance/survey.html", context, status=status)
