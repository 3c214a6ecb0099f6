-- Shared by the regression tests: runs a statement and returns its SQLSTATE
-- and message, or 'ok', so expected files show exactly which error was raised.
CREATE FUNCTION pg_temp.fails(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
