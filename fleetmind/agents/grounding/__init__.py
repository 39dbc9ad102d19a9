"""Cheap deterministic grounding: read a goal, list candidate actions for a screen,
score them by what the goal names, and fill forms; `reflection.verify` tells when the screen shows the goal done.

This runs before any model is asked. It settles the steps whose answer is written
in the goal (the switch called "Wi-Fi", the field called "Name"); a model ranks
what text matching cannot settle. Nothing here knows any particular task.

- `vocabulary`: stop words, synonyms, where settings and data live, submit/remove/edit words;
- `fields`: which kind of value a form field takes, its stable name and readable label;
- `goals`: a goal text read into a `Goal` (toggles, values to type, whether an answer is wanted);
- `screens`: the home screen, web pages, prompts in the way, a control's value;
- `history`: the compact history entries the loop keeps (secrets masked);
- `actions`: candidate actions for a screen and their scores (and vetoes);
- `answers`: the text on screen that answers a question goal.
"""

from __future__ import annotations

from .actions import candidates, pending_fill, toggle_matches
from .answers import extract_answer
from .candidate import Candidate
from .fields import field_key, field_name, is_empty_field, readable_label, row_label, row_title
from .goals import Goal, extract_values, goal_apps, is_about, overlap, parse_goal, target_value
from .history import SECRET, history_entry, typed_fields, typed_values
from .screens import current_value, on_home, prompt_in_the_way
from .vocabulary import APP_HINTS, EDIT_WORDS, REMOVE_WORDS, content_words, words

__all__ = [
    "APP_HINTS",
    "EDIT_WORDS",
    "REMOVE_WORDS",
    "SECRET",
    "Candidate",
    "Goal",
    "candidates",
    "content_words",
    "current_value",
    "extract_answer",
    "extract_values",
    "field_key",
    "field_name",
    "goal_apps",
    "history_entry",
    "is_about",
    "overlap",
    "is_empty_field",
    "on_home",
    "parse_goal",
    "pending_fill",
    "prompt_in_the_way",
    "readable_label",
    "row_label",
    "row_title",
    "target_value",
    "toggle_matches",
    "typed_fields",
    "typed_values",
    "words",
]
