-- 0004: the row-level security check in PL/pgSQL. my_units() runs in every policy of every statement
-- (twice in an UPDATE: reading and writing). As a SQL function it was planned again on each call
-- (a SECURITY DEFINER SQL function is never inlined): about 40 us each, a third of a save's time on
-- the server. PL/pgSQL keeps its plan for the session. Same answer, same definer, same search_path.
CREATE OR REPLACE FUNCTION my_units() RETURNS text[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = uppfoljning, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT s.units FROM uppfoljning.staff s WHERE s.login = session_user), '{}');
END $$;
