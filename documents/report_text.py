"""The group report's own words in Swedish and English."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "title": {"sv": "Sammanställning av uppföljningar", "en": "Compilation of follow-ups"},
    "subtitle": {
        "sv": "Individbaserad systematisk uppföljning (ISU)",
        "en": "Individual-based systematic follow-up (ISU)",
    },
    "organisation": {"sv": "Organisation", "en": "Organisation"},
    "unit": {"sv": "Verksamhet", "en": "Unit"},
    "all_units": {"sv": "Alla verksamheter i arbetsytan", "en": "Every unit in the workspace"},
    "period": {"sv": "Period", "en": "Period"},
    "compared_with": {"sv": "Jämförs med", "en": "Compared with"},
    "produced": {"sv": "Framtagen", "en": "Produced"},
    "selection": {"sv": "Urval", "en": "Selection"},
    "form": {"sv": "Formulär", "en": "Form"},
    "form_versions": {
        "sv": "{form}, redovisat enligt version {version}; uppföljningarna gjordes med version {covered}.",
        "en": "{form}, reported on version {version}; the follow-ups were made with version {covered}.",
    },
    "form_version": {"sv": "{form}, version {version}.", "en": "{form}, version {version}."},
    "counted": {
        "sv": "{followups} uppföljningar av {clients} brukare.",
        "en": "{followups} follow-ups of {clients} clients.",
    },
    "period_both": {"sv": "{first} – {last}", "en": "{first} – {last}"},
    "period_from": {"sv": "från {first}", "en": "from {first}"},
    "period_to": {"sv": "till och med {last}", "en": "up to and including {last}"},
    "period_all": {"sv": "alla mötesdatum", "en": "every meeting date"},
    "sel_latest": {
        "sv": "Varje brukares senaste signerade uppföljning under perioden räknas, en per brukare.",
        "en": "Each client's latest signed follow-up in the period is counted, one per client.",
    },
    "sel_all": {
        "sv": "Alla signerade uppföljningar under perioden räknas; en brukare kan räknas flera gånger.",
        "en": "Every signed follow-up in the period is counted; a client may be counted more than once.",
    },
    "sel_drafts_latest": {
        "sv": "Brukarens senaste utkast räknas också, bredvid den signerade uppföljningen.",
        "en": "The client's latest draft is counted too, beside the signed follow-up.",
    },
    "sel_drafts_all": {
        "sv": "Utkast (ej signerade uppföljningar) räknas också.",
        "en": "Drafts (unsigned follow-ups) are counted too.",
    },
    "sel_no_drafts": {"sv": "Utkast räknas inte.", "en": "Drafts are not counted."},
    "sel_unit": {"sv": "Endast verksamheten {unit}.", "en": "Only the unit {unit}."},
    "sel_caseworker": {"sv": "Endast handläggaren {who}.", "en": "Only the caseworker {who}."},
    "sel_plan": {"sv": "Endast planer av typen {plan}.", "en": "Only plans of the type {plan}."},
    "plan_genomforandeplan": {"sv": "genomförandeplan", "en": "implementation plan"},
    "plan_vardplan": {"sv": "vårdplan", "en": "care plan"},
    "plan_behandlingsplan": {"sv": "behandlingsplan", "en": "treatment plan"},
    "plan_sip": {"sv": "samordnad individuell plan (SIP)", "en": "coordinated individual plan (SIP)"},
    "plan_other": {"sv": "annan plan", "en": "other plan"},
    "small_numbers": {
        "sv": "Antal från 1 till {below} visas som <{k}; '..' betyder dolt, för att ett litet antal "
              "inte ska kunna räknas fram.",
        "en": "Counts from 1 to {below} show as <{k}; '..' means hidden, so that a small count cannot "
              "be worked out.",
    },
    "rounded": {
        "sv": "Antal är avrundade till närmaste {b}-tal; andelar räknas på de avrundade antalen.",
        "en": "Counts are rounded to the nearest multiple of {b}; shares are computed on the rounded "
              "counts.",
    },
    "exact": {"sv": "Alla antal är exakta.", "en": "All counts are exact."},
    "key_figures": {"sv": "Nyckeltal", "en": "Key figures"},
    "key_intro": {
        "sv": "Kvinnor och män sida vid sida. Antal och andel av basen (n) i varje kolumn.",
        "en": "Women and men side by side. Count and share of the base (n) in each column.",
    },
    "attainment_headline": {
        "sv": "Av {n} uppföljda mål uppnåddes {achieved} helt och {partly} delvis.",
        "en": "Of {n} goals followed up, {achieved} were fully met and {partly} partly met.",
    },
    "isu_headline": {
        "sv": "Positiv förändring för {share} av {n} mål med utgångsnivå och uppföljd nivå.",
        "en": "Positive change for {share} of {n} goals with a baseline and a follow-up level.",
    },
    "sizes": {"sv": "Antal", "en": "Size"},
    "followups": {"sv": "Uppföljningar", "en": "Follow-ups"},
    "clients": {"sv": "Brukare", "en": "Clients"},
    "gas_t_mean": {"sv": "GAS T-värde, medel", "en": "GAS T-score, mean"},
    "attainment": {"sv": "Måluppfyllelse", "en": "Goal attainment"},
    "isu": {
        "sv": "ISU-variabeln: förändring och måluppfyllelse",
        "en": "The ISU variable: change and attainment",
    },
    "base_goals": {
        "sv": "Bas: mål, inte brukare – en brukare kan ha flera mål. Mål där måluppfyllelsen inte angetts "
              "räknas inte; 'Kan inte bedömas' räknas.",
        "en": "Base: goals, not clients – a client may have several goals. Goals with no attainment given "
              "are not counted; 'Cannot be assessed' is.",
    },
    "base_isu": {
        "sv": "Bas: mål med skala (ICF eller GAS) där både utgångsnivå och nivå vid uppföljningen finns.",
        "en": "Base: goals with a scale (ICF or GAS) that have both a baseline and a level at follow-up.",
    },
    "base_followups": {"sv": "Bas: uppföljningar.", "en": "Base: follow-ups."},
    "base_gas": {
        "sv": "GAS T-värdet räknas per uppföljning med minst ett GAS-mål med nivå; 50 = förväntat utfall.",
        "en": "The GAS T-score is computed per follow-up with at least one GAS goal with a level; 50 = "
              "expected outcome.",
    },
    "base_question": {
        "sv": "Bas: uppföljningar där frågan besvarats.",
        "en": "Base: follow-ups where the question was answered.",
    },
    "base_multi": {
        "sv": "Flera svar möjliga: andelarna kan tillsammans bli mer än 100 %.",
        "en": "Several answers possible: the shares may add up to more than 100%.",
    },
    "base_row": {"sv": "Bas (n)", "en": "Base (n)"},
    "base_unknown": {"sv": "okänd", "en": "unknown"},
    "all": {"sv": "Alla", "en": "All"},
    "previous": {"sv": "Föregående period", "en": "Previous period"},
    "current": {"sv": "Perioden", "en": "This period"},
    "count": {"sv": "Antal", "en": "Count"},
    "share": {"sv": "Andel", "en": "Share"},
    "answer": {"sv": "Svar", "en": "Answer"},
    "women_men": {
        "sv": "Måluppfyllelse och ISU för kvinnor och män",
        "en": "Attainment and ISU for women and men",
    },
    "chart_share": {
        "sv": "Andel i procent av basen i varje grupp.",
        "en": "Share in percent of each group's base.",
    },
    "chart_count": {
        "sv": "Antal (basen är inte känd, så andelar visas inte).",
        "en": "Counts (the base is not known, so no shares are shown).",
    },
    "by_gender": {"sv": "Uppföljningar per kön", "en": "Follow-ups by gender"},
    "by_age": {"sv": "Åldersgrupper", "en": "Age bands"},
    "by_age_followups": {"sv": "Uppföljningar per åldersgrupp", "en": "Follow-ups by age band"},
    "age_years": {"sv": "{band} år", "en": "{band} years"},
    "age_note": {
        "sv": "Ålder vid mötet, ur personnummer eller födelseår.",
        "en": "Age at the meeting, from the personal identity number or the year of birth.",
    },
    "life_areas": {"sv": "Mål per livsområde", "en": "Goals by life area"},
    "life_area": {"sv": "Livsområde", "en": "Life area"},
    "mean_change": {"sv": "Förändring ICF, medel (n)", "en": "Mean change ICF (n)"},
    "mean_change_note": {
        "sv": "Medelförändring: skalsteg på ICF-skalan (0–4) mellan utgångsnivå och uppföljning, "
              "positivt = bättre.",
        "en": "Mean change: steps on the ICF scale (0–4) between baseline and follow-up, positive = "
              "better.",
    },
    "questions": {"sv": "Frågorna i uppföljningen", "en": "The questions of the follow-up"},
    "about": {"sv": "Om siffrorna", "en": "About the figures"},
    "hidden": {"sv": "dolt", "en": "hidden"},
    "fewer_than": {"sv": "färre än {k}", "en": "fewer than {k}"},
    "page": {"sv": "Sida {page} av {pages}", "en": "Page {page} of {pages}"},
    "footer": {"sv": "Period: {period} · framtagen {date}", "en": "Period: {period} · produced {date}"},
    "subject": {
        "sv": "Sammanställning av uppföljningar (ISU), formulär {form}",
        "en": "Compilation of follow-ups (ISU), form {form}",
    },
    "no_followups": {"sv": "Inga uppföljningar i urvalet.", "en": "No follow-ups in the selection."},
}  # fmt: skip


def t(key: str, lang: str, **kwargs: Any) -> str:
    entry = TEXT[key]
    return entry.get(lang, entry["sv"]).format(**kwargs)
