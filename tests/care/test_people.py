"""People: phone lookup, linking codes issued by staff, staff passwords, provider tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from care import people
from care.errors import Invalid
from tests.conftest import NOW


async def test_elders_are_found_by_phone_however_it_is_written(demo) -> None:
    async with demo.sessions() as session:
        for written in ("13800000001", "+86 138-0000-0001", "138 0000 0001"):
            elder = await people.elder_by_phone(session, written)
            assert elder is not None and elder.name == "王秀英"
        assert await people.elder_by_phone(session, "13800009999") is None
        assert await people.elder_by_phone(session, "") is None


async def test_a_linking_code_links_a_family_member_once(demo) -> None:
    async with demo.sessions() as session, session.begin():
        zhao = await people.elder_by_phone(session, "13800000005")
        code = await people.issue_link_code(session, zhao.id, "mother", NOW)
        member = await people.add_family(session, name="赵小红", phone="13900000009")
        assert await people.linked_elders(session, member.id) == []
        linked = await people.redeem_link_code(session, code, member.id, NOW + timedelta(hours=1))
        assert linked.id == zhao.id
        assert [(e.name, rel) for e, rel in await people.linked_elders(session, member.id)] == [("赵玉珍", "mother")]
        with pytest.raises(Invalid):
            await people.redeem_link_code(session, code, member.id, NOW + timedelta(hours=2))


async def test_an_expired_or_unknown_linking_code_is_refused(demo) -> None:
    async with demo.sessions() as session, session.begin():
        zhao = await people.elder_by_phone(session, "13800000005")
        code = await people.issue_link_code(session, zhao.id, "father", NOW)
        member = await people.add_family(session, name="赵小兵", phone="13900000010")
        with pytest.raises(Invalid):
            await people.redeem_link_code(session, code, member.id, NOW + people.LINK_CODE_TTL)
        with pytest.raises(Invalid):
            await people.redeem_link_code(session, "00000000", member.id, NOW)


async def test_staff_log_in_with_their_password_only(demo) -> None:
    async with demo.sessions() as session:
        staff = await people.authenticate_staff(session, "xinhua", "eldercare-demo")
        assert staff is not None and staff.role == "manager" and staff.password_hash.startswith("$argon2")
        assert await people.authenticate_staff(session, "xinhua", "wrong-password") is None
        assert await people.authenticate_staff(session, "nobody", "eldercare-demo") is None


async def test_a_provider_token_is_bound_to_one_station_and_stored_hashed(demo) -> None:
    async with demo.sessions() as session, session.begin():
        token = await people.issue_api_token(session, "hz-xinhua", "送餐公司", NOW)
        station_id = await people.station_for_token(session, token)
        xinhua = await people.station_by_code(session, "hz-xinhua")
        assert station_id == xinhua.id
        assert await people.station_for_token(session, token + "x") is None


async def test_staff_need_a_station_and_a_real_password(demo) -> None:
    async with demo.sessions() as session, session.begin():
        with pytest.raises(Invalid):
            await people.add_staff(session, username="a", name="甲", password="short", station_code="hz-xinhua")
        with pytest.raises(Invalid):
            await people.add_staff(session, username="b", name="乙", password="long-enough-1", role="staff")
