-- 0006: each client's latest follow-up kept as data, and what the report reads of its client beside it.
-- The ISU report counts each client's latest signed follow-up (and, with drafts, its latest draft).
-- Ranking a million rows at report time (join the cases, sort, DISTINCT ON, an age per row, a join to
-- the goal rows) cost 7x one pass over them. Now followup_codes carries, maintained by triggers in the
-- same transaction as every insert, save, sign, import and client change:
--   latest  the row the report picks when no filter changes which one is latest (see
--           reporting/compile.select): among a case's follow-ups of the same kind (signed or draft)
--           with a meeting date, the greatest (meeting, created_at, id);
--   gender  the client's gender as the report groups it, and
--   band    the client's age band at the meeting (NULL when the meeting date is no date: the report
--           then counts the old way, which refuses it as before);
--   goals   the follow-up's goal rows (as goal_codes holds them, in plan order) as one goal_set's text,
--           so the report groups follow-ups by their goals without a join.
-- Whatever changes them takes a per-case lock first (a transaction-scoped advisory lock), so two
-- sessions signing follow-ups of the same client, or one signing while another corrects the
-- client's birth date, leave the marks right.

CREATE TYPE goal_set AS (area text[], scale text[], attainment text[], delta integer[]);

-- The text form of a goal_set: grouping by one text hashes far faster than by four arrays, and the
-- report casts the few hundred distinct values back (record_in reads exactly what record_out wrote).
CREATE FUNCTION goal_key(area text[], scale text[], attainment text[], delta integer[]) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(coalesce(area, '{}'), coalesce(scale, '{}'), coalesce(attainment, '{}'),
               coalesce(delta, '{}'))::uppfoljning.goal_set::text $$;

ALTER TABLE followup_codes
    ADD COLUMN latest boolean NOT NULL DEFAULT false,
    ADD COLUMN gender text,
    ADD COLUMN band text,
    ADD COLUMN goals text NOT NULL DEFAULT '({},{},{},{})';

-- The report's gender key and age band, as storage/postgres/report.py computes them inline (a test
-- compares the two over every band edge). The age at the meeting: from the personnummer's birth date
-- when there is one, else from the birth year.
CREATE FUNCTION client_gender(gender text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN gender IN ('woman', 'man', 'other', 'unknown') THEN gender ELSE 'unknown' END $$;

CREATE FUNCTION report_band(has_pnr boolean, born date, birth_year integer, meeting text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    day date;
    age integer;
BEGIN
    IF coalesce(meeting, '') = '' THEN
        RETURN NULL;
    END IF;
    BEGIN
        day := meeting::date;
    EXCEPTION WHEN others THEN
        RETURN NULL;  -- no date: the report counts the old way (and refuses it there, as before)
    END;
    age := CASE
        WHEN has_pnr THEN CASE WHEN born IS NULL OR born > day THEN NULL
            ELSE extract(year FROM day)::integer - extract(year FROM born)::integer
                 - (to_char(day, 'MMDD') < to_char(born, 'MMDD'))::integer END
        WHEN birth_year IS NOT NULL THEN extract(year FROM day)::integer - birth_year
    END;
    RETURN CASE WHEN age IS NULL THEN 'unknown'
        WHEN age BETWEEN 0 AND 17 THEN '0-17' WHEN age BETWEEN 18 AND 24 THEN '18-24'
        WHEN age BETWEEN 25 AND 44 THEN '25-44' WHEN age BETWEEN 45 AND 64 THEN '45-64'
        WHEN age BETWEEN 65 AND 79 THEN '65-79' WHEN age BETWEEN 80 AND 200 THEN '80+'
        ELSE 'unknown' END;
END $$;

-- As in 0002, and the goal rows on the follow-up's own row.
CREATE OR REPLACE FUNCTION store_followup_codes(f followups, answers_changed boolean, goals_changed boolean)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    t_sum numeric;
    t_max integer;
    g_n integer;
    g_swx float8;
    g_sww float8;
    g_sw float8;
    g_area text[];
    g_scale text[];
    g_att text[];
    g_delta integer[];
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
        -- the same rows on the follow-up's own row: the report reads them without a join
        SELECT array_agg(g.area ORDER BY g.n), array_agg(g.scale ORDER BY g.n),
               array_agg(g.attainment ORDER BY g.n), array_agg(g.delta ORDER BY g.n)
          INTO g_area, g_scale, g_att, g_delta
        FROM goal_codes g WHERE g.followup_id = f.id;
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
                                     gas_sw, goals)
    VALUES (f.id, f.unit, f.case_id, f.status, f.created_at, f.data -> 'answers' ->> 'meeting_date',
            f.data ->> 'caseworker', f.data -> 'plan' ->> 'type', coalesce(f.data ->> 'form_version', ''),
            coalesce(t_sum, 0), coalesce(t_max, 0), coalesce(g_n, 0), g_swx, g_sww, g_sw,
            goal_key(g_area, g_scale, g_att, g_delta))
    ON CONFLICT (followup_id) DO UPDATE SET
        status = EXCLUDED.status, created_at = EXCLUDED.created_at, meeting = EXCLUDED.meeting,
        caseworker = EXCLUDED.caseworker, plan_type = EXCLUDED.plan_type,
        form_version = EXCLUDED.form_version,
        tally = CASE WHEN answers_changed THEN EXCLUDED.tally ELSE c.tally END,
        tally_max = CASE WHEN answers_changed THEN EXCLUDED.tally_max ELSE c.tally_max END,
        gas_n = CASE WHEN goals_changed THEN EXCLUDED.gas_n ELSE c.gas_n END,
        gas_swx = CASE WHEN goals_changed THEN EXCLUDED.gas_swx ELSE c.gas_swx END,
        gas_sww = CASE WHEN goals_changed THEN EXCLUDED.gas_sww ELSE c.gas_sww END,
        gas_sw = CASE WHEN goals_changed THEN EXCLUDED.gas_sw ELSE c.gas_sw END,
        goals = CASE WHEN goals_changed THEN EXCLUDED.goals ELSE c.goals END;
END $$;


-- A case's marks, gender and bands from its follow-ups and its client, called with the case's lock
-- held. Only rows whose values must change are written (a save of one answer calls it not at all).
CREATE FUNCTION place_followups(case_key text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    UPDATE followup_codes c SET latest = x.want, gender = x.gender, band = x.band
    FROM (SELECT r.followup_id, coalesce(r.meeting, '') <> '' AND row_number() OVER (
                     PARTITION BY r.status = 'final'
                     ORDER BY coalesce(r.meeting, '') <> '' DESC, r.meeting COLLATE "C" DESC, r.created_at DESC,
                              r.followup_id DESC) = 1 AS want,
                 client_gender(cs.gender) AS gender, report_band(cs.has_pnr, cs.born, cs.birth_year, r.meeting) AS band
          FROM followup_codes r JOIN cases cs ON cs.id = r.case_id WHERE r.case_id = case_key) x
    WHERE c.followup_id = x.followup_id
      AND (c.latest <> x.want OR c.gender IS DISTINCT FROM x.gender OR c.band IS DISTINCT FROM x.band);
END $$;

-- As in 0002, and: a change that can move a case's marks (a new follow-up, a signature, another
-- meeting date or creation time) takes the case's lock BEFORE it writes its coded row, then places
-- the case's rows again. The lock is held to commit, and each statement after it sees what the
-- previous holder committed (READ COMMITTED, the only isolation the repository uses): the marks are
-- always computed from every committed follow-up of the case. Taking it before the coded row is
-- written keeps the holder from waiting on a row this writer holds (no deadlock).
CREATE OR REPLACE FUNCTION followup_codes_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    n jsonb := NEW.data;
    o jsonb;
    coded boolean;
    goals boolean;
    moved boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock(1970303079, hashtext(NEW.case_id));
        PERFORM store_followup_codes(NEW, true, true);
        PERFORM place_followups(NEW.case_id);
        RETURN NULL;
    END IF;
    o := OLD.data;
    IF n IS NOT DISTINCT FROM o AND NEW.status = OLD.status THEN
        RETURN NULL;  -- a unit move: the foreign keys carry it
    END IF;
    moved := NEW.status <> OLD.status OR NEW.created_at <> OLD.created_at
        OR n -> 'answers' -> 'meeting_date' IS DISTINCT FROM o -> 'answers' -> 'meeting_date';
    IF moved THEN
        PERFORM pg_advisory_xact_lock(1970303079, hashtext(NEW.case_id));
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
    IF coded OR goals OR moved
       OR n -> 'caseworker' IS DISTINCT FROM o -> 'caseworker'
       OR n -> 'plan' -> 'type' IS DISTINCT FROM o -> 'plan' -> 'type'
       OR n -> 'form_version' IS DISTINCT FROM o -> 'form_version' THEN
        PERFORM store_followup_codes(NEW, coded, goals);
    END IF;
    IF moved THEN
        PERFORM place_followups(NEW.case_id);
    END IF;
    RETURN NULL;
END $$;

-- A client's gender, personnummer or birth year changed: the case's rows are placed again, under
-- the same lock (a follow-up inserted meanwhile is either seen here or reads the new client).
CREATE FUNCTION cases_codes_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    IF NEW.gender IS DISTINCT FROM OLD.gender OR NEW.born IS DISTINCT FROM OLD.born
       OR NEW.birth_year IS DISTINCT FROM OLD.birth_year OR NEW.has_pnr IS DISTINCT FROM OLD.has_pnr THEN
        PERFORM pg_advisory_xact_lock(1970303079, hashtext(NEW.id));
        PERFORM place_followups(NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_codes AFTER UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION cases_codes_sync();

-- The backfill and recount set every new column too (in its one INSERT).
CREATE OR REPLACE FUNCTION rebuild_report_codes() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    done bigint;
BEGIN
    LOCK TABLE followups IN SHARE MODE;
    DELETE FROM goal_codes;
    DELETE FROM followup_codes;
    -- the goals first: the follow-ups' rows carry them as arrays too
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
                                plan_type, form_version, tally, tally_max, gas_n, gas_swx, gas_sww, gas_sw,
                                goals, latest, gender, band)
    SELECT f.id, f.unit, f.case_id, f.status, f.created_at, f.meeting, f.data ->> 'caseworker',
           f.data -> 'plan' ->> 'type', coalesce(f.data ->> 'form_version', ''),
           coalesce(t.tally, 0), coalesce(t.tally_max, 0), coalesce(g.n, 0), g.swx, g.sww, g.sw,
           goal_key(ga.area, ga.scale, ga.attainment, ga.delta),
           -- as place_followups ranks and places them (in the INSERT: an UPDATE after it would double the table)
           coalesce(f.meeting, '') <> '' AND row_number() OVER (
               PARTITION BY f.case_id, f.status = 'final'
               ORDER BY coalesce(f.meeting, '') <> '' DESC, f.meeting COLLATE "C" DESC, f.created_at DESC,
                        f.id DESC) = 1,
           client_gender(cs.gender), report_band(cs.has_pnr, cs.born, cs.birth_year, f.meeting)
    FROM (SELECT ff.*, ff.data -> 'answers' ->> 'meeting_date' AS meeting FROM followups ff) f
    JOIN cases cs ON cs.id = f.case_id
    LEFT JOIN tallies t ON t.id = f.id LEFT JOIN gas g ON g.id = f.id
    LEFT JOIN (SELECT followup_id, array_agg(area ORDER BY n) AS area, array_agg(scale ORDER BY n) AS scale,
                      array_agg(attainment ORDER BY n) AS attainment, array_agg(delta ORDER BY n) AS delta
               FROM goal_codes GROUP BY followup_id) ga ON ga.followup_id = f.id;
    GET DIAGNOSTICS done = ROW_COUNT;

    RETURN done;
END $$;

-- Rows stored before this migration: counted again, new columns included (one pass).
SELECT rebuild_report_codes() WHERE EXISTS (SELECT 1 FROM report_codes);

REVOKE ALL ON FUNCTION place_followups(text), cases_codes_sync(), goal_key(text[], text[], text[], integer[]),
    client_gender(text), report_band(boolean, date, integer, text) FROM PUBLIC;
