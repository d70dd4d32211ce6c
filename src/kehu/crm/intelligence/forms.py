"""The analysis schedule form (managers of the analysis: analysts and administrators),
and the forms that rename a segment and act on its members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.crm.intelligence.models import AnalysisSchedule


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = AnalysisSchedule
        fields = ["every", "at_hour"]


class SegmentRenameForm(forms.Form):
    """A segment's own name; empty gives it back its suggested name."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False, strip=True)


class FollowUpForm(forms.Form):
    """One follow-up task per member of a segment, for the member's owner."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    due = forms.DateField(
        label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )
