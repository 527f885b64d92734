-- 0008: review knows every form, and a supervisor may bring a signed record into a unit that
-- requires review.
--
-- Until now review_submit checked the standard form's unconditional required questions (the table
-- required_questions) whatever form a follow-up was made with, so a follow-up of an installed form
-- could never be submitted. Now the server reads the follow-up's own form (an installed one from the
-- forms table, a shipped one from bundled_forms, written by db init/upgrade) and replays it as the
-- program's interview engine does: sections in order, per-goal sections once per goal of the
-- follow-up's plan, `when` and `required` conditions evaluated over the answers that are visible (an
-- answer to a question that is not asked does not count). The program checks the same rules before it
-- asks (casework/review.py), so the two agree; the test suite compares them on random answers.

-- The shipped forms (standard-uppfoljning v1, v2, ...) as their canonical JSON, refreshed by every
-- db init/upgrade from the package; the owner writes it, every application role may read it.
CREATE TABLE IF NOT EXISTS bundled_forms (
    id text NOT NULL,
    version integer NOT NULL,
    content jsonb NOT NULL,
    PRIMARY KEY (id, version)
);
REVOKE ALL ON bundled_forms FROM PUBLIC;
GRANT SELECT ON bundled_forms
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;

-- Two answers equal as the program's conditions compare them (Python's ==: true equals 1).
CREATE OR REPLACE FUNCTION form_json_eq(a jsonb, b jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE
    SET search_path = uppfoljning, pg_temp AS $$
    SELECT CASE
        WHEN a IS NULL OR b IS NULL THEN false
        WHEN jsonb_typeof(a) = jsonb_typeof(b) THEN a = b
        WHEN jsonb_typeof(a) = 'boolean' AND jsonb_typeof(b) = 'number'
            THEN (CASE WHEN a = 'true' THEN 1 ELSE 0 END) = (b #>> '{}')::numeric
        WHEN jsonb_typeof(a) = 'number' AND jsonb_typeof(b) = 'boolean'
            THEN (CASE WHEN b = 'true' THEN 1 ELSE 0 END) = (a #>> '{}')::numeric
        ELSE false END
$$;

-- forms.conditions._equals: an unanswered question equals nothing; a multi answer equals each code
-- it holds.
CREATE OR REPLACE FUNCTION form_answer_eq(v jsonb, expected jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE
    SET search_path = uppfoljning, pg_temp AS $$
    SELECT CASE
        WHEN v IS NULL OR jsonb_typeof(v) = 'null' THEN false
        WHEN jsonb_typeof(v) = 'array'
            THEN EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE form_json_eq(e, expected))
        ELSE form_json_eq(v, expected) END
$$;

-- forms.conditions.evaluate over the visible answers: `top` the top-level ones, `goal` the current
-- goal's, `per_goal` the ids of per-goal questions (read from `goal`), `scaled` whether the current
-- goal has a scale (NULL outside a per-goal section). A condition it does not know is an error: the
-- server never guesses a form complete.
CREATE OR REPLACE FUNCTION form_condition(c jsonb, top jsonb, goal jsonb, per_goal text[], scaled boolean)
    RETURNS boolean LANGUAGE plpgsql IMMUTABLE SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    arg jsonb;
    v jsonb;
    n numeric;
    limit_ numeric;
BEGIN
    IF c IS NULL OR jsonb_typeof(c) = 'null' THEN
        RETURN true;
    END IF;
    IF jsonb_typeof(c) <> 'object' THEN
        RAISE EXCEPTION 'a form condition is an object, not %', jsonb_typeof(c) USING ERRCODE = 'P0001';
    END IF;
    IF c ? 'equals' THEN
        arg := c -> 'equals';
        v := CASE WHEN arg ->> 'question' = ANY (per_goal) THEN goal ELSE top END -> (arg ->> 'question');
        RETURN form_answer_eq(v, arg -> 'value');
    ELSIF c ? 'in' THEN
        arg := c -> 'in';
        v := CASE WHEN arg ->> 'question' = ANY (per_goal) THEN goal ELSE top END -> (arg ->> 'question');
        RETURN EXISTS (SELECT 1 FROM jsonb_array_elements(arg -> 'values') e WHERE form_answer_eq(v, e));
    ELSIF c ? 'not' THEN
        RETURN NOT form_condition(c -> 'not', top, goal, per_goal, scaled);
    ELSIF c ? 'all' THEN
        RETURN coalesce((SELECT bool_and(form_condition(e, top, goal, per_goal, scaled))
                         FROM jsonb_array_elements(c -> 'all') e), true);
    ELSIF c ? 'any' THEN
        RETURN coalesce((SELECT bool_or(form_condition(e, top, goal, per_goal, scaled))
                         FROM jsonb_array_elements(c -> 'any') e), false);
    ELSIF c ? 'answered' THEN
        v := CASE WHEN c ->> 'answered' = ANY (per_goal) THEN goal ELSE top END -> (c ->> 'answered');
        RETURN v IS NOT NULL AND v NOT IN ('null', '[]', '""');
    ELSIF c ? 'goal_scaled' THEN
        RETURN coalesce(scaled, false) = (c ->> 'goal_scaled')::boolean;
    ELSIF c ? 'compare' THEN
        arg := c -> 'compare';
        v := CASE WHEN arg ->> 'question' = ANY (per_goal) THEN goal ELSE top END -> (arg ->> 'question');
        IF v IS NULL OR jsonb_typeof(v) <> 'number' THEN
            RETURN false;  -- unanswered (or not a number): no comparison holds, "!=" included
        END IF;
        n := (v #>> '{}')::numeric;
        limit_ := (arg #>> '{value}')::numeric;
        RETURN CASE arg ->> 'op'
            WHEN '=' THEN n = limit_ WHEN '!=' THEN n <> limit_ WHEN '<' THEN n < limit_
            WHEN '<=' THEN n <= limit_ WHEN '>' THEN n > limit_ WHEN '>=' THEN n >= limit_ END;
    END IF;
    RAISE EXCEPTION 'unknown form condition %', left(c::text, 80) USING ERRCODE = 'P0001';
END $$;

-- interview.engine.Interview.missing_required: the required questions a follow-up (its data) has not
-- answered under its form (the form's canonical JSON), in the order the form asks them, with their
-- labels. A per-goal question is keyed goals.<goal id>.<question id>, as the program keys it.
CREATE OR REPLACE FUNCTION followup_missing(data jsonb, form jsonb)
    RETURNS TABLE (key text, label_sv text, label_en text)
    LANGUAGE plpgsql STABLE SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    per_goal text[];
    visible jsonb := '{}';
    goal_visible jsonb := '{}';
    goal_list jsonb;
    sec jsonb;
    q jsonb;
    g jsonb;
    qid text;
    gid text;
    answers jsonb := coalesce(data -> 'answers', '{}');
    ctx_goal jsonb;
    scaled boolean;
    applicable boolean;
    required boolean;
    present boolean;
    v jsonb;
BEGIN
    SELECT coalesce(array_agg(x ->> 'id'), '{}') INTO per_goal
    FROM jsonb_array_elements(form -> 'sections') s, jsonb_array_elements(s -> 'questions') x
    WHERE coalesce((s ->> 'per_goal')::boolean, false);
    -- Goals in the order the program follows them up: each goal, then its sub-goals (depth first).
    WITH RECURSIVE plan_goals AS (
        SELECT e AS goal, o AS ord FROM jsonb_array_elements(coalesce(data -> 'plan' -> 'goals', '[]'))
            WITH ORDINALITY AS t(e, o)
    ), walk AS (
        SELECT p.goal, ARRAY[p.ord] AS path FROM plan_goals p WHERE p.goal ->> 'parent' IS NULL
        UNION ALL
        SELECT c.goal, w.path || c.ord FROM plan_goals c JOIN walk w ON c.goal ->> 'parent' = w.goal ->> 'id'
        WHERE cardinality(w.path) < 100
    )
    SELECT coalesce(jsonb_agg(w.goal ORDER BY w.path), '[]') INTO goal_list FROM walk w;
    FOR sec IN SELECT e FROM jsonb_array_elements(form -> 'sections') WITH ORDINALITY AS t(e, o) ORDER BY o LOOP
        IF coalesce((sec ->> 'per_goal')::boolean, false) THEN
            FOR g IN SELECT e FROM jsonb_array_elements(goal_list) WITH ORDINALITY AS t(e, o) ORDER BY o LOOP
                gid := g ->> 'id';
                scaled := coalesce(g ->> 'scale', 'none') <> 'none';
                FOR q IN SELECT e FROM jsonb_array_elements(sec -> 'questions') WITH ORDINALITY AS t(e, o)
                         ORDER BY o LOOP
                    qid := q ->> 'id';
                    ctx_goal := coalesce(goal_visible -> gid, '{}');
                    applicable := form_condition(q -> 'when', visible, ctx_goal, per_goal, scaled);
                    required := applicable AND CASE WHEN jsonb_typeof(q -> 'required') = 'object'
                        THEN form_condition(q -> 'required', visible, ctx_goal, per_goal, scaled)
                        ELSE coalesce((q ->> 'required')::boolean, false) END;
                    present := coalesce(data -> 'goals' -> gid ? qid, false);
                    v := data -> 'goals' -> gid -> qid;
                    IF required AND (v IS NULL OR v IN ('null', '""', '[]')) THEN
                        key := 'goals.' || gid || '.' || qid;
                        label_sv := q -> 'label' ->> 'sv';
                        label_en := q -> 'label' ->> 'en';
                        RETURN NEXT;
                    END IF;
                    IF applicable AND present THEN
                        goal_visible := jsonb_set(goal_visible, ARRAY[gid],
                                                  ctx_goal || jsonb_build_object(qid, v));
                    END IF;
                END LOOP;
            END LOOP;
        ELSE
            FOR q IN SELECT e FROM jsonb_array_elements(sec -> 'questions') WITH ORDINALITY AS t(e, o)
                     ORDER BY o LOOP
                qid := q ->> 'id';
                applicable := form_condition(q -> 'when', visible, '{}', per_goal, NULL);
                required := applicable AND CASE WHEN jsonb_typeof(q -> 'required') = 'object'
                    THEN form_condition(q -> 'required', visible, '{}', per_goal, NULL)
                    ELSE coalesce((q ->> 'required')::boolean, false) END;
                v := answers -> qid;
                IF required AND (v IS NULL OR v IN ('null', '""', '[]')) THEN
                    key := qid;
                    label_sv := q -> 'label' ->> 'sv';
                    label_en := q -> 'label' ->> 'en';
                    RETURN NEXT;
                END IF;
                IF applicable AND answers ? qid THEN
                    visible := visible || jsonb_build_object(qid, v);
                END IF;
            END LOOP;
        END IF;
    END LOOP;
END $$;

-- A caseworker or supervisor of the unit submits a draft (or a returned one) that is complete under
-- its own form, on the version they saw (NULL: whatever is stored).
CREATE OR REPLACE FUNCTION review_submit(fid text, expected integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t record := review_target(fid);
    f followups := t.f;
    form_content jsonb;
    keys text[];
    named text[];
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
    SELECT x.content INTO form_content FROM forms x
    WHERE x.id = f.data ->> 'form' AND x.version = (f.data ->> 'form_version')::integer;
    IF form_content IS NULL THEN
        SELECT b.content INTO form_content FROM bundled_forms b
        WHERE b.id = f.data ->> 'form' AND b.version = (f.data ->> 'form_version')::integer;
    END IF;
    IF form_content IS NULL THEN  -- nothing to check it against: never taken as complete
        RAISE EXCEPTION 'follow-up % is of form % version %, which the database does not have', fid,
            f.data ->> 'form', f.data ->> 'form_version'
            USING ERRCODE = 'P0001', HINT = 'review_form_unknown:' || coalesce(f.data ->> 'form', '');
    END IF;
    SELECT array_agg(m.key), array_agg(format('"%s" (%s)', m.label_sv, m.key))
    INTO keys, named FROM followup_missing(f.data, form_content) m;
    IF keys IS NOT NULL THEN
        RAISE EXCEPTION 'follow-up % is not complete: unanswered %', fid, array_to_string(named, ', ')
            USING ERRCODE = 'P0001', HINT = 'review_incomplete:' || array_to_string(keys, ',');
    END IF;
    UPDATE followups SET review_state = 'submitted', submitted_by = session_user,
        submitted_at = clock_timestamp(), submitted_version = version, approved_by = NULL, approved_at = NULL
    WHERE id = fid;
    PERFORM review_log(f, 'review_submit', jsonb_build_object('version', f.version));
    RETURN f.version;
END $$;

-- A signed follow-up brought into a unit that requires review (a case file signed elsewhere, a
-- workspace moved in): the supervisors of the unit take it in, nobody else. Refusing it would leave a
-- signed record outside the file it belongs to; taking it from anyone would let a caseworker pass a
-- signature by the review. Everything else as in 0005.
CREATE OR REPLACE FUNCTION review_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    approver text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'final' AND review_required_in(NEW.unit) AND NOT EXISTS (
                SELECT 1 FROM staff s WHERE s.login = session_user AND s.role = 'supervisor'
                AND NEW.unit = ANY (s.units)) THEN
            RAISE EXCEPTION 'review required: unit % takes a signed follow-up only from a supervisor of '
                            'the unit', NEW.unit USING ERRCODE = 'P0001', HINT = 'review_signed_import';
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

REVOKE ALL ON FUNCTION form_json_eq(jsonb, jsonb), form_answer_eq(jsonb, jsonb),
    form_condition(jsonb, jsonb, jsonb, text[], boolean), followup_missing(jsonb, jsonb),
    review_submit(text, integer), review_guard() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review_submit(text, integer) TO uppfoljning_caseworker, uppfoljning_supervisor;
