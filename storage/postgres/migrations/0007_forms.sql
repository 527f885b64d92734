-- 0007: the forms the organisation installs, shared by every workspace of the database. A version is
-- immutable once inserted (no UPDATE, DELETE or TRUNCATE, whoever asks, the owner included), as the
-- audit table is. Forms hold questions, never personal data: every application role reads them.
-- Admins and supervisors install (a supervisor leads a unit and decides what it follows up);
-- caseworkers and analysts do not.

CREATE TABLE forms (
    id text NOT NULL CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
    version integer NOT NULL CHECK (version BETWEEN 1 AND 999),
    -- the form in the product's form format (canonical JSON), no larger than a workspace reads one
    content jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object' AND octet_length(content::text) <= 4000000),
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),  -- sha256 of the canonical JSON
    installed_by name NOT NULL DEFAULT session_user,
    installed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);

-- Who installed and when are the server's to say: a client cannot name another installer.
CREATE FUNCTION forms_stamp() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    NEW.installed_by := session_user;
    NEW.installed_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER forms_stamp BEFORE INSERT ON forms FOR EACH ROW EXECUTE FUNCTION forms_stamp();

CREATE FUNCTION forms_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an installed form version is immutable (% refused)', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER forms_no_change BEFORE UPDATE OR DELETE ON forms FOR EACH ROW EXECUTE FUNCTION forms_refuse();
CREATE TRIGGER forms_no_truncate BEFORE TRUNCATE ON forms FOR EACH STATEMENT EXECUTE FUNCTION forms_refuse();

REVOKE ALL ON forms FROM PUBLIC;
REVOKE ALL ON FUNCTION forms_stamp(), forms_refuse() FROM PUBLIC;
GRANT SELECT ON forms
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT INSERT (id, version, content, fingerprint) ON forms TO uppfoljning_admin, uppfoljning_supervisor;

-- The database's default form (settings row 'default_form'): settings are written by admins only.

-- --- follow-ups of an installed form in the report's coded tables ----------------------------------
-- The coded tables (0002, 0006) hold the shipped standard form's answers, keyed by its version only:
-- a follow-up of another form there would be counted, and ranked as a client's latest, in the
-- standard form's report. Such follow-ups get no coded rows (their own form's report compiles them
-- from their stored answers), whether inserted, changed into one, or met by a recount.

DROP TRIGGER followups_codes ON followups;
CREATE TRIGGER followups_codes AFTER INSERT OR UPDATE ON followups FOR EACH ROW
    WHEN (coalesce(NEW.data ->> 'form', 'standard-uppfoljning') = 'standard-uppfoljning')
    EXECUTE FUNCTION followup_codes_sync();

CREATE FUNCTION followup_codes_drop() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1970303079, hashtext(NEW.case_id));  -- the case's lock, as 0006
    DELETE FROM goal_codes WHERE followup_id = NEW.id;
    DELETE FROM followup_codes WHERE followup_id = NEW.id;
    PERFORM place_followups(NEW.case_id);
    RETURN NULL;
END $$;
CREATE TRIGGER followups_codes_other AFTER UPDATE ON followups FOR EACH ROW
    WHEN (coalesce(OLD.data ->> 'form', 'standard-uppfoljning') = 'standard-uppfoljning'
          AND coalesce(NEW.data ->> 'form', 'standard-uppfoljning') <> 'standard-uppfoljning')
    EXECUTE FUNCTION followup_codes_drop();

ALTER FUNCTION rebuild_report_codes() RENAME TO rebuild_every_followup_codes;
CREATE FUNCTION rebuild_report_codes() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    done bigint;
    gone bigint;
    other text;
BEGIN
    done := rebuild_every_followup_codes();  -- holds followups in SHARE mode to commit
    DELETE FROM goal_codes g USING followups f
    WHERE f.id = g.followup_id AND coalesce(f.data ->> 'form', 'standard-uppfoljning') <> 'standard-uppfoljning';
    DELETE FROM followup_codes r USING followups f
    WHERE f.id = r.followup_id AND coalesce(f.data ->> 'form', 'standard-uppfoljning') <> 'standard-uppfoljning';
    GET DIAGNOSTICS gone = ROW_COUNT;
    FOR other IN SELECT DISTINCT case_id FROM followups
                 WHERE coalesce(data ->> 'form', 'standard-uppfoljning') <> 'standard-uppfoljning' LOOP
        PERFORM place_followups(other);
    END LOOP;
    RETURN done - gone;
END $$;
REVOKE ALL ON FUNCTION followup_codes_drop(), rebuild_report_codes(), rebuild_every_followup_codes() FROM PUBLIC;
