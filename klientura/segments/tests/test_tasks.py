"""The scheduler job: refreshes only the due scheduled segments, once, and survives a failing one."""

import datetime

import pytest
from django.utils import timezone

from klientura.segments import tasks
from klientura.segments.models import Segment, SegmentMember
from klientura.segments.services_segments import segments_refresh_due

from .segment_helpers import make_segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(departments, make_partner):
    make_partner(kind="client")
    make_partner(kind="client")
    marketer = departments.marketer
    now = timezone.now()
    ns = {
        "due": make_segment(marketer, name="due", refresh_mode="scheduled", schedule="0 6 * * *"),
        "later": make_segment(marketer, name="later", refresh_mode="scheduled", schedule="0 6 * * *"),
        "manual": make_segment(marketer, name="manual", refresh_mode="manual", schedule="0 6 * * *"),
    }
    Segment.objects.filter(pk=ns["due"].pk).update(next_refresh_at=now - datetime.timedelta(minutes=1))
    Segment.objects.filter(pk=ns["later"].pk).update(next_refresh_at=now + datetime.timedelta(hours=1))
    # A manual segment with an old planned time (left from an earlier schedule) is never refreshed.
    Segment.objects.filter(pk=ns["manual"].pk).update(next_refresh_at=now - datetime.timedelta(days=1))
    ns["now"] = now
    return ns


def test_only_due_scheduled_segments_are_refreshed_once_when_run_twice(due):
    assert segments_refresh_due(now=due["now"]) == [due["due"].pk]
    assert segments_refresh_due(now=due["now"]) == []
    refreshed = Segment.objects.get(pk=due["due"].pk)
    assert refreshed.member_count == 2 and refreshed.refreshed_at is not None
    assert refreshed.next_refresh_at > due["now"]
    assert timezone.localtime(refreshed.next_refresh_at).hour == 6
    assert SegmentMember.objects.filter(segment_id=due["due"].pk).count() == 2
    for name in ("later", "manual"):
        untouched = Segment.objects.get(pk=due[name].pk)
        assert untouched.refreshed_at is None and not untouched.members.exists()


def test_the_celery_task_runs_the_same_work(due):
    assert tasks.segments_refresh_due.apply().get() == 1
    assert tasks.segments_refresh_due.apply().get() == 0


def test_a_failing_segment_records_the_error_and_the_others_go_on(due, monkeypatch):
    Segment.objects.filter(pk=due["later"].pk).update(
        next_refresh_at=due["now"] - datetime.timedelta(minutes=2)
    )
    from klientura.segments import compiler

    real = compiler.segment_partners

    def broken(rules, **kwargs):
        if rules["items"][0].get("value") == ["client"] and broken.calls == 0:
            broken.calls += 1
            raise RuntimeError("the database went away")
        return real(rules, **kwargs)

    broken.calls = 0
    monkeypatch.setattr(compiler, "segment_partners", broken)
    refreshed = segments_refresh_due(now=due["now"])
    failed = Segment.objects.get(pk=due["later"].pk)  # the earliest due runs first and fails
    assert refreshed == [due["due"].pk]
    assert "the database went away" in failed.refresh_error
    assert failed.refreshed_at is None and not failed.members.exists()
    assert failed.next_refresh_at > due["now"]  # it will be tried at its next time, not every minute
    ok = Segment.objects.get(pk=due["due"].pk)
    assert ok.refresh_error == "" and ok.member_count == 2


def test_beat_runs_the_job_every_minute(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("segments_refresh_due")
    ]
    assert entries and entries[0]["schedule"] == 60.0
