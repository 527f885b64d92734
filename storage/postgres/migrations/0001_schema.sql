-- 0001: units, staff, cases, follow-ups, addenda and the append-only audit table, with row-level
-- security. Run by the migration runner as the NOLOGIN owner role uppfoljning_owner with
-- search_path = uppfoljning; the group roles exist already (db init creates them).

CREATE TABLE units (
    code text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 100),
    name text NOT NULL DEFAULT ''
);

-- login role -> display name, role and units. Read by every application role (a conflict names
-- its author); written by admins only.
CREATE TABLE staff (
    login name PRIMARY KEY,
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role text NOT NULL CHECK (role IN ('caseworker', 'supervisor', 'analyst', 'admin')),
    units text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);

-- Questions whose answers are codes (never free text): the only answers the analyst's view shows.
CREATE TABLE coded_questions (key text PRIMARY KEY);

-- The acting user is always session_user: a SET ROLE or a name the client sends changes nothing.
CREATE FUNCTION my_units() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = uppfoljning, pg_temp
    AS $$ SELECT coalesce((SELECT units FROM uppfoljning.staff WHERE login = session_user), '{}') $$;

CREATE TABLE cases (
    id text PRIMARY KEY,
    unit text NOT NULL REFERENCES units ON UPDATE CASCADE,
    case_ref text NOT NULL,
    gender text NOT NULL DEFAULT 'unknown',
    born date,          -- from the personnummer, for the analyst's age band
    birth_year integer,
    data jsonb NOT NULL,  -- the case (client and current plan) as the application stores it
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (id, unit)
);
CREATE INDEX cases_unit_ref ON cases (unit, case_ref);

CREATE TABLE followups (
    id text PRIMARY KEY,
    case_id text NOT NULL,
    unit text NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'final')),
    version integer NOT NULL DEFAULT 1,  -- optimistic concurrency: +1 on every change
    data jsonb NOT NULL,                 -- the follow-up without its addenda
    answer_meta jsonb NOT NULL DEFAULT '{}',  -- answer key -> {"v": version, "by": login, "at": time}
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    finalized_at timestamptz,
    finalized_by text,
    signed_login name,
    FOREIGN KEY (case_id, unit) REFERENCES cases (id, unit) ON UPDATE CASCADE ON DELETE CASCADE,
    UNIQUE (id, unit)
);
CREATE INDEX followups_case ON followups (case_id, created_at);
CREATE INDEX followups_unit ON followups (unit);

CREATE TABLE addenda (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    followup_id text NOT NULL,
    unit text NOT NULL,
    data jsonb NOT NULL,
    author_login name NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (followup_id, unit) REFERENCES followups (id, unit) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX addenda_followup ON addenda (followup_id, id);

-- A signed follow-up never changes (a unit move of its case excepted); addenda never change.
CREATE FUNCTION final_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'final' AND (NEW.data IS DISTINCT FROM OLD.data OR NEW.status <> OLD.status
                                 OR NEW.version <> OLD.version) THEN
        RAISE EXCEPTION 'follow-up % is final and cannot change', OLD.id USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER followups_final BEFORE UPDATE ON followups FOR EACH ROW EXECUTE FUNCTION final_is_final();

CREATE FUNCTION addenda_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.data = OLD.data AND NEW.author_login = OLD.author_login THEN
        RETURN NEW;  -- the unit follows its case (a cascade)
    END IF;
    RAISE EXCEPTION 'addenda are never changed' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER addenda_fixed BEFORE UPDATE ON addenda FOR EACH ROW EXECUTE FUNCTION addenda_fixed();

-- The audit log: append-only, one hash chain per case ('-' for entries about no case).
CREATE TABLE audit (
    chain text NOT NULL,
    seq bigint NOT NULL,
    case_id text,
    followup_id text,
    unit text,
    at timestamptz NOT NULL,
    actor name NOT NULL,
    action text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_case ON audit (case_id);

-- Each chain's last entry: the row lock on it orders concurrent appends to one chain.
CREATE TABLE audit_heads (chain text PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL);

CREATE FUNCTION audit_hash(prev text, chain text, seq bigint, at timestamptz, actor text, action text,
                           case_id text, followup_id text, unit text, detail jsonb) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT encode(sha256(convert_to(concat_ws(E'\x1f', prev, chain, seq::text,
              to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, action,
              coalesce(case_id, ''), coalesce(followup_id, ''), coalesce(unit, ''), detail::text),
              'UTF8')), 'hex') $$;

CREATE FUNCTION audit_append() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    -- Who and when come from the server, never from the client.
    NEW.actor := session_user;
    NEW.at := clock_timestamp();
    NEW.chain := coalesce(NEW.case_id, '-');
    NEW.unit := NULL;
    IF NEW.case_id IS NOT NULL THEN
        SELECT c.unit INTO NEW.unit FROM cases c WHERE c.id = NEW.case_id;
        IF NEW.unit IS NULL THEN  -- an erased case keeps the unit of its chain
            SELECT a.unit INTO NEW.unit FROM audit a WHERE a.chain = NEW.chain ORDER BY a.seq DESC LIMIT 1;
        END IF;
    END IF;
    INSERT INTO audit_heads AS h (chain, seq, hash) VALUES (NEW.chain, 1, repeat('0', 64))
        ON CONFLICT (chain) DO UPDATE SET seq = h.seq + 1
        RETURNING h.seq, h.hash INTO head_seq, head_hash;
    NEW.seq := head_seq;
    NEW.prev_hash := head_hash;
    NEW.hash := audit_hash(NEW.prev_hash, NEW.chain, NEW.seq, NEW.at, NEW.actor, NEW.action,
                           NEW.case_id, NEW.followup_id, NEW.unit, NEW.detail);
    UPDATE audit_heads SET hash = NEW.hash WHERE chain = NEW.chain;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_append BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_append();

CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER heads_no_change BEFORE DELETE ON audit_heads FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER heads_no_truncate BEFORE TRUNCATE ON audit_heads FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();

-- Checks every chain the caller may check (an admin: all; others: their units' cases): sequence
-- numbers without gaps, each entry linked to the one before, each hash recomputed, the head matching.
CREATE FUNCTION audit_verify(OUT checked bigint, OUT problems text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
DECLARE
    is_admin boolean := EXISTS (SELECT 1 FROM staff WHERE login = session_user AND role = 'admin')
                        OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user);
    mine text[] := my_units();
BEGIN
    WITH visible AS (
        SELECT a.*, lag(a.hash) OVER w AS before, row_number() OVER w AS n,
               count(*) OVER (PARTITION BY a.chain) AS total
        FROM audit a
        WHERE is_admin OR (a.chain <> '-' AND a.chain IN (
            SELECT b.chain FROM audit b WHERE b.unit = ANY (mine)))
        WINDOW w AS (PARTITION BY a.chain ORDER BY a.seq)
    ), bad AS (
        SELECT v.chain, v.seq, CASE
            WHEN v.seq <> v.n THEN 'entry missing before seq ' || v.seq
            WHEN v.prev_hash <> coalesce(v.before, repeat('0', 64)) THEN 'broken link at seq ' || v.seq
            WHEN v.hash <> audit_hash(v.prev_hash, v.chain, v.seq, v.at, v.actor, v.action, v.case_id,
                                      v.followup_id, v.unit, v.detail) THEN 'altered entry at seq ' || v.seq
            WHEN v.n = v.total AND NOT EXISTS (SELECT 1 FROM audit_heads h WHERE h.chain = v.chain
                                               AND h.seq = v.seq AND h.hash = v.hash)
                THEN 'entries removed after seq ' || v.seq
        END AS problem
        FROM visible v
    )
    SELECT (SELECT count(*) FROM visible),
           coalesce(array_agg('chain ' || b.chain || ': ' || b.problem ORDER BY b.chain, b.seq)
                    FILTER (WHERE b.problem IS NOT NULL), '{}')
      INTO checked, problems FROM bad b;
END $$;

-- The analyst's only window: coded answers with gender and age band, for the caller's units. No
-- case number, name, personnummer, ids or free text.
CREATE FUNCTION age_band(born date, birth_year integer, meeting date) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN age IS NULL OR age < 0 THEN 'unknown'
        WHEN age <= 17 THEN '0-17' WHEN age <= 24 THEN '18-24' WHEN age <= 44 THEN '25-44'
        WHEN age <= 64 THEN '45-64' WHEN age <= 79 THEN '65-79' WHEN age <= 200 THEN '80+'
        ELSE 'unknown' END
    FROM (SELECT CASE
        WHEN meeting IS NULL THEN NULL
        WHEN born IS NOT NULL THEN extract(year FROM age(meeting, born))::integer
        WHEN birth_year IS NOT NULL THEN extract(year FROM meeting)::integer - birth_year
    END AS age) x $$;

CREATE FUNCTION iso_date(value text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value ~ '^\d{4}-\d{2}-\d{2}$' THEN value::date END $$;

CREATE VIEW coded_answers WITH (security_barrier) AS
    WITH fu AS (
        SELECT f.unit, f.status, f.data, c.gender, c.data -> 'plan' ->> 'type' AS plan_type,
               iso_date(f.data -> 'answers' ->> 'meeting_date') AS meeting_date, c.born, c.birth_year
        FROM followups f JOIN cases c ON c.id = f.case_id
        WHERE f.unit = ANY ((SELECT my_units())::text[])
    )
    SELECT fu.unit, fu.plan_type, fu.status, fu.meeting_date, fu.gender,
           age_band(fu.born, fu.birth_year, fu.meeting_date) AS age_band,
           NULL::text AS goal, a.key AS question, a.value AS answer
    FROM fu CROSS JOIN LATERAL jsonb_each(fu.data -> 'answers') a
    WHERE a.key IN (SELECT key FROM coded_questions)
    UNION ALL
    SELECT fu.unit, fu.plan_type, fu.status, fu.meeting_date, fu.gender,
           age_band(fu.born, fu.birth_year, fu.meeting_date),
           g.key, q.key, q.value
    FROM fu CROSS JOIN LATERAL jsonb_each(fu.data -> 'goals') g CROSS JOIN LATERAL jsonb_each(g.value) q
    WHERE jsonb_typeof(g.value) = 'object' AND q.key IN (SELECT key FROM coded_questions);

-- --- row-level security: FORCE, so not even the owner reads around it -----------------------------
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases FORCE ROW LEVEL SECURITY;
ALTER TABLE followups ENABLE ROW LEVEL SECURITY;
ALTER TABLE followups FORCE ROW LEVEL SECURITY;
ALTER TABLE addenda ENABLE ROW LEVEL SECURITY;
ALTER TABLE addenda FORCE ROW LEVEL SECURITY;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;

CREATE POLICY unit_access ON cases TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[])) WITH CHECK (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY unit_access ON followups TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[])) WITH CHECK (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY unit_access ON addenda TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[])) WITH CHECK (unit = ANY ((SELECT my_units())::text[]));
-- The owner is NOLOGIN: it acts only inside the SECURITY DEFINER functions and views above.
CREATE POLICY definer ON cases TO uppfoljning_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON followups TO uppfoljning_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON addenda TO uppfoljning_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON audit TO uppfoljning_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON audit_heads TO uppfoljning_owner USING (true) WITH CHECK (true);

CREATE POLICY append ON audit FOR INSERT
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin
    WITH CHECK (actor = session_user AND (case_id IS NULL OR unit = ANY ((SELECT my_units())::text[])));
CREATE POLICY read_own ON audit FOR SELECT
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst
    USING (actor = session_user);
CREATE POLICY read_unit ON audit FOR SELECT TO uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY read_all ON audit FOR SELECT TO uppfoljning_admin USING (true);

-- --- privileges: application roles are never owners ----------------------------------------------
REVOKE ALL ON ALL TABLES IN SCHEMA uppfoljning FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA uppfoljning FROM PUBLIC;
GRANT USAGE ON SCHEMA uppfoljning
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA uppfoljning
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT SELECT ON units, staff, settings, coded_questions, schema_migrations
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT INSERT, UPDATE, DELETE ON units, staff, settings, coded_questions TO uppfoljning_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON cases, followups TO uppfoljning_caseworker, uppfoljning_supervisor;
GRANT SELECT, INSERT ON addenda TO uppfoljning_caseworker, uppfoljning_supervisor;
GRANT SELECT, INSERT ON audit
    TO uppfoljning_caseworker, uppfoljning_supervisor, uppfoljning_analyst, uppfoljning_admin;
GRANT SELECT ON coded_answers TO uppfoljning_analyst, uppfoljning_supervisor;
