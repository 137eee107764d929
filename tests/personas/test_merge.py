"""The three-way merge: examples and properties (Hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from personas.merge import merge_fields, merge_text

BASE = "Cut costs\nHit 99.5% accuracy\nOnboard staff fast\n"


def test_disjoint_fields_merge():
    result = merge_fields(
        {"goals": "g", "pains": "p"}, {"goals": "g", "pains": "P2"}, {"goals": "G2"}
    )
    assert result.ok and result.values == {"goals": "G2"} and result.merged_fields == ["pains"]


def test_same_field_disjoint_lines_merge():
    theirs = BASE.replace("Cut costs", "Cut costs by 12%")
    yours = BASE.replace("Onboard staff fast", "Onboard seasonal staff in days")
    assert (
        merge_text(BASE, theirs, yours)
        == "Cut costs by 12%\nHit 99.5% accuracy\nOnboard seasonal staff in days\n"
    )


def test_same_line_changed_differently_is_a_conflict():
    theirs = BASE.replace("Hit 99.5%", "Hit 99.7%")
    yours = BASE.replace("Hit 99.5%", "Hit 99.9%")
    assert merge_text(BASE, theirs, yours) is None
    result = merge_fields({"goals": BASE}, {"goals": theirs}, {"goals": yours})
    assert not result.ok and result.conflicts["goals"] == {
        "base": BASE,
        "theirs": theirs,
        "yours": yours,
    }


def test_same_change_on_both_sides_is_not_a_conflict():
    both = BASE.replace("Hit", "Reach")
    assert merge_text(BASE, both, both) == both


def test_deletions_merge_with_edits_elsewhere():
    theirs = "Cut costs\nOnboard staff fast\n"  # deleted the middle line
    yours = BASE + "Open a new site\n"  # appended a line
    assert merge_text(BASE, theirs, yours) == "Cut costs\nOnboard staff fast\nOpen a new site\n"


def test_deleting_a_line_the_other_side_edited_is_a_conflict():
    theirs = "Cut costs\nOnboard staff fast\n"
    yours = BASE.replace("Hit 99.5%", "Hit 99.9%")
    assert merge_text(BASE, theirs, yours) is None


def test_empty_base():
    assert merge_text("", "Theirs\n", "") == "Theirs\n"
    assert merge_text("", "", "Yours\n") == "Yours\n"
    assert (
        merge_text("", "Theirs\n", "Yours\n") is None
    )  # both wrote something new in the same place


def test_unicode_and_windows_line_endings():
    base = "Café au lait\nÜberprüfung\n漢字\n"
    theirs = base.replace("Café", "Café ☕")
    yours = base.replace("漢字", "漢字テスト").replace("\n", "\r\n")
    assert merge_text(base, theirs, yours) == "Café ☕ au lait\nÜberprüfung\n漢字テスト\n"


def test_short_fields_are_all_or_nothing():
    result = merge_fields({"name": "Ops"}, {"name": "Ops Director"}, {"name": "Ops Lead"})
    assert not result.ok


lines = st.lists(
    st.text(alphabet="abcxyz ", min_size=1, max_size=6).map(lambda s: s + "\n"),
    min_size=0,
    max_size=12,
)
texts = lines.map("".join)


@given(base=texts, other=texts)
def test_merging_an_unchanged_side_returns_the_other(base, other):
    assert merge_text(base, base, other) == other
    assert merge_text(base, other, base) == other


@settings(max_examples=300)
@given(
    base=st.lists(
        st.text(alphabet="abc", min_size=1, max_size=4).map(lambda s: s + "\n"),
        min_size=4,
        max_size=14,
    ),
    data=st.data(),
)
def test_changes_to_different_lines_are_both_kept(base, data):
    """Each side rewrites its own lines (never adjacent to the other's): nothing is lost."""
    n = len(base)
    cut = data.draw(st.integers(min_value=1, max_value=n - 2))
    theirs_at = data.draw(st.sets(st.integers(0, cut - 1), max_size=cut))
    yours_at = data.draw(st.sets(st.integers(cut + 1, n - 1), max_size=n - cut - 1))
    theirs = [f"T{i}\n" if i in theirs_at else line for i, line in enumerate(base)]
    yours = [f"Y{i}\n" if i in yours_at else line for i, line in enumerate(base)]
    expected = [
        f"T{i}\n" if i in theirs_at else f"Y{i}\n" if i in yours_at else line
        for i, line in enumerate(base)
    ]
    assert merge_text("".join(base), "".join(theirs), "".join(yours)) == "".join(expected)


@given(
    base=st.dictionaries(
        st.sampled_from(["goals", "pains", "name", "quotes"]), st.text(max_size=8), min_size=4
    ),
    theirs_changes=st.dictionaries(
        st.sampled_from(["goals", "pains"]), st.text(min_size=1, max_size=8)
    ),
    yours_changes=st.dictionaries(
        st.sampled_from(["name", "quotes"]), st.text(min_size=1, max_size=8)
    ),
)
def test_no_change_made_by_only_one_side_is_lost(base, theirs_changes, yours_changes):
    theirs = {**base, **theirs_changes}
    result = merge_fields(base, theirs, yours_changes)
    assert result.ok
    final = {**theirs, **result.values}
    for name, value in {**theirs_changes, **yours_changes}.items():
        assert final[name] == value
