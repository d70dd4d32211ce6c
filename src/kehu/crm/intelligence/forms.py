"""The analysis schedule form (managers of the analysis: analysts and administrators)."""

from __future__ import annotations

from django import forms

from kehu.crm.intelligence.models import AnalysisSchedule


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = AnalysisSchedule
        fields = ["every", "at_hour"]
