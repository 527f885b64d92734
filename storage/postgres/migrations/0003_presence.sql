-- 0003: who has a draft open. A caseworker opening a draft to edit it holds a lease row (the login is
-- session_user, never a name the client sends), refreshes it while working and removes it on close;
-- a lease not refreshed within its time (a crashed client, a lost connection) no longer counts.

CREATE TABLE presence (
    followup_id text NOT NULL,
    unit text NOT NULL,
    login name NOT NULL DEFAULT session_user,
    since timestamptz NOT NULL DEFAULT clock_timestamp(),
    seen timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (followup_id, login),
    FOREIGN KEY (followup_id, unit) REFERENCES followups (id, unit) ON UPDATE CASCADE ON DELETE CASCADE
);

-- The login and the times come from the server: a client cannot hold a lease in another's name, nor
-- date one into the future to hold it for ever.
CREATE FUNCTION presence_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.login := session_user;
    NEW.seen := clock_timestamp();
    IF TG_OP = 'INSERT' THEN
        NEW.since := NEW.seen;
    ELSE
        NEW.since := OLD.since;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER presence_stamp BEFORE INSERT OR UPDATE ON presence
    FOR EACH ROW EXECUTE FUNCTION presence_stamp();

ALTER TABLE presence ENABLE ROW LEVEL SECURITY;
ALTER TABLE presence FORCE ROW LEVEL SECURITY;
-- Everyone with access to the unit sees who is in its drafts; each login writes only its own lease.
CREATE POLICY unit_read ON presence FOR SELECT TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY own_insert ON presence FOR INSERT TO uppfoljning_caseworker, uppfoljning_supervisor
    WITH CHECK (login = session_user AND unit = ANY ((SELECT my_units())::text[]));
CREATE POLICY own_update ON presence FOR UPDATE TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (login = session_user) WITH CHECK (login = session_user);
CREATE POLICY own_delete ON presence FOR DELETE TO uppfoljning_caseworker, uppfoljning_supervisor
    USING (login = session_user);
CREATE POLICY definer ON presence TO uppfoljning_owner USING (true) WITH CHECK (true);

REVOKE ALL ON presence FROM PUBLIC;
REVOKE ALL ON FUNCTION presence_stamp() FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON presence TO uppfoljning_caseworker, uppfoljning_supervisor;
