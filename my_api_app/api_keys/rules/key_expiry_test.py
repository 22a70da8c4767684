"""Expiry notices: 14 and 3 days before, once each, the nearest only, none once expired."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from my_api_app.api_keys.rules.key_expiry import NOTICE_DAYS, notice_due

NOW = datetime(2027, 1, 1, 12, 0)


def test_the_windows_and_their_edges():
	assert notice_due(NOW + timedelta(days=14, seconds=1), NOW, ()) is None
	assert notice_due(NOW + timedelta(days=14), NOW, ()) == 14
	assert notice_due(NOW + timedelta(days=3, seconds=1), NOW, ()) == 14
	assert notice_due(NOW + timedelta(days=3), NOW, ()) == 3
	assert notice_due(NOW + timedelta(seconds=1), NOW, ()) == 3
	assert notice_due(NOW, NOW, ()) is None
	assert notice_due(NOW - timedelta(days=1), NOW, ()) is None


def test_each_notice_once_and_only_the_nearest():
	assert notice_due(NOW + timedelta(days=10), NOW, (14,)) is None
	assert notice_due(NOW + timedelta(days=2), NOW, (14,)) == 3
	assert notice_due(NOW + timedelta(days=2), NOW, (3,)) is None
	assert notice_due(NOW + timedelta(days=2), NOW, ()) == 3  # made with 2 days left: not 14 too


@given(
	left=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=60)),
	sent=st.sets(st.sampled_from(NOTICE_DAYS)),
)
def test_a_notice_is_due_only_inside_its_window_and_never_twice(left, sent):
	due = notice_due(NOW + left, NOW, sent)
	if due is not None:
		assert due not in sent
		assert timedelta(0) < left <= timedelta(days=due)
		assert not any(days < due and left <= timedelta(days=days) for days in NOTICE_DAYS)
