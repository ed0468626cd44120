"""Form responses (Google Forms or Typeform, from their CSV or the linked Sheet) read as feedback.

A form's columns are its question texts, in the language of the form and changing when the form is
edited, so a *mapping* says which question is which field:

.. code-block:: toml

    [questions]
    rating = ["Оцените семинар в целом", "Как вы оцениваете семинар?"]  # renamed mid-way
    usefulness = "Насколько полезной была информация?"
    would_recommend = "Порекомендуете ли вы семинар друзьям?"
    comment = "Ваши предложения"
    sex = "Пол"
    age_group = "Возраст"
    region = "Город"

    [scales]
    rating = 10          # a 1-10 question; 5 when not given

    [form]
    event = "PDP-W1"     # every response is about this event (when no question names it)
    language = "ru"      # the responses' language (when no question names it)
    date_order = "dmy"   # slashed dates that all read either way (05/03/2026); "mdy": US

    [keep]               # personal data: stored only when listed here
    respondent_email = "Адрес электронной почты"

A mapping comes from a file (``--mapping``), from the ones saved with a campaign on the Upload
page (``core.form_mapping``), or, when there is neither, is *proposed* by :func:`propose` from
the words of the questions and from their answers (``forms.toml``).

A header matches a question when it reads the same or starts with it (case and spaces aside).
When the form was edited and a question appears in two columns, each response takes the column it
answered. Worded answers (``Отлично``, ``Өте пайдалы``, ``Strongly agree``, ``Скорее да``) become
numbers and yes/no using ``forms.toml``; response times in the forms' own formats become ISO
timestamps. Columns holding names, e-mails or phones are not stored unless ``[keep]`` lists
them; the free-text comment is masked on the way in (see ``privacy``).

The parts: ``vocabulary`` (the words of ``forms.toml``), ``mapping`` (reading and writing a
mapping), ``recognition`` (a form's responses, its questions, personal data), ``times`` (response
times), ``responses`` (the responses rewritten as feedback), ``proposal`` (a mapping proposed)
and ``saved`` (mappings saved with a campaign).
"""

from __future__ import annotations

from etl.forms.mapping import (
    DATE_ORDERS,
    QUESTION_FIELDS,
    SCALED,
    Mapping,
    MappingError,
    load_mapping,
    mapping_from,
    mapping_text,
)
from etl.forms.proposal import FEEDBACK_FIELDS, PROPOSED, Choice, Proposal, propose
from etl.forms.recognition import form_questions, is_personal, looks_like_form
from etl.forms.responses import Rewritten, rewrite
from etl.forms.saved import (
    SavedMapping,
    campaign_events,
    pick_saved,
    read_responses,
    save_mapping,
    saved_mapping,
    saved_mappings,
)
from etl.forms.times import Moments, moments
from etl.forms.vocabulary import Pattern, words

__all__ = [
    "DATE_ORDERS",
    "FEEDBACK_FIELDS",
    "PROPOSED",
    "QUESTION_FIELDS",
    "SCALED",
    "Choice",
    "Mapping",
    "MappingError",
    "Moments",
    "Pattern",
    "Proposal",
    "Rewritten",
    "SavedMapping",
    "campaign_events",
    "form_questions",
    "is_personal",
    "load_mapping",
    "looks_like_form",
    "mapping_from",
    "mapping_text",
    "moments",
    "pick_saved",
    "propose",
    "read_responses",
    "rewrite",
    "save_mapping",
    "saved_mapping",
    "saved_mappings",
    "words",
]
