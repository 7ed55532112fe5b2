"""What a section of a paper is for, read from its heading: the one place that decides it.

:func:`section_role` maps a heading (``"1 Introduction"``, ``"V. EXPERIMENTAL RESULTS"``,
``"Acknowledgements"``) to a :data:`SectionRole`; :func:`section_roles` does it for a
Document's section list, where a subsection with a heading of no role of its own takes its
parent's (``"3.2 GSM8K"`` under ``"3 Experiments"`` is a result). The packer
(``paperdigest.context``) ranks what the LLM reads by role, and the extractive summarizer
picks its sentences by role.

Roles, checked in this order (the first that matches wins):

* ``references``: References, Bibliography;
* ``acknowledgements``: Acknowledg(e)ments, Funding;
* ``author_notes``: author contributions / information, competing interests, conflict of
  interest, ethics / impact / reproducibility statements, broader impact;
* ``checklist``: (paper / reproducibility) checklists;
* ``license``: licence / license, copyright, terms of use;
* ``introduction``: Introduction, Overview, Motivation, (our) contributions;
* ``conclusion``: Conclusion(s), Concluding / closing remarks;
* ``related``: related work, background, preliminaries, prior / previous work,
  literature;
* ``setup``: experimental setup / set-up / settings, implementation / training details,
  hyper-parameters;
* ``results``: experiments, results, evaluation, benchmarks, performance, ablation(s),
  comparison, analysis, empirical study (实验, 评估, 结果);
* ``method``: method(s), methodology, approach, framework, model, architecture, system,
  design, pipeline, algorithm, proposed …, solution, formulation (方法);
* ``conclusion`` again for Discussion, Summary, Future work, Limitations (a heading such
  as "Results and Discussion" is a result);
* ``other``: anything else.

:data:`MINOR_ROLES` are the roles a reader of a summary does not need (read only if space
is left over).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from .models import Section

__all__ = ["MINOR_ROLES", "SectionRole", "section_role", "section_roles"]

SectionRole = Literal[
    "introduction", "method", "setup", "results", "conclusion", "related", "references",
    "acknowledgements", "author_notes", "checklist", "license", "other",
]

#: Roles whose text says nothing about the paper's content.
MINOR_ROLES: frozenset[str] = frozenset(
    {"references", "acknowledgements", "author_notes", "checklist", "license"}
)

_I = re.IGNORECASE
#: (role, pattern) in the order they are tried; see the module docstring.
_RULES: tuple[tuple[SectionRole, re.Pattern[str]], ...] = (
    ("references", re.compile(r"^\W*(?:references?|bibliography|works cited)\b", _I)),
    ("acknowledgements", re.compile(r"acknowledg|^\W*funding\b|致谢", _I)),
    ("author_notes", re.compile(
        r"author(?:s'?|'s)? (?:contributions?|information|notes?|statements?)|"
        r"contributions? of (?:the )?authors|competing interests?|conflicts? of interest|"
        r"(?:ethics|ethical|impact|reproducibility|societal impact) statement|"
        r"broader impacts?|credit authorship", _I)),
    ("checklist", re.compile(r"check-?list", _I)),
    ("license", re.compile(r"\blicen[cs]e|copyright|terms of use", _I)),
    ("introduction", re.compile(
        r"introduction|^\W*(?:[\dIVX.]+\s+)?(?:overview|motivation)\b|"
        r"^\W*(?:[\dIVX.]+\s+)?(?:our |main |key )?contributions?\b|引言|介绍", _I)),
    ("conclusion", re.compile(r"conclu|closing remarks|结论|总结", _I)),
    ("related", re.compile(
        r"related (?:work|literature|research)|background|preliminar|prior work|"
        r"previous work|literature|相关工作", _I)),
    ("setup", re.compile(
        r"set-?up|settings?\b|implementation details|training details|experimental details|"
        r"hyper-?parameters?", _I)),
    ("results", re.compile(
        r"experiment|result|evaluation|benchmark|performance|ablation|comparison|analys[ie]s|"
        r"empirical|实验|评估|结果", _I)),
    ("method", re.compile(
        r"method|approach|framework|model|architecture|system|design|pipeline|algorithm|"
        r"proposed|solution|formulation|方法", _I)),
    ("conclusion", re.compile(r"discussion|summary|future work|limitation|讨论", _I)),
)


def section_role(heading: str, parent: SectionRole | None = None) -> SectionRole:
    """The role of a section with this ``heading`` (number included or not).

    A heading that matches no rule takes ``parent``'s role when given (a subsection of
    "Experiments" is a result), else ``"other"``. Case and numbering do not matter.
    """
    for role, pattern in _RULES:
        if pattern.search(heading):
            return role
    return parent if parent is not None else "other"


def section_roles(sections: Sequence[Section]) -> list[SectionRole]:
    """:func:`section_role` of each section in document order, a subsection (higher
    ``level``) inheriting its enclosing section's role when its own heading has none."""
    roles: list[SectionRole] = []
    stack: list[tuple[int, SectionRole]] = []
    for section in sections:
        while stack and stack[-1][0] >= section.level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        role = section_role(section.heading, parent)
        roles.append(role)
        stack.append((section.level, role))
    return roles
