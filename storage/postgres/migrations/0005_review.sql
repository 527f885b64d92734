-- 0005: supervisor review, assigned caseworkers and training units. The review state of a follow-up
-- (draft -> submitted -> returned/approved -> signed) is kept by the server: the review columns are
-- written only by the SECURITY DEFINER functions below (application roles have no UPDATE privilege on
-- them), and a trigger checks every change of a follow-up whoever makes it.

ALTER TABLE units
    ADD COLUMN review_required boolean NOT NULL DEFAULT false,
    ADD COLUMN training boolean NOT NULL DEFAULT false;

-- Questions every complete draft has answered (required and always asked; written by db init/upgrade
-- from the bundled form). The program checks the whole form; the server checks these at submission.
CREATE TABLE required_questions (key text PRIMARY KEY);

-- --- the caseworker a case is assigned to ---------------------------------------------------------

ALTER TABLE cases ADD COLUMN assigned_to name;
CREATE INDEX cases_assigned ON cases (unit, assigned_to);
-- Cases stored before this migration: whoever created them (their chain's first entry).
UPDATE cases c SET assigned_to = a.actor
FROM audit a
WHERE a.chain = c.id AND a.seq = 1 AND EXISTS (SELECT 1 FROM staff s WHERE s.login = a.actor);

-- A new case is assigned to the login that stores it (when it works in a unit); only reassign_case
-- changes it later (application roles may not UPDATE the column).
CREATE FUNCTION case_assign() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    NEW.assigned_to := CASE WHEN EXISTS (SELECT 1 FROM staff s WHERE s.login = session_user
                                         AND s.role IN ('caseworker', 'supervisor'))
                            THEN session_user END;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_assign BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_assign();

-- --- review state on follow-ups ------------------------------------------------------------------

ALTER TABLE followups
    ADD COLUMN review_state text NOT NULL DEFAULT 'draft'
        CHECK (review_state IN ('draft', 'submitted', 'returned', 'approved', 'signed')),
    ADD COLUMN submitted_by name,
    ADD COLUMN submitted_at timestamptz,
    ADD COLUMN submitted_version integer,
    ADD COLUMN returned_by name,
    ADD COLUMN returned_at timestamptz,
    ADD COLUMN approved_by name,
    ADD COLUMN approved_at timestamptz;
UPDATE followups SET review_state = 'signed' WHERE status = 'final';
ALTER TABLE followups
    ADD CONSTRAINT review_signed CHECK ((status = 'final') = (review_state = 'signed')),
    ADD CONSTRAINT review_approved CHECK (review_state <> 'approved'
        OR (approved_by IS NOT NULL AND approved_at IS NOT NULL));
CREATE INDEX followups_review ON followups (unit, review_state) WHERE review_state <> 'signed';

CREATE FUNCTION review_required_in(u text) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = uppfoljning, pg_temp
    AS $$ SELECT coalesce((SELECT review_required FROM uppfoljning.units WHERE code = u), false) $$;

-- Every insert and update of a follow-up, by anyone: the review graph holds, signing in a unit that
-- requires review needs an approved follow-up, and a changed follow-up is no longer submitted or
-- approved (what was approved is exactly what is signed).
CREATE FUNCTION review_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    approver text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'final' AND review_required_in(NEW.unit) THEN
            RAISE EXCEPTION 'review required: unit % takes no signed follow-up that was not approved '
                            'there', NEW.unit USING ERRCODE = 'P0001', HINT = 'review_not_approved';
        END IF;
        NEW.review_state := CASE WHEN NEW.status = 'final' THEN 'signed' ELSE 'draft' END;
        NEW.submitted_by := NULL; NEW.submitted_at := NULL; NEW.submitted_version := NULL;
        NEW.returned_by := NULL; NEW.returned_at := NULL;
        NEW.approved_by := NULL; NEW.approved_at := NULL;
        RETURN NEW;
    END IF;
    IF OLD.status = 'final' THEN
        RETURN NEW;  -- final_is_final keeps it as it is; review columns cannot change (privileges)
    END IF;
    IF NEW.status = 'final' THEN  -- signing
        IF OLD.review_state <> 'approved' AND review_required_in(OLD.unit) THEN
            RAISE EXCEPTION 'review required: follow-up % is %, not approved', OLD.id, OLD.review_state
                USING ERRCODE = 'P0001', HINT = 'review_not_approved';
        END IF;
        IF OLD.review_state = 'approved' THEN
            IF OLD.version <> OLD.submitted_version THEN  -- belt and braces: edits reset the state
                RAISE EXCEPTION 'follow-up % changed after its approval', OLD.id USING ERRCODE = 'P0001';
            END IF;
            SELECT s.display_name INTO approver FROM staff s WHERE s.login = OLD.approved_by;
            -- The signed record names its approver as the server recorded it, not as a client says.
            NEW.data := NEW.data || jsonb_build_object('approval', jsonb_build_object(
                'by', coalesce(approver, OLD.approved_by::text), 'login', OLD.approved_by::text,
                'at', to_char(OLD.approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
        ELSE
            NEW.data := NEW.data - 'approval';
        END IF;
        NEW.review_state := 'signed';
        NEW.signed_login := session_user;
        RETURN NEW;
    END IF;
    IF NEW.review_state = OLD.review_state THEN
        -- An edit of a submitted or approved draft takes it back to a draft: it has to be submitted
        -- (and approved) again.
        IF OLD.review_state IN ('submitted', 'approved') THEN
            IF NEW.version <> OLD.version OR NEW.data IS DISTINCT FROM OLD.data
               OR NEW.answer_meta IS DISTINCT FROM OLD.answer_meta THEN
                NEW.review_state := 'draft';
                NEW.approved_by := NULL; NEW.approved_at := NULL;
            END IF;
        END IF;
        RETURN NEW;
    END IF;
    IF (OLD.review_state, NEW.review_state) NOT IN (('draft', 'submitted'), ('returned', 'submitted'),
            ('submitted', 'returned'), ('submitted', 'approved')) THEN
        RAISE EXCEPTION 'follow-up % cannot go from % to %', OLD.id, OLD.review_state, NEW.review_state
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER followups_review_insert BEFORE INSERT ON followups
    FOR EACH ROW EXECUTE FUNCTION review_guard();
-- A save to a plain draft (the common write, thousands a minute) is not this trigger's business: the
-- WHEN clause keeps it from even calling the function.
CREATE TRIGGER followups_review BEFORE UPDATE ON followups
    FOR EACH ROW WHEN (OLD.review_state IN ('submitted', 'approved') OR NEW.status <> OLD.status
                       OR NEW.review_state <> OLD.review_state)
    EXECUTE FUNCTION review_guard();

-- Application roles write follow-ups' content columns only: the review state, who submitted and
-- who approved are written by the functions below (as the owner), never by a client's UPDATE.
REVOKE UPDATE ON followups FROM uppfoljning_caseworker, uppfoljning_supervisor;
GRANT UPDATE (data, answer_meta, version, updated_at, status, finalized_at, finalized_by, signed_login)
    ON followups TO uppfoljning_caseworker, uppfoljning_supervisor;
REVOKE UPDATE ON cases FROM uppfoljning_caseworker, uppfoljning_supervisor;
GRANT UPDATE (data, case_ref, gender, born, birth_year, unit, updated_at)
    ON cases TO uppfoljning_caseworker, uppfoljning_supervisor;

-- --- review comments: working notes, kept and logged, never part of the record ------------------

CREATE TABLE review_comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    followup_id text NOT NULL,
    unit text NOT NULL,
    question text CHECK (question IS NULL OR length(question) BETWEEN 1 AND 200),  -- NULL: the whole
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    author name NOT NULL DEFAULT session_user,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (followup_id, unit) REFERENCES followups (id, unit) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX review_comments_followup ON review_comments (followup_id, id);

-- Who and when come from the server; a comment on a signed follow-up is refused (the review is over).
CREATE FUNCTION review_comment_stamp() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    fu record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.body = OLD.body AND NEW.author = OLD.author AND NEW.at = OLD.at
           AND NEW.question IS NOT DISTINCT FROM OLD.question THEN
            RETURN NEW;  -- the unit follows its case (a cascade)
        END IF;
        RAISE EXCEPTION 'review comments are never changed' USING ERRCODE = '42501';
    END IF;
    NEW.author := session_user;
    NEW.at := clock_timestamp();
    SELECT f.status, f.case_id INTO fu FROM followups f WHERE f.id = NEW.followup_id;
    IF fu.status = 'final' THEN
        RAISE EXCEPTION 'follow-up % is signed: its review is over', NEW.followup_id
            USING ERRCODE = 'P0001', HINT = 'review_signed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER review_comments_stamp BEFORE INSERT OR UPDATE ON review_comments
    FOR EACH ROW EXECUTE FUNCTION review_comment_stamp();

-- Every comment is in the audit chain of its case (its id and question, never its text).
CREATE FUNCTION review_comment_logged() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    INSERT INTO audit (case_id, followup_id, action, detail)
    SELECT f.case_id, NEW.followup_id, 'review_comment',
           jsonb_build_object('comment', NEW.id, 'question', NEW.question)
    FROM followups f WHERE f.id = NEW.followup_id;
    RETURN NULL;
END $$;
CREATE TRIGGER review_comments_logged AFTER INSERT ON review_comments
    FOR EACH ROW EXECUTE FUNCTION review_comment_logged();

ALTER TABLE review_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_comments FORCE ROW LEVEL SECURITY;
CREATE POLICY unit_read ON review_comments FOR SELECT TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY unit_insert ON review_comments FOR INSERT TO uppfoljning_caseworker, uppfoljning_supervisor
    WITH CHECK (unit = ANY ((SELECT my_units())::text[]) AND author = session_user);
CREATE POLICY definer ON review_comments TO uppfoljning_owner USING (true) WITH CHECK (true);
REVOKE ALL ON review_comments FROM PUBLIC;
-- Append-only by privilege: no UPDATE, DELETE or TRUNCATE for anyone but the owner (whose cascades
-- remove a case's comments with the case when it is erased).
GRANT SELECT, INSERT ON review_comments TO uppfoljning_caseworker, uppfoljning_supervisor;

-- --- the transitions ---------------------------------------------------------------------------

-- The caller's role, and the follow-up locked, if the caller works in its unit (else an error).
CREATE FUNCTION review_target(fid text, OUT f followups, OUT role text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    SELECT s.role INTO role FROM staff s WHERE s.login = session_user;
    SELECT * INTO f FROM followups x WHERE x.id = fid AND x.unit = ANY (my_units()) FOR UPDATE;
    IF f.id IS NULL THEN
        RAISE EXCEPTION 'no follow-up with id %', fid USING ERRCODE = 'P0002', HINT = 'review_no_followup';
    END IF;
END $$;

CREATE FUNCTION review_refuse(f followups, wanted text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'follow-up % is %: it cannot be %', f.id, f.review_state, wanted
        USING ERRCODE = 'P0001', HINT = 'review_state:' || f.review_state;
END $$;

CREATE FUNCTION review_log(f followups, act text, detail jsonb) RETURNS void LANGUAGE sql
    SET search_path = uppfoljning, pg_temp AS $$
    INSERT INTO uppfoljning.audit (case_id, followup_id, action, detail) VALUES (f.case_id, f.id, act, detail)
$$;

-- A caseworker or supervisor of the unit submits a draft (or a returned one) that is complete, on
-- the version they saw (NULL: whatever is stored).
CREATE FUNCTION review_submit(fid text, expected integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t record := review_target(fid);
    f followups := t.f;
    missing text[];
BEGIN
    IF t.role NOT IN ('caseworker', 'supervisor') THEN
        RAISE EXCEPTION 'only caseworkers and supervisors submit follow-ups' USING ERRCODE = '42501';
    END IF;
    IF f.review_state NOT IN ('draft', 'returned') THEN
        PERFORM review_refuse(f, 'submitted');
    END IF;
    IF expected IS NOT NULL AND expected <> f.version THEN
        RAISE EXCEPTION 'follow-up % changed (version %, you saw %)', fid, f.version, expected
            USING ERRCODE = 'P0001', HINT = 'review_changed';
    END IF;
    SELECT array_agg(q.key ORDER BY q.key) INTO missing FROM required_questions q
    WHERE coalesce(f.data -> 'answers' -> q.key, 'null') IN ('null', '""', '[]');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'follow-up % is not complete: % unanswered', fid, array_to_string(missing, ', ')
            USING ERRCODE = 'P0001', HINT = 'review_incomplete:' || array_to_string(missing, ',');
    END IF;
    UPDATE followups SET review_state = 'submitted', submitted_by = session_user,
        submitted_at = clock_timestamp(), submitted_version = version, approved_by = NULL, approved_at = NULL
    WHERE id = fid;
    PERFORM review_log(f, 'review_submit', jsonb_build_object('version', f.version));
    RETURN f.version;
END $$;

-- A supervisor of the unit returns a submitted follow-up (once approved, an edit takes it back).
CREATE FUNCTION review_return(fid text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t record := review_target(fid);
    f followups := t.f;
BEGIN
    IF t.role IS DISTINCT FROM 'supervisor' THEN
        RAISE EXCEPTION 'only a supervisor of the unit returns follow-ups' USING ERRCODE = '42501',
            HINT = 'review_not_supervisor';
    END IF;
    IF f.review_state <> 'submitted' THEN
        PERFORM review_refuse(f, 'returned');
    END IF;
    UPDATE followups SET review_state = 'returned', returned_by = session_user,
        returned_at = clock_timestamp(), approved_by = NULL, approved_at = NULL
    WHERE id = fid;
    PERFORM review_log(f, 'review_return', jsonb_build_object('version', f.version));
END $$;

-- A supervisor of the unit approves exactly the version submitted (and, when named, the version they
-- read), never their own submission.
CREATE FUNCTION review_approve(fid text, expected integer DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t record := review_target(fid);
    f followups := t.f;
BEGIN
    IF t.role IS DISTINCT FROM 'supervisor' THEN
        RAISE EXCEPTION 'only a supervisor of the unit approves follow-ups' USING ERRCODE = '42501',
            HINT = 'review_not_supervisor';
    END IF;
    IF f.review_state <> 'submitted' THEN
        PERFORM review_refuse(f, 'approved');
    END IF;
    IF f.version <> f.submitted_version OR (expected IS NOT NULL AND expected <> f.version) THEN
        RAISE EXCEPTION 'follow-up % changed after it was submitted or read', fid
            USING ERRCODE = 'P0001', HINT = 'review_changed';
    END IF;
    IF f.submitted_by = session_user THEN
        RAISE EXCEPTION 'nobody approves their own submission' USING ERRCODE = '42501',
            HINT = 'review_own';
    END IF;
    UPDATE followups SET review_state = 'approved', approved_by = session_user,
        approved_at = clock_timestamp()
    WHERE id = fid;
    PERFORM review_log(f, 'review_approve', jsonb_build_object('version', f.version));
END $$;

-- Handover: the assigned caseworker or a supervisor of the unit gives the case to another caseworker
-- (or supervisor) of the same unit; logged with both logins.
CREATE FUNCTION reassign_case(cid text, to_login name) RETURNS name
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    c cases;
    me text;
BEGIN
    SELECT s.role INTO me FROM staff s WHERE s.login = session_user;
    SELECT * INTO c FROM cases x WHERE x.id = cid AND x.unit = ANY (my_units()) FOR UPDATE;
    IF c.id IS NULL THEN
        RAISE EXCEPTION 'no case with id %', cid USING ERRCODE = 'P0002', HINT = 'review_no_case';
    END IF;
    IF NOT (me = 'supervisor' OR (me = 'caseworker' AND c.assigned_to IS NOT DISTINCT FROM session_user)
            OR (me = 'caseworker' AND c.assigned_to IS NULL)) THEN
        RAISE EXCEPTION 'only the assigned caseworker or a supervisor hands a case over'
            USING ERRCODE = '42501', HINT = 'reassign_not_yours';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM staff s WHERE s.login = to_login AND c.unit = ANY (s.units)
                   AND s.role IN ('caseworker', 'supervisor')) THEN
        RAISE EXCEPTION '% is no caseworker of unit %', to_login, c.unit
            USING ERRCODE = 'P0001', HINT = 'reassign_not_staff';
    END IF;
    UPDATE cases SET assigned_to = to_login WHERE id = cid;
    INSERT INTO audit (case_id, action, detail)
        VALUES (cid, 'reassign', jsonb_build_object('from', c.assigned_to, 'to', to_login));
    RETURN c.assigned_to;
END $$;

REVOKE ALL ON FUNCTION review_target(text), review_refuse(followups, text), review_log(followups, text, jsonb),
    review_submit(text, integer), review_return(text), review_approve(text, integer),
    reassign_case(text, name), review_guard(), case_assign(), review_comment_stamp(),
    review_comment_logged(), review_required_in(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review_submit(text, integer), review_return(text), review_approve(text, integer),
    reassign_case(text, name), review_required_in(text)
    TO uppfoljning_caseworker, uppfoljning_supervisor;
GRANT SELECT ON required_questions
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
