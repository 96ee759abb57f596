"""The council's panels without the Bot API server: a case's card as a member sees it (open, voted, stepped
aside, decided), the levels to change to, /hoidong's list, the commendation proposals; and the buttons' data,
in the wire format, with forged data unpacking to None."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from danhgia.chat.callbacks import Callback, unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.council.callbacks import (
    FEATURE,
    CaseList,
    ChangeTo,
    ChooseLevel,
    Commendations,
    Contest,
    Keep,
    KeepNoReason,
    OpenCase,
    Propose,
    StepAside,
)
from danhgia.handlers.council.panels import card_panel, commend_panel, levels_panel, list_panel
from danhgia.texts import t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.commendations import Candidate
from danhgia.workflow.council import CHANGE, CONFIRM, RECUSE, CaseView, VoteView

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LANG = "vi"
ME, OTHER, PERSON = 10, 11, 20
REGIME = ev.regime_of("danang-2013")


def case(**changes: Any) -> CaseView:
    """An open gap case about Phạm Thị Hai, before any vote."""
    view = CaseView(
        id=7,
        kind="gap",
        state="open",
        assessment_id=30,
        person_id=PERSON,
        person_name="Phạm Thị Hai",
        position="Công chức Tư pháp - Hộ tịch",
        unit_name="UBND phường",
        period_label="11/2026",
        regime=REGIME,
        total=Decimal("72.5"),
        level="HT",
        final_level="HT",
        self_total=Decimal("90"),
        facts={"final_level": "HT"},
        reason=None,
        votes=(),
        outcome=None,
        new_level=None,
        decision_reason=None,
        quorum=2,
        deadline=date(2026, 12, 14),
        eligible=3,
    )
    return dataclasses.replace(view, **changes)


def data(panel: Panel) -> list[Callback | None]:
    """Every choice's data, unpacked."""
    return [unpack(choice.data) for choice in panel.choices()]


def test_an_open_case_offers_a_member_keep_change_and_step_aside() -> None:
    panel = card_panel(case(), LANG, TZ, ME)
    assert "#7" in panel.text and "Phạm Thị Hai" in panel.text and "11/2026" in panel.text
    assert "14/12/2026" in panel.text and "72,5" in panel.text and "90" in panel.text
    assert "Hoàn thành nhưng còn hạn chế về năng lực" in panel.text
    assert panel.choices()[0].label == t("council.keep", LANG)
    assert data(panel) == [Keep(7), ChooseLevel(7), StepAside(7), CaseList()]
    assert [c.data for c in panel.choices()] == ["v1:hd:k:7", "v1:hd:x:7", "v1:hd:a:7", "v1:hd:ls"]


def test_a_note_goes_above_the_card() -> None:
    panel = card_panel(case(), LANG, TZ, ME, note=t_html("council.voted_line", LANG))
    assert panel.text.startswith(t("council.voted_line", LANG) + "\n\n")


def test_a_member_sees_their_own_vote_and_one_who_stepped_aside_sees_no_step_aside_button() -> None:
    votes = (
        VoteView("Nguyễn Văn Chủ", CHANGE, "HTT", "Có thành tích đột xuất", ME),
        VoteView("Lê Văn Khác", RECUSE, None, "Người thân", OTHER),
    )
    voted = card_panel(case(votes=votes), LANG, TZ, ME)
    assert "Nguyễn Văn Chủ" in voted.text and "Có thành tích đột xuất" in voted.text
    assert "🗳 Phiếu của bạn: đổi thành <b>Hoàn thành tốt</b>" in voted.text
    assert "Lê Văn Khác: không tham gia vụ này — <i>Người thân</i>" in voted.text
    assert "<b>Phiếu đã có: 1</b>" in voted.text  # a member who stepped aside has no ballot
    assert StepAside(7) in data(voted)
    aside = card_panel(case(votes=votes), LANG, TZ, OTHER)
    assert "Bạn đã xin không tham gia vụ này" in aside.text
    assert data(aside) == [Keep(7), ChooseLevel(7), CaseList()]  # may still vote, never step aside twice


def test_the_person_a_case_is_about_gets_no_vote_buttons() -> None:
    assert data(card_panel(case(), LANG, TZ, PERSON)) == [CaseList()]


def test_a_decided_case_shows_the_decision_and_no_vote_buttons() -> None:
    decided = case(
        state="decided",
        votes=(
            VoteView("Nguyễn Văn Chủ", CHANGE, "HTT", "Có thành tích", ME),
            VoteView("Lê Văn Khác", CHANGE, "HTT", None, OTHER),
        ),
        outcome=CHANGE,
        new_level="HTT",
        final_level="HTT",
        decision_reason="Có thành tích",
        decided_at=datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
    )
    panel = card_panel(decided, LANG, TZ, ME)
    assert "Hội đồng đã quyết định đổi mức xếp loại thành Hoàn thành tốt" in panel.text
    assert "09:30 03/12/2026" in panel.text  # in the organisation's time zone
    assert "Lý do: <i>Có thành tích</i>" in panel.text
    assert "Phiếu của bạn" not in panel.text and "Hạn quyết định" not in panel.text
    assert "Hoàn thành nhưng còn hạn chế về năng lực" in panel.text  # the level the case was about
    assert data(panel) == [CaseList()]
    assert decided.cast_deciding_vote(OTHER) and not decided.cast_deciding_vote(ME)


def test_a_case_too_few_members_may_decide_says_so() -> None:
    panel = card_panel(case(eligible=1), LANG, TZ, ME)
    assert "Chỉ 1 thành viên được bỏ phiếu vụ này, chưa đủ 2 phiếu" in panel.text


def test_the_level_step_offers_every_other_level_by_its_position() -> None:
    panel = levels_panel(case(), LANG)
    assert "hiện là <b>Hoàn thành nhưng còn hạn chế về năng lực</b>" in panel.text
    others = [(i, level) for i, level in enumerate(REGIME.levels) if level.code != "HT"]
    assert data(panel) == [*(ChangeTo(7, i) for i, _ in others), OpenCase(7)]
    assert [c.label for c in panel.choices()[:-1]] == [level.display for _, level in others]
    assert panel.choices()[0].data == "v1:hd:l:7:0"
    assert case().level_at(len(REGIME.levels)) is None and case().level_at(-1) is None


def test_the_case_list_shows_open_and_decided_cases_with_a_button_each() -> None:
    voted = case(votes=(VoteView("Nguyễn Văn Chủ", CONFIRM, None, None, ME),))
    other = case(id=8, person_id=21, person_name="Vũ Văn Năm", kind="contest")
    decided = case(id=5, state="decided", outcome=CONFIRM, person_name="Trần Văn Ba")
    panel = list_panel([voted, other], [decided], LANG, ME, 2)
    assert "Vụ việc chờ quyết định (2)" in panel.text
    assert "• #7 Phạm Thị Hai · tháng 11/2026 · chênh lệch tự đánh giá và lãnh đạo — 1/2 phiếu, bạn đã bỏ phiếu" in (
        panel.text
    )
    assert "• #8 Vũ Văn Năm · tháng 11/2026 · " in panel.text and "— 0/2 phiếu\n" in panel.text
    assert "• #5 Trần Văn Ba · tháng 11/2026 · chênh lệch tự đánh giá và lãnh đạo — giữ nguyên" in panel.text
    assert data(panel) == [OpenCase(7), OpenCase(8), OpenCase(5), Commendations()]
    assert panel.choices()[2].label == "✔ #5 Trần Văn Ba"
    empty = list_panel([], [], LANG, ME, 2)
    assert "Không có vụ việc nào chờ quyết định." in empty.text and data(empty) == [Commendations()]


def candidate(person_id: int, name: str, proposals: int, mine: bool) -> Candidate:
    return Candidate(3, "11/2026", person_id, name, "UBND phường", Decimal(95), "HTXS", proposals, mine)


def test_commendation_proposals_toggle_for_others_until_final() -> None:
    candidates = [
        candidate(PERSON, "Phạm Thị Hai", 0, False),
        candidate(21, "Vũ Văn Năm", 1, True),
        candidate(22, "Trần Văn Ba", 2, True),
        candidate(ME, "Nguyễn Văn Chủ", 0, False),
    ]
    panel = commend_panel(candidates, LANG, ME, 2)
    assert "Đề cử khen thưởng — tháng 11/2026" in panel.text
    assert "Vũ Văn Năm (UBND phường) — 95 điểm · 1/2 đề cử ★ bạn đã đề cử" in panel.text
    assert "Trần Văn Ba (UBND phường) — 95 điểm · ✅ đã được đề cử khen thưởng (2/2)" in panel.text
    assert "Nguyễn Văn Chủ (UBND phường) — 95 điểm · 0/2 đề cử (chính bạn)" in panel.text
    assert "Bạn đang đề cử <b>2</b> người." in panel.text
    assert data(panel) == [Propose(3, PERSON), Propose(3, 21), CaseList()]
    assert [c.label for c in panel.choices()[:2]] == ["☆ Đề cử Phạm Thị Hai", "★ Rút đề cử Vũ Văn Năm"]
    assert data(commend_panel([], LANG, ME, 2)) == [CaseList()]


def test_the_wire_formats_stay_as_they_were() -> None:
    assert [
        CaseList().pack(),
        Commendations().pack(),
        OpenCase(7).pack(),
        Keep(7).pack(),
        KeepNoReason(7).pack(),
        ChooseLevel(7).pack(),
        ChangeTo(7, 99).pack(),
        StepAside(7).pack(),
        Propose(3, 4).pack(),
        Contest(30).pack(),
    ] == [
        "v1:hd:ls",
        "v1:hd:cm",
        "v1:hd:c:7",
        "v1:hd:k:7",
        "v1:hd:k0:7",
        "v1:hd:x:7",
        "v1:hd:l:7:99",
        "v1:hd:a:7",
        "v1:hd:p:3:4",
        "v1:hd:kn:30",
    ]
    assert unpack("v1:hd:l:7:99", FEATURE) == ChangeTo(7, 99)  # out of range: the route says "outdated"


@pytest.mark.parametrize(
    "forged",
    [
        "v1:hd:c:abc",
        "v1:hd:zz:1",
        "v1:hd:c",
        "v1:hd:c:1:2",
        "v1:hd:ls:5",
        "v1:hd:cm:x",
        "v1:hd:l:7",
        "v1:hd:l:7:x",
        "v1:hd:p:3",
        "v1:hd:kn:" + "9" * 40,
        "v2:hd:c:7",
        "v1:hd",
        "",
    ],
)
def test_forged_council_data_unpacks_to_nothing(forged: str) -> None:
    assert unpack(forged, FEATURE) is None
