"""The command line's own messages in Swedish and English (the app's catalogue lives beside it)."""

from __future__ import annotations

from typing import Any

CLI: dict[str, dict[str, str]] = {
    "db_insecure": {
        "sv": "vägrar okrypterad anslutning till {host}: lägg till sslmode=require (eller verify-full) "
        "i databasadressen",
        "en": "refusing an unencrypted connection to {host}: add sslmode=require (or verify-full) to "
        "the database address",
    },
    "db_needed": {
        "sv": "ange databasen med --database URL (eller UPPFOLJNING_DATABASE)",
        "en": "name the database with --database URL (or UPPFOLJNING_DATABASE)",
    },
    "db_not_here": {
        "sv": "'{command}' finns inte för den gemensamma databasen ännu; använd en lokal arbetsyta",
        "en": "'{command}' does not work on the shared database yet; use a local workspace",
    },
    "db_upgraded": {
        "sv": "Databasen är uppdaterad ({names}).",
        "en": "The database is up to date ({names}).",
    },
    "db_current": {"sv": "Databasen var redan aktuell.", "en": "The database was already up to date."},
    "db_granted": {
        "sv": "{login} är nu {role} i {unit}.",
        "en": "{login} is now {role} in {unit}.",
    },
    "db_revoked": {"sv": "{login}: behörigheten togs bort.", "en": "{login}: access revoked."},
    "db_no_grant": {"sv": "{login} hade ingen sådan behörighet.", "en": "{login} had no such access."},
    "moved": {
        "sv": "Flyttade {cases} ärende(n) med {followups} uppföljning(ar) ({signed} signerade, "
        "{addenda} rättelse(r)) till databasen.",
        "en": "Moved {cases} case(s) with {followups} follow-up(s) ({signed} signed, {addenda} "
        "addend(a)) into the database.",
    },
    "move_nothing": {
        "sv": "Ingenting flyttades; rätta felen ovan och försök igen.",
        "en": "Nothing was moved; correct the problems above and try again.",
    },
    "move_training": {
        "sv": "arbetsytan är en övningsyta: övningsärenden blir aldrig riktiga ärenden",
        "en": "the workspace is a training workspace: practice cases never become real records",
    },
    "move_damaged": {
        "sv": "{name} är skadad; kör 'uppfoljning doctor' på arbetsytan först",
        "en": "{name} is damaged; run 'uppfoljning doctor' on the workspace first",
    },
    "move_audit": {"sv": "granskningsloggen: {line}", "en": "audit log: {line}"},
    "move_role": {
        "sv": "inloggningen {login} ({role}) får inte skriva ärenden; bara handläggare och "
        "arbetsledare får det",
        "en": "the login {login} ({role}) may not write cases; only caseworkers and supervisors may",
    },
    "move_no_unit": {
        "sv": "ärendet {ref} har ingen verksamhet och du arbetar i flera; ange verksamheten i ärendet",
        "en": "case {ref} names no unit and you work in several; set the case's unit",
    },
    "move_unit": {
        "sv": "ärendet {ref} hör till verksamheten {unit}, där {login} inte får skriva",
        "en": "case {ref} belongs to the unit {unit}, where {login} may not write",
    },
    "move_exists": {
        "sv": "ärendet {id} finns redan i databasen (redan flyttat?)",
        "en": "case {id} is already in the database (moved before?)",
    },
    "error": {"sv": "fel", "en": "error"},
    "compiling": {"sv": "Sammanställer ärenden:", "en": "Compiling cases:"},
    "created": {"sv": "Arbetsytan skapades i {path}", "en": "Created the workspace in {path}"},
    "imported": {
        "sv": "Importerade {n} uppföljning(ar): {ids}",
        "en": "Imported {n} follow-up(s): {ids}",
    },
    "already_stored": {
        "sv": "{file}: redan importerad som uppföljning {id}; ingenting ändrades",
        "en": "{file}: already imported as follow-up {id}; nothing was changed",
    },
    "nothing_imported": {
        "sv": "Inget importerades; rätta felen ovan och försök igen.",
        "en": "Nothing was imported; correct the problems above and try again.",
    },
    "cannot_read": {"sv": "kan inte läsas ({why})", "en": "cannot be read ({why})"},
    "not_utf8": {"sv": "är inte UTF-8-text", "en": "is not UTF-8 text"},
    "other_client": {
        "sv": "ärendet {ref} finns redan med ett annat personnummer",
        "en": "case {ref} already exists with another personnummer",
    },
    "exists": {
        "sv": "uppföljningen {id} finns redan i arbetsytan",
        "en": "follow-up {id} is already in the workspace",
    },
    "final_needs_signer": {
        "sv": "ange vem som signerar med --by, eller en handläggare i filen",
        "en": "name who signs with --by, or a caseworker in the file",
    },
    "no_followups": {"sv": "Inga uppföljningar.", "en": "No follow-ups."},
    "none_due": {"sv": "Inga uppföljningar är aktuella.", "en": "No follow-ups are due."},
    "written": {"sv": "Skrev {path}", "en": "Wrote {path}"},
    "stored_unreadable": {
        "sv": "en sparad uppgift kan inte läsas ({where})",
        "en": "a stored record cannot be read ({where})",
    },
    "form_ok": {
        "sv": "{file}: formuläret {id} version {version} är giltigt ({n} frågor)",
        "en": "{file}: form {id} version {version} is valid ({n} questions)",
    },
    "col_id": {"sv": "ID", "en": "ID"},
    "col_case": {"sv": "Ärende", "en": "Case"},
    "col_status": {"sv": "Status", "en": "Status"},
    "col_meeting": {"sv": "Möte", "en": "Meeting"},
    "col_next": {"sv": "Nästa", "en": "Next"},
    "col_caseworker": {"sv": "Handläggare", "en": "Caseworker"},
    "status_draft": {"sv": "utkast", "en": "draft"},
    "status_final": {"sv": "signerad", "en": "final"},
    "overdue": {"sv": "försenad", "en": "overdue"},
    "passphrase_needed": {
        "sv": "arbetsytan är krypterad: sätt UPPFOLJNING_PASSPHRASE eller kör i en terminal för att "
        "få frågan om lösenfras",
        "en": "the workspace is encrypted: set UPPFOLJNING_PASSPHRASE, or run in a terminal to be "
        "asked for the passphrase",
    },
    "init_needs_passphrase": {
        "sv": "en ny arbetsyta krypteras: sätt UPPFOLJNING_PASSPHRASE eller kör i en terminal för att "
        "välja lösenfras (--no-encryption skapar en okrypterad arbetsyta)",
        "en": "a new workspace is encrypted: set UPPFOLJNING_PASSPHRASE, or run in a terminal to "
        "choose a passphrase (--no-encryption creates an unencrypted workspace)",
    },
    "passphrase_prompt": {"sv": "Lösenfras: ", "en": "Passphrase: "},
    "new_passphrase_prompt": {"sv": "Ny lösenfras: ", "en": "New passphrase: "},
    "repeat_passphrase_prompt": {"sv": "Upprepa lösenfrasen: ", "en": "Repeat the passphrase: "},
    "passphrase_mismatch": {
        "sv": "lösenfraserna var olika; inget ändrades",
        "en": "the passphrases differ; nothing was changed",
    },
    "passphrase_short": {
        "sv": "lösenfrasen måste ha minst {n} tecken",
        "en": "the passphrase must have at least {n} characters",
    },
    "passphrase_changed": {
        "sv": "Lösenfrasen är bytt; {n} filer krypterades om.",
        "en": "The passphrase was changed; {n} files were re-encrypted.",
    },
    "unencrypted_note": {
        "sv": "Obs: arbetsytan är inte krypterad.",
        "en": "Note: the workspace is not encrypted.",
    },
    "audit_ok": {
        "sv": "Granskningsloggen är hel: {n} poster, ingen ändrad, borttagen eller flyttad.",
        "en": "The audit log is intact: {n} entries, none edited, deleted or moved.",
    },
    "corrected": {
        "sv": "Rättelsen lades till uppföljningen {id}.",
        "en": "The correction was added to follow-up {id}.",
    },
    "no_case": {"sv": "inget ärende '{ref}'", "en": "no case '{ref}'"},
    "confirm_erase": {
        "sv": "Skriv ärendenumret {ref} för att radera ärendet och alla dess uppföljningar: ",
        "en": "Type the case number {ref} to erase the case and all its follow-ups: ",
    },
    "confirm_erase_many": {
        "sv": "Skriv antalet ärenden ({n}) för att radera dem och alla deras uppföljningar: ",
        "en": "Type the number of cases ({n}) to erase them and all their follow-ups: ",
    },
    "erase_needs_yes": {
        "sv": "radering måste bekräftas: kör i en terminal eller lägg till --yes",
        "en": "erasing must be confirmed: run in a terminal or add --yes",
    },
    "erase_cancelled": {"sv": "Inget raderades.", "en": "Nothing was erased."},
    "erased": {"sv": "Raderade ärendet {ref}.", "en": "Erased case {ref}."},
    "would_erase": {
        "sv": "Skulle radera {ref} (senaste anteckning {last})",
        "en": "Would erase {ref} (last entry {last})",
    },
    "nothing_old": {
        "sv": "Inga ärenden är äldre än så.",
        "en": "No cases are older than that.",
    },
    "bad_age": {
        "sv": "ange en ålder som 5y, 18m eller 30d",
        "en": "give an age such as 5y, 18m or 30d",
    },
    "erase_ref_or_age": {
        "sv": "ange ett ärende eller --older-than",
        "en": "name a case or give --older-than",
    },
    "doctor_ok": {"sv": "Inga skadade filer.", "en": "No damaged files."},
    "doctor_damaged": {"sv": "Skadad: {name}", "en": "Damaged: {name}"},
    "doctor_restored": {
        "sv": "Återställd från föregående version: {name}. Den senaste ändringen i ärendet kan behöva "
        "göras om; den skadade filen ligger kvar i damaged/.",
        "en": "Restored from the previous generation: {name}. The latest change to the case may need "
        "to be made again; the damaged file is kept in damaged/.",
    },
    "doctor_lost": {
        "sv": "Kan inte återställas: {name} (ingen läsbar föregående version; filen lämnas orörd)",
        "en": "Cannot be restored: {name} (no readable previous generation; the file is left as it is)",
    },
    "training_restored": {
        "sv": "Övningsmiljön är återställd: {n} uppföljningar i {path}",
        "en": "The training workspace is restored: {n} follow-ups in {path}",
    },
    "training_not_training": {
        "sv": "{path} är ingen övningsmiljö; den lämnades orörd",
        "en": "{path} is not a training workspace; it was left as it is",
    },
    "training_not_empty": {
        "sv": "{path} är inte tom och ingen övningsmiljö; den lämnades orörd",
        "en": "{path} is not empty and not a training workspace; it was left as it is",
    },
    "training_exists": {
        "sv": "det finns redan en övningsmiljö i {path}",
        "en": "there is already a training workspace in {path}",
    },
    "training_unknown_entry": {
        "sv": "{detail} i {path} hör inte till övningsmiljön; flytta undan den först (inget raderades)",
        "en": "{detail} in {path} is not part of the training workspace; move it away first "
        "(nothing was deleted)",
    },
    "training_open": {
        "sv": "övningsmiljön {path} är öppen i ett annat program ({detail}); stäng den där först "
        "(inget raderades)",
        "en": "the training workspace {path} is open in another program ({detail}); close it there "
        "first (nothing was deleted)",
    },
    "training_file": {
        "sv": "filen kommer från övningsmiljön (training: true) och tas inte in i en riktig arbetsyta",
        "en": "the file comes from the training workspace (training: true) and is not taken into a "
        "real workspace",
    },
    "case_rolled_back": {
        "sv": "Ärende {case}: filen är äldre än den senast kända versionen ({have} < {known}); den har "
        "återställts utanför programmet och ändras inte förrän den reparerats",
        "en": "Case {case}: the file is older than its latest known generation ({have} < {known}); it "
        "was rolled back outside the program and is not changed until it is repaired",
    },
    "case_missing": {
        "sv": "Ärende {case}: filen saknas fast ärendet inte har raderats (version {known}); den har "
        "tagits bort utanför programmet",
        "en": "Case {case}: the file is missing although the case was never erased (generation "
        "{known}); it was removed outside the program",
    },
    "doctor_refused": {
        "sv": "Återställs inte: {name} ({why}); en äldre version kunde ta bort en signering eller "
        "rättelse, så filen lämnas orörd",
        "en": "Not restored: {name} ({why}); an older generation could remove a signature or a "
        "correction, so the file is left as it is",
    },
    "damaged_skipped": {
        "sv": "{name} är skadad och hoppades över (den lämnas orörd; kör 'uppfoljning doctor')",
        "en": "{name} is damaged and was skipped (it is left untouched; run 'uppfoljning doctor')",
    },
    "compare_needs_period": {
        "sv": "--compare-previous: ange perioden med både --from och --to (den föregående perioden är "
        "lika lång)",
        "en": "--compare-previous: give the period with both --from and --to (the previous period is "
        "as long)",
    },
    "form_installed": {
        "sv": "formuläret {id} version {version} är installerat ({n} frågor)",
        "en": "form {id} version {version} is installed ({n} questions)",
    },
    "form_already_installed": {
        "sv": "formuläret {id} version {version} är redan installerat med samma innehåll; inget ändrades",
        "en": "form {id} version {version} is already installed with the same content; nothing changed",
    },
    "form_nothing_installed": {
        "sv": "inget formulär installerades",
        "en": "no form was installed",
    },
    "form_version_taken": {
        "sv": "formuläret {id} version {version} är redan installerat med annat innehåll; en installerad "
        "version ändras aldrig – ge det ändrade formuläret ett nytt versionsnummer",
        "en": "form {id} version {version} is already installed with other content; an installed "
        "version never changes – give the changed form a new version number",
    },
    "form_diff_part": {
        "sv": "skiljer sig: {part}",
        "en": "differs: {part}",
    },
    "form_diff_sections": {
        "sv": "skiljer sig: avsnitten eller deras ordning",
        "en": "differs: the sections or their order",
    },
    "form_diff_section": {
        "sv": "skiljer sig: avsnittet {section}",
        "en": "differs: section {section}",
    },
    "form_diff_added": {
        "sv": "ny fråga: «{label}» ({id})",
        "en": "new question: «{label}» ({id})",
    },
    "form_diff_removed": {
        "sv": "borttagen fråga: «{label}» ({id})",
        "en": "removed question: «{label}» ({id})",
    },
    "form_diff_changed": {
        "sv": "ändrad fråga: «{label}» ({id}): {what}",
        "en": "changed question: «{label}» ({id}): {what}",
    },
    "form_diff_order": {
        "sv": "skiljer sig: frågornas ordning",
        "en": "differs: the order of the questions",
    },
    "form_diff_other": {
        "sv": "skiljer sig i övrigt innehåll",
        "en": "differs in other content",
    },
    "form_compat_type": {
        "sv": "«{label}» ({id}) är {was} i version {old} men {now} i version {new}; en fråga byter aldrig "
        "typ – ge den nya frågan ett nytt id",
        "en": "«{label}» ({id}) is {was} in version {old} but {now} in version {new}; a question never "
        "changes type – give the new question a new id",
    },
    "form_compat_scope": {
        "sv": "«{label}» ({id}) ställs per mål i den ena versionen ({old}/{new}) men en gång i den andra; "
        "ge den flyttade frågan ett nytt id",
        "en": "«{label}» ({id}) is asked per goal in one version ({old}/{new}) but once in the other; "
        "give the moved question a new id",
    },
    "form_compat_code": {
        "sv": "«{label}» ({id}): koden {code} har i version {new} den betydelse koden {other} hade i "
        "version {old}; en kod byter aldrig betydelse",
        "en": "«{label}» ({id}): code {code} carries in version {new} the meaning code {other} had in "
        "version {old}; a code never changes meaning",
    },
    "form_compat_exclusive": {
        "sv": "«{label}» ({id}): koden {code} är ensamstående i den ena versionen ({old}/{new}) men inte "
        "i den andra",
        "en": "«{label}» ({id}): code {code} stands alone in one version ({old}/{new}) but not in the "
        "other",
    },
    "form_unknown": {
        "sv": "formuläret {id}{version} är inte installerat (se 'uppfoljning forms list')",
        "en": "form {id}{version} is not installed (see 'uppfoljning forms list')",
    },
    "form_default_set": {
        "sv": "nya uppföljningar görs nu med formuläret {id} (version {version})",
        "en": "new follow-ups are now made with form {id} (version {version})",
    },
    "form_default_mark": {"sv": "standardval", "en": "default"},
    "form_per_goal": {"sv": "per mål", "en": "per goal"},
    "form_when": {"sv": "när", "en": "when"},
    "form_xlsx_needs_file": {
        "sv": "--format xlsform: ange filen med -o FIL",
        "en": "--format xlsform: name the file with -o FILE",
    },
}


def t(key: str, lang: str, **kwargs: Any) -> str:
    entry = CLI[key]
    return entry.get(lang, entry["sv"]).format(**kwargs)
