"""Section roles (one rule for the packer and the extractive summarizer) and ranking by use.

Headings and their roles are labelled by hand; the documents are hand-made.
"""

from __future__ import annotations

import pytest

from paperdigest.context import estimate_tokens, pack
from paperdigest.models import Document, Section, Table
from paperdigest.sections import MINOR_ROLES, section_role, section_roles


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("1 Introduction", "introduction"),
        ("I. INTRODUCTION", "introduction"),
        ("Overview", "introduction"),
        ("Our Contributions", "introduction"),
        ("Author Contributions", "author_notes"),  # not the introduction's contributions
        ("Related Work", "related"),
        ("2 Background and Preliminaries", "related"),
        ("3 Method", "method"),
        ("The Proposed Framework", "method"),
        ("Model Architecture", "method"),
        ("4 Experimental Setup", "setup"),
        ("Implementation Details", "setup"),
        ("5 Experiments", "results"),
        ("Main Results", "results"),
        ("Results and Discussion", "results"),
        ("Ablation Study", "results"),
        ("Model Performance", "results"),
        ("6 Conclusion", "conclusion"),
        ("Conclusions and Future Work", "conclusion"),
        ("Discussion", "conclusion"),
        ("Limitations", "conclusion"),
        ("Acknowledgements", "acknowledgements"),
        ("Acknowledgment", "acknowledgements"),
        ("Funding", "acknowledgements"),
        ("Competing Interests", "author_notes"),
        ("Ethics Statement", "author_notes"),
        ("Broader Impacts", "author_notes"),
        ("NeurIPS Paper Checklist", "checklist"),
        ("License", "license"),
        ("Licence and terms of use", "license"),
        ("References", "references"),
        ("Bibliography", "references"),
        ("GSM8K", "other"),
        ("", "other"),
    ],
)
def test_section_role(heading: str, role: str) -> None:
    assert section_role(heading) == role


def test_subsections_inherit_their_parents_role() -> None:
    sections = [
        Section("Experiments", 1), Section("GSM8K", 2), Section("Training Details", 2),
        Section("Qualitative Examples", 3), Section("Method", 1), Section("Encoder", 2),
        Section("Appendix notes", 1),
    ]
    assert section_roles(sections) == [
        "results", "results", "setup", "setup", "method", "method", "other"]
    assert section_role("GSM8K", "results") == "results"


def test_minor_roles() -> None:
    assert MINOR_ROLES == {"references", "acknowledgements", "author_notes", "checklist", "license"}


def _para(topic: str, n: int = 40) -> str:
    return " ".join(f"{topic} sentence {i} explains one more detail." for i in range(n))


ROWS = "\n".join(f"| row {i} | {i}.0 |" for i in range(30))


def _paper() -> Document:
    return Document(
        arxiv_id="2601.00001",
        title="A Paper",
        source_kind="HTML",
        abstract="We propose X. It improves accuracy by 4.2 points.",
        sections=[
            Section("Introduction", 1, "1", ["We study X.", _para("Intro"),
                                            "Our contributions are: a method and a benchmark."]),
            # one long sentence: it cannot be cut into a shorter piece
            Section("Related Work", 1, "2", [", and ".join(f"related study {i}" for i in range(80)) + "."]),
            Section("Method", 1, "3", ["Our method has two stages.", _para("Method")]),
            Section("Experiments", 1, "4", ["We evaluate on three benchmarks.", _para("Results")]),
            Section("Conclusion", 1, "5", ["X works.",
                                          "Acknowledgements: We thank the reviewers. " + _para("Thanks", 5)]),
            Section("Author Contributions", 1, "", [_para("Credit", 10)]),
            Section("NeurIPS Paper Checklist", 1, "", [_para("Checklist", 30)]),
            Section("License", 1, "", [_para("Licence", 10)]),
        ],
        tables=[
            Table("Main results on three benchmarks.",
                  "| Model | Acc |\n| --- | --- |\n| X | 81.2 |\n" + ROWS, "Table 1", "Experiments"),
            Table("Hyper-parameters of the runs.",
                  "| lr | 1e-4 |\n| --- | --- |\n| wd | 0.1 |\n" + ROWS, "Table 2", "Method"),
        ],
        references=[_para("Reference", 30)],
        links=["https://doi.org/10.1/x", "https://github.com/acme/x"],
    )


def test_tight_budget_keeps_what_a_reader_uses_and_says_what_it_left_out() -> None:
    doc = _paper()
    packed = pack(doc, 400)
    text = packed.text
    for kept in ("We propose X.", "We study X.", "Our contributions are: a method",
                 "Our method has two stages.", "We evaluate on three benchmarks.",
                 "| X | 81.2 |", "X works.", "https://github.com/acme/x"):
        assert kept in text, kept
    assert "https://doi.org/10.1/x" not in text  # only code/model/data links are packed
    for minor in ("section:Author Contributions", "section:NeurIPS Paper Checklist",
                  "section:License", "references"):
        assert minor in packed.dropped
        assert "read only when room is left" in packed.reasons[minor]
    assert "Acknowledgements" not in text
    assert packed.reasons["section:2 Related Work"] == "no room left in the token budget"
    assert packed.reasons["table:Table 2"] == "no room left in the token budget"
    assert set(packed.reasons) == set(packed.dropped)
    assert packed.tokens <= 400


def test_minor_text_read_when_room_is_left() -> None:
    doc = _paper()
    packed = pack(doc, 100_000)
    assert packed.dropped == [] and packed.reasons == {}
    assert "Acknowledgements: We thank the reviewers." in packed.text
    assert "Checklist sentence 29" in packed.text
    assert packed.tokens == estimate_tokens(packed.text)


def test_results_tables_rank_above_other_tables() -> None:
    doc = _paper()
    # Two tables of the same size, the setup table first in the document: at the smallest
    # budget that holds a table, it is the results table.
    size = [estimate_tokens(t.caption + t.markdown) for t in doc.tables]
    assert size[1] <= size[0]
    for budget in range(100, 3000, 10):
        packed = pack(doc, budget)
        tables = [n for n in packed.included if n.startswith("table:")]
        if tables:
            assert tables == ["table:Table 1"], budget
            break
    else:
        raise AssertionError("no budget held a table")
