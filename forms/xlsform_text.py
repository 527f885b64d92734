"""What XLSForm import and export say about a workbook's problems, in Swedish and English."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    # the XPath subset
    "x_arith": {"sv": "'{found}' på plats {pos}: räkneoperationer ingår inte i delmängden",
                "en": "'{found}' at position {pos}: arithmetic is not part of the subset"},
    "x_char": {"sv": "'{found}' på plats {pos}: ingår inte i delmängden",
               "en": "'{found}' at position {pos}: it is not part of the subset"},
    "x_early": {"sv": "uttrycket tar slut för tidigt", "en": "the expression ends too early"},
    "x_empty": {"sv": "uttrycket är tomt", "en": "the expression is empty"},
    "x_expected": {"sv": "'{found}' på plats {pos}: här ska det stå '{want}'",
                   "en": "'{found}' at position {pos}: expected '{want}'"},
    "x_unexpected": {"sv": "'{found}' på plats {pos}: väntades inte här",
                     "en": "'{found}' at position {pos}: not expected here"},
    "x_depth": {"sv": "nästlat i fler än {n} nivåer", "en": "nested more than {n} levels deep"},
    "x_selected_code": {"sv": "'{found}' på plats {pos}: selected() tar en kod inom citattecken",
                        "en": "'{found}' at position {pos}: selected() takes a code in quotes"},
    "x_dot": {"sv": "'.' på plats {pos}: bara ett villkor för svaret (constraint) kan nämna sitt eget svar",
              "en": "'.' at position {pos}: only a constraint can name its own answer"},
    "x_name": {"sv": "'{found}' på plats {pos}: funktionen eller namnet ingår inte i delmängden",
               "en": "'{found}' at position {pos}: the function or name is not part of the subset"},
    "x_expected_ref": {"sv": "'{found}' på plats {pos}: här ska det stå en fråga ${{namn}}",
                       "en": "'{found}' at position {pos}: expected a question ${{name}}"},
    "x_unknown_ref": {"sv": "${{{name}}} är inte en tidigare fråga", "en": "${{{name}}} is not an earlier question"},
    "x_function": {"sv": "'{found}()' på plats {pos}: funktionen ingår inte i delmängden",
                   "en": "'{found}()' at position {pos}: the function is not part of the subset"},
    "x_not_op": {"sv": "'{found}' på plats {pos}: här ska det stå =, !=, <, <=, > eller >=",
                 "en": "'{found}' at position {pos}: expected =, !=, <, <=, > or >="},
    "x_two_sides": {"sv": "plats {pos}: en jämförelse görs mellan en fråga och ett värde",
                    "en": "position {pos}: a comparison is between one question and one literal"},
    "x_long_literal": {"sv": "ett värde är längre än 64 tecken", "en": "a literal is longer than 64 characters"},
    "x_not_number": {"sv": "${{{name}}} är ett tal; '{value}' är det inte",
                     "en": "${{{name}}} is a number; '{value}' is not"},
    "x_compare_numbers": {"sv": "'{op}' jämför tal; ${{{name}}} är inte en talfråga",
                          "en": "'{op}' compares numbers; ${{{name}}} is not a number question"},
    "x_too_long": {"sv": "uttrycket är längre än {n} tecken", "en": "the expression is longer than {n} characters"},
    "x_subset": {"sv": "; delmängden är =, !=, <, <=, >, >= mellan en fråga och ett värde, selected(), and, or, "
                       "not()",
                 "en": "; the subset is =, !=, <, <=, >, >= between a question and a literal, selected(), "
                       "and, or, not()"},
    "x_no_form": {"sv": "'{what}' har ingen motsvarighet i XLSForm", "en": "'{what}' has no XLSForm form"},
    # the workbook
    "w_large": {"sv": "filen är större än {n} MB", "en": "the file is larger than {n} MB"},
    "w_not_xlsx": {"sv": "filen är inte en .xlsx-arbetsbok", "en": "the file is not an .xlsx workbook"},
    "w_parts": {"sv": "arbetsboken har fler än {n} delar", "en": "the workbook has more than {n} parts"},
    "w_unpacked": {"sv": "arbetsboken packas upp till mer än {n} MB",
                   "en": "the workbook unpacks to more than {n} MB"},
    "w_lies": {"sv": "{part} är större än den uppger", "en": "{part} is larger than it says"},
    "w_dtd": {"sv": "{part}: en dokumenttypsdeklaration (DTD) godtas inte",
              "en": "{part}: a document type declaration is not accepted"},
    "w_rows": {"sv": "{sheet}: fler än {n} rader", "en": "{sheet}: more than {n} rows"},
    "w_columns": {"sv": "{sheet}: fler än {n} kolumner", "en": "{sheet}: more than {n} columns"},
    "w_formula": {"sv": "{cell}: en formel; skriv själva värdet (formler beräknas aldrig)",
                  "en": "{cell}: a formula; write the value itself (formulas are never evaluated)"},
    "w_unreadable": {"sv": "arbetsboken kan inte läsas ({why})", "en": "the workbook cannot be read ({why})"},
    "w_no_survey": {"sv": "survey: bladet saknas eller är tomt", "en": "survey: the sheet is missing or empty"},
    "w_pyxform": {"sv": "XLSForm: {why}", "en": "XLSForm: {why}"},
    "w_column": {"sv": "{cell}: kolumnen stöds inte här; ta bort den eller lämna den tom",
                 "en": "{cell}: this column is not supported here; remove it or leave it empty"},
    "w_no_settings": {"sv": "settings: bladet saknas; det anger form_id, version och form_title",
                      "en": "settings: the sheet is missing; it gives form_id, version and form_title"},
    "w_form_id": {"sv": "{cell}: ge formuläret ett id av små bokstäver, siffror, - och _ (som börjar med en "
                        "bokstav)",
                  "en": "{cell}: give the form an id of lowercase letters, digits, - and _ (starting with a "
                        "letter)"},
    "w_version": {"sv": "{cell}: versionen är ett heltal 1–999 (här {found}); höj den med ett för varje ändrat "
                        "formulär",
                  "en": "{cell}: the version is a whole number 1–999 (found {found}); raise it by one for "
                        "each changed form"},
    "w_title": {"sv": "{cell}: formuläret behöver en titel", "en": "{cell}: the form needs a title"},
    "w_code": {"sv": "{cell}: en kod är 1–64 små bokstäver, siffror eller _ (här {found})",
               "en": "{cell}: a code is 1–64 lowercase letters, digits or _ (found {found})"},
    "w_choice_label": {"sv": "{cell}: valet {code} behöver en etikett", "en": "{cell}: choice {code} needs a label"},
    "w_nested": {"sv": "{cell}: en grupp i en grupp stöds inte; avsnitt har en nivå",
                 "en": "{cell}: a group inside a group is not supported; sections have one level"},
    "w_note_alone": {"sv": "{cell}: en anteckning (note) behöver en fråga efter sig i sin grupp",
                     "en": "{cell}: a note needs a question after it in its group"},
    "w_group_name": {"sv": "{cell}: ett gruppnamn är små bokstäver, siffror och _ (här {found})",
                     "en": "{cell}: a group name is lowercase letters, digits and _ (found {found})"},
    "w_type": {"sv": "{cell}: typen {found} stöds inte (text, date, integer, decimal, select_one, "
                     "select_multiple, note, group, repeat)",
               "en": "{cell}: the type {found} is not supported (text, date, integer, decimal, select_one, "
                     "select_multiple, note, group, repeat)"},
    "w_name": {"sv": "{cell}: ett frågenamn är små bokstäver, siffror och _ (här {found})",
               "en": "{cell}: a question name is lowercase letters, digits and _ (found {found})"},
    "w_label": {"sv": "{cell}: frågan behöver en etikett", "en": "{cell}: the question needs a label"},
    "w_no_list": {"sv": "{cell}: bladet choices har ingen lista {found}",
                  "en": "{cell}: the choices sheet has no list {found}"},
    "w_empty_group": {"sv": "{cell}: gruppen {found} har inga frågor", "en": "{cell}: the group {found} has no questions"},
    "w_group_problem": {"sv": "{cell}: gruppens {what}: {why}", "en": "{cell}: the group's {what}: {why}"},
    "e_type": {"sv": "{id}: typen {found} har ingen motsvarighet i XLSForm",
               "en": "{id}: the type {found} has no XLSForm form"},
    "e_legal": {"sv": "{id}: XLSForm bär en lagrumshänvisning per fråga",
                "en": "{id}: XLSForm carries one legal reference per question"},
}


def say(key: str, lang: str, **kwargs: Any) -> str:
    entry = TEXT[key]
    return entry.get(lang, entry["sv"]).format(**kwargs)
