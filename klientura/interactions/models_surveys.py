"""Surveys (анкетирование): a questionnaire template, and its answers recorded on an event."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel


class QuestionKind(models.TextChoices):
    SCALE5 = "scale5", _("Scale 1–5")
    SCALE10 = "scale10", _("Scale 1–10")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


SCALE_MAX = {QuestionKind.SCALE5: 5, QuestionKind.SCALE10: 10}


class SurveyTemplate(BaseModel):
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("introduction"), blank=True, default="")
    # The topic of the event a survey is planned as; the template's name when empty.
    event_title = models.CharField(_("topic of the planned event"), max_length=300, blank=True, default="")
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.name


class SurveyQuestion(BaseModel):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    # The options of a single/multiple choice question, in order.
    choices = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("answer required"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for answers")
    ANSWERED = "answered", _("Answered")


class AnsweredBy(models.TextChoices):
    MANAGER = "manager", _("Manager, during the contact")
    CLIENT = "client", _("Client, through the link")


class Survey(BaseModel):
    """One client's survey, planned as an event; the answers belong to that event."""

    event = models.OneToOneField("interactions.Event", on_delete=models.CASCADE, related_name="survey")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="surveys")
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.WAITING
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.CharField(
        _("answered by"), max_length=10, choices=AnsweredBy.choices, blank=True, default=""
    )
    # The user who typed the answers in (empty when the client answered through the link).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Part of the signed public link; changing it makes every link sent before useless.
    link_nonce = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["template", "status", "answered_at"], name="survey_report_idx")]

    def __str__(self) -> str:
        return f"{self.template} — {self.event}"


class SurveyAnswer(BaseModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    # Scale questions keep the number, free text the text; choice questions their SurveyAnswerChoice rows.
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["survey", "question"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.question}"


class SurveyAnswerChoice(BaseModel):
    """One option chosen in a choice answer. A row each (not a JSON list) so the report counts them
    with one GROUP BY on every database. The option's text is kept: it is what the client saw."""

    answer = models.ForeignKey(SurveyAnswer, on_delete=models.CASCADE, related_name="choices")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    option = models.CharField(_("option"), max_length=200)

    class Meta:
        verbose_name = _("chosen option")
        verbose_name_plural = _("chosen options")
        constraints = [models.UniqueConstraint(fields=["answer", "option"], name="survey_choice_once")]

    def __str__(self) -> str:
        return self.option
