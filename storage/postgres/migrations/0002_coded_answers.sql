-- 0002: the report's coded answers, kept beside each follow-up so the ISU compilation never unpacks
-- JSON per row. Maintained by a trigger in the same transaction as every insert, save, finalize and
-- import; row-level security as on the follow-ups; backfilled by the runner right after this file
-- (`refresh_report_codes`, once it knows the installed forms' codes).

-- The choice codes of every installed version of the standard form (written by db init/upgrade).
CREATE TABLE report_codes (
    form_version integer NOT NULL,
    question text NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (form_version, question, code)
);

-- Each counter's place in a tally: a (question, code) pair (form_version NULL), or "question answered
-- with a code of form version v" (code NULL). Append-only: a slot keeps its number for ever.
CREATE TABLE tally_slots (
    slot integer PRIMARY KEY CHECK (slot >= 0),
    form_version integer,
    question text NOT NULL,
    code text,
    CHECK ((form_version IS NULL) <> (code IS NULL)),
    UNIQUE NULLS NOT DISTINCT (form_version, question, code)
);

-- One row per follow-up: what the report selects on, and its coded answers as a tally, a vector of
-- counters packed 7 decimal digits a slot into one numeric (slot k holds how often pair k occurs in
-- the answers). sum(tally) over a group adds every counter at once: a report over a million
-- follow-ups sums a million numbers instead of unpacking twenty million answers. tally_max (the
-- largest counter) lets the report prove that no sum carried over into the next slot.
CREATE TABLE followup_codes (
    followup_id text PRIMARY KEY,
    unit text NOT NULL,
    case_id text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    meeting text,          -- answers.meeting_date as stored (the report compares it as text)
    caseworker text,       -- the follow-up's own caseworker ('' and NULL: the client's)
    plan_type text,
    form_version text NOT NULL DEFAULT '',
    tally numeric NOT NULL DEFAULT 0,
    tally_max integer NOT NULL DEFAULT 0,
    gas_n integer NOT NULL DEFAULT 0,  -- GAS goals with a level, and the T-score's three sums
    gas_swx float8,
    gas_sww float8,
    gas_sw float8,
    FOREIGN KEY (followup_id, unit) REFERENCES followups (id, unit) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX followup_codes_case ON followup_codes (case_id);

-- One row per goal of the follow-up's plan (n: its place in the plan, as the report orders them).
CREATE TABLE goal_codes (
    followup_id text NOT NULL,
    unit text NOT NULL,
    n integer NOT NULL,
    area text,
    scale text NOT NULL,
    attainment text,
    delta integer,  -- improvement in scale steps (icf and gas goals with a baseline and a level)
    PRIMARY KEY (followup_id, n),
    FOREIGN KEY (followup_id, unit) REFERENCES followups (id, unit) ON UPDATE CASCADE ON DELETE CASCADE
);

-- The client's fields the report reads, beside the case's JSON (kept by the server, never stale).
ALTER TABLE cases
    ADD COLUMN has_pnr boolean GENERATED ALWAYS AS
        (coalesce(data -> 'client' ->> 'personnummer', '') <> '') STORED,
    ADD COLUMN client_caseworker text GENERATED ALWAYS AS (data -> 'client' ->> 'caseworker') STORED;

-- Counted as the local report counts: only string elements can equal a code. PL/pgSQL, not SQL: its
-- plans are cached per session (a SQL function is planned again on every call, 0.6 ms a save).
CREATE FUNCTION tally_of(answers jsonb, OUT tally numeric, OUT tally_max integer)
    LANGUAGE plpgsql STABLE SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    WITH e AS (
        SELECT a.key AS question, x #>> '{}' AS code
        FROM jsonb_each(CASE WHEN jsonb_typeof(answers) = 'object' THEN answers ELSE '{}' END) a
        CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value
            WHEN 'null' THEN '[]' ELSE jsonb_build_array(a.value) END) x
        WHERE jsonb_typeof(x) = 'string'
    ), counters AS (
        SELECT s.slot, count(*)::integer AS n
        FROM e JOIN tally_slots s ON s.form_version IS NULL AND s.question = e.question AND s.code = e.code
        GROUP BY s.slot
        UNION ALL
        SELECT s.slot, 1 FROM tally_slots s
        WHERE s.code IS NULL AND EXISTS (SELECT 1 FROM e JOIN report_codes r ON r.question = e.question
                                         AND r.code = e.code
                                         WHERE r.form_version = s.form_version AND r.question = s.question)
    )
    SELECT trunc(coalesce(sum(c.n * power(10::numeric, 7 * c.slot)), 0)), coalesce(max(c.n), 0)
      INTO tally, tally_max FROM counters c;
END $$;

CREATE FUNCTION store_followup_codes(f followups, answers_changed boolean, goals_changed boolean)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t_sum numeric;
    t_max integer;
    g_n integer;
    g_swx float8;
    g_sww float8;
    g_sw float8;
BEGIN
    IF answers_changed THEN
        SELECT x.tally, x.tally_max INTO t_sum, t_max FROM tally_of(f.data -> 'answers') x;
    END IF;
    IF goals_changed THEN
        DELETE FROM goal_codes WHERE followup_id = f.id;
        INSERT INTO goal_codes (followup_id, unit, n, area, scale, attainment, delta)
        SELECT f.id, f.unit, x.n, x.area, x.scale, x.attainment,
               CASE WHEN x.scale IN ('icf', 'gas') AND x.baseline IS NOT NULL
                         AND jsonb_typeof(x.baseline) = 'number' AND jsonb_typeof(x.level) = 'number'
                    THEN ((x.level::text::numeric - x.baseline::text::numeric)
                          * CASE x.scale WHEN 'icf' THEN -1 ELSE 1 END)::integer END
        FROM (SELECT gl.n, gl.goal ->> 'life_area' AS area, coalesce(gl.goal ->> 'scale', 'none') AS scale,
                     gl.goal -> 'baseline' AS baseline,
                     nullif(f.data -> 'goals' -> (gl.goal ->> 'id') -> 'attainment', 'null') #>> '{}'
                         AS attainment,
                     nullif(f.data -> 'goals' -> (gl.goal ->> 'id') -> 'level', 'null') AS level
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.data -> 'plan' -> 'goals') = 'array'
                                             THEN f.data -> 'plan' -> 'goals' ELSE '[]' END)
                   WITH ORDINALITY AS gl(goal, n)) x
        WHERE x.attainment IS NOT NULL OR (x.scale IN ('icf', 'gas') AND x.baseline IS NOT NULL
                                           AND jsonb_typeof(x.baseline) = 'number'
                                           AND jsonb_typeof(x.level) = 'number');
        SELECT count(*)::integer, sum(w * level ORDER BY n), sum(w * w ORDER BY n),
               sum(w ORDER BY n) INTO g_n, g_swx, g_sww, g_sw
        FROM (SELECT gl.n, coalesce((gl.goal ->> 'weight')::float8, 1.0) AS w,
                     (f.data -> 'goals' -> (gl.goal ->> 'id') -> 'level')::text::float8 AS level
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.data -> 'plan' -> 'goals') = 'array'
                                             THEN f.data -> 'plan' -> 'goals' ELSE '[]' END)
                   WITH ORDINALITY AS gl(goal, n)
              WHERE coalesce(gl.goal ->> 'scale', 'none') = 'gas'
                AND jsonb_typeof(f.data -> 'goals' -> (gl.goal ->> 'id') -> 'level') = 'number') y;
    END IF;
    INSERT INTO followup_codes AS c (followup_id, unit, case_id, status, created_at, meeting, caseworker,
                                     plan_type, form_version, tally, tally_max, gas_n, gas_swx, gas_sww,
                                     gas_sw)
    VALUES (f.id, f.unit, f.case_id, f.status, f.created_at, f.data -> 'answers' ->> 'meeting_date',
            f.data ->> 'caseworker', f.data -> 'plan' ->> 'type', coalesce(f.data ->> 'form_version', ''),
            coalesce(t_sum, 0), coalesce(t_max, 0), coalesce(g_n, 0), g_swx, g_sww, g_sw)
    ON CONFLICT (followup_id) DO UPDATE SET
        status = EXCLUDED.status, created_at = EXCLUDED.created_at, meeting = EXCLUDED.meeting,
        caseworker = EXCLUDED.caseworker, plan_type = EXCLUDED.plan_type,
        form_version = EXCLUDED.form_version,
        tally = CASE WHEN answers_changed THEN EXCLUDED.tally ELSE c.tally END,
        tally_max = CASE WHEN answers_changed THEN EXCLUDED.tally_max ELSE c.tally_max END,
        gas_n = CASE WHEN goals_changed THEN EXCLUDED.gas_n ELSE c.gas_n END,
        gas_swx = CASE WHEN goals_changed THEN EXCLUDED.gas_swx ELSE c.gas_swx END,
        gas_sww = CASE WHEN goals_changed THEN EXCLUDED.gas_sww ELSE c.gas_sww END,
        gas_sw = CASE WHEN goals_changed THEN EXCLUDED.gas_sw ELSE c.gas_sw END;
END $$;

CREATE FUNCTION followup_codes_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    n jsonb := NEW.data;
    o jsonb;
    coded boolean;
    goals boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM store_followup_codes(NEW, true, true);
        RETURN NULL;
    END IF;
    o := OLD.data;
    IF n IS NOT DISTINCT FROM o AND NEW.status = OLD.status THEN
        RETURN NULL;  -- a unit move: the foreign keys carry it
    END IF;
    -- A save changes one answer. Free text, a goal's comment or an acknowledged hint change nothing
    -- the report reads: then nothing is written here, and a save costs what it cost before.
    coded := n -> 'answers' IS DISTINCT FROM o -> 'answers' AND EXISTS (
        SELECT 1 FROM tally_slots s
        WHERE n -> 'answers' -> s.question IS DISTINCT FROM o -> 'answers' -> s.question);
    goals := n -> 'plan' -> 'goals' IS DISTINCT FROM o -> 'plan' -> 'goals'
        OR (n -> 'goals' IS DISTINCT FROM o -> 'goals' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(n -> 'plan' -> 'goals') = 'array'
                                                    THEN n -> 'plan' -> 'goals' ELSE '[]' END) g
            WHERE n -> 'goals' -> (g ->> 'id') -> 'attainment'
                      IS DISTINCT FROM o -> 'goals' -> (g ->> 'id') -> 'attainment'
               OR n -> 'goals' -> (g ->> 'id') -> 'level' IS DISTINCT FROM o -> 'goals' -> (g ->> 'id') -> 'level'));
    IF coded OR goals OR NEW.status <> OLD.status OR NEW.created_at <> OLD.created_at
       OR n -> 'answers' -> 'meeting_date' IS DISTINCT FROM o -> 'answers' -> 'meeting_date'
       OR n -> 'caseworker' IS DISTINCT FROM o -> 'caseworker'
       OR n -> 'plan' -> 'type' IS DISTINCT FROM o -> 'plan' -> 'type'
       OR n -> 'form_version' IS DISTINCT FROM o -> 'form_version' THEN
        PERFORM store_followup_codes(NEW, coded, goals);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER followups_codes AFTER INSERT OR UPDATE ON followups
    FOR EACH ROW EXECUTE FUNCTION followup_codes_sync();

-- Every row again (the backfill, and after the installed forms' codes changed), set-based: one pass
-- per table rather than a function call per follow-up. Writers wait meanwhile, so none is missed.
-- It must count exactly as store_followup_codes does (tests compare the two).
CREATE FUNCTION rebuild_report_codes() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    done bigint;
BEGIN
    LOCK TABLE followups IN SHARE MODE;
    DELETE FROM goal_codes;
    DELETE FROM followup_codes;
    -- one INSERT per table, no UPDATE after it: a rewritten row would leave the table twice its size
    WITH e AS (
        SELECT f.id, a.key AS question, x #>> '{}' AS code
        FROM followups f
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(f.data -> 'answers') = 'object'
                                           THEN f.data -> 'answers' ELSE '{}' END) a
        CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value
            WHEN 'null' THEN '[]' ELSE jsonb_build_array(a.value) END) x
        WHERE jsonb_typeof(x) = 'string'
    ), counters AS (
        SELECT e.id, s.slot, count(*)::integer AS n
        FROM e JOIN tally_slots s ON s.form_version IS NULL AND s.question = e.question AND s.code = e.code
        GROUP BY e.id, s.slot
        UNION ALL
        SELECT DISTINCT e.id, s.slot, 1
        FROM e JOIN report_codes r ON r.question = e.question AND r.code = e.code
        JOIN tally_slots s ON s.code IS NULL AND s.form_version = r.form_version AND s.question = r.question
    ), tallies AS (
        SELECT id, trunc(sum(n * power(10::numeric, 7 * slot))) AS tally, max(n) AS tally_max
        FROM counters GROUP BY id
    ), gas AS (
        SELECT id, count(*)::integer AS n, sum(w * level ORDER BY n) AS swx, sum(w * w ORDER BY n) AS sww,
               sum(w ORDER BY n) AS sw
        FROM (SELECT f.id, gl.n, coalesce((gl.goal ->> 'weight')::float8, 1.0) AS w,
                     (f.data -> 'goals' -> (gl.goal ->> 'id') -> 'level')::text::float8 AS level
              FROM followups f
              CROSS JOIN LATERAL jsonb_array_elements(
                  CASE WHEN jsonb_typeof(f.data -> 'plan' -> 'goals') = 'array'
                       THEN f.data -> 'plan' -> 'goals' ELSE '[]' END) WITH ORDINALITY AS gl(goal, n)
              WHERE coalesce(gl.goal ->> 'scale', 'none') = 'gas'
                AND jsonb_typeof(f.data -> 'goals' -> (gl.goal ->> 'id') -> 'level') = 'number') y
        GROUP BY id
    )
    INSERT INTO followup_codes (followup_id, unit, case_id, status, created_at, meeting, caseworker,
                                plan_type, form_version, tally, tally_max, gas_n, gas_swx, gas_sww, gas_sw)
    SELECT f.id, f.unit, f.case_id, f.status, f.created_at, f.data -> 'answers' ->> 'meeting_date',
           f.data ->> 'caseworker', f.data -> 'plan' ->> 'type', coalesce(f.data ->> 'form_version', ''),
           coalesce(t.tally, 0), coalesce(t.tally_max, 0), coalesce(g.n, 0), g.swx, g.sww, g.sw
    FROM followups f LEFT JOIN tallies t ON t.id = f.id LEFT JOIN gas g ON g.id = f.id;
    GET DIAGNOSTICS done = ROW_COUNT;
    INSERT INTO goal_codes (followup_id, unit, n, area, scale, attainment, delta)
    SELECT x.id, x.unit, x.n, x.area, x.scale, x.attainment, x.delta
    FROM (SELECT g.id, g.unit, g.n, g.goal ->> 'life_area' AS area,
                 coalesce(g.goal ->> 'scale', 'none') AS scale,
                 nullif(g.answer -> 'attainment', 'null') #>> '{}' AS attainment,
                 CASE WHEN coalesce(g.goal ->> 'scale', 'none') IN ('icf', 'gas')
                           AND jsonb_typeof(g.goal -> 'baseline') = 'number'
                           AND jsonb_typeof(g.answer -> 'level') = 'number'
                      THEN (((g.answer -> 'level')::text::numeric - (g.goal -> 'baseline')::text::numeric)
                            * CASE g.goal ->> 'scale' WHEN 'icf' THEN -1 ELSE 1 END)::integer END AS delta
          FROM (SELECT f.id, f.unit, gl.n, gl.goal, f.data -> 'goals' -> (gl.goal ->> 'id') AS answer
                FROM followups f
                CROSS JOIN LATERAL jsonb_array_elements(
                    CASE WHEN jsonb_typeof(f.data -> 'plan' -> 'goals') = 'array'
                         THEN f.data -> 'plan' -> 'goals' ELSE '[]' END) WITH ORDINALITY AS gl(goal, n)) g) x
    WHERE x.attainment IS NOT NULL OR x.delta IS NOT NULL;
    RETURN done;
END $$;

-- The backfill: the runner calls rebuild_report_codes() right after this migration, in
-- refresh_report_codes, once it has loaded the installed forms' codes (one pass, not two).

ALTER TABLE followup_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup_codes FORCE ROW LEVEL SECURITY;
ALTER TABLE goal_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE goal_codes FORCE ROW LEVEL SECURITY;
-- Caseworkers and supervisors read their units' rows; only the trigger (as the owner) writes them.
CREATE POLICY unit_access ON followup_codes FOR SELECT TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY unit_access ON goal_codes FOR SELECT TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY definer ON followup_codes TO uppfoljning_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON goal_codes TO uppfoljning_owner USING (true) WITH CHECK (true);

REVOKE ALL ON report_codes, tally_slots, followup_codes, goal_codes FROM PUBLIC;
REVOKE ALL ON FUNCTION tally_of(jsonb), store_followup_codes(followups, boolean, boolean),
    followup_codes_sync(), rebuild_report_codes() FROM PUBLIC;
GRANT SELECT ON report_codes, tally_slots
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT SELECT ON followup_codes, goal_codes TO uppfoljning_caseworker, uppfoljning_supervisor;
GRANT EXECUTE ON FUNCTION tally_of(jsonb)
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
