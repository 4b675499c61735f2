-- The halt ladder checked inside the statement that writes an order intent (Bus.publishWithWrites
-- with a guard, pipeline/execute.ts): the check and the intent commit together or not at all,
-- where a read before the intent left a window in which a halt could come unseen. True when the
-- row allows new entries (no row, or level 0 or 1); else it raises, which aborts the whole
-- statement (a returned false could not undo the writes beside it): SGH02 with the level as the
-- detail at level 2 and above, SGH01 when the row is not a halt state (as the brain's reader,
-- watchdog/halt.ts haltStateSchema, refuses it: fail closed). VOLATILE: evaluated every time,
-- never folded or skipped by the planner.
CREATE FUNCTION signet_entries_allowed() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  state jsonb;
  level numeric;
BEGIN
  SELECT value INTO state FROM app_state WHERE key = 'halt';
  IF NOT FOUND THEN
    RETURN true;
  END IF;
  IF jsonb_typeof(state) IS DISTINCT FROM 'object'
    OR jsonb_typeof(state -> 'level') IS DISTINCT FROM 'number'
    OR coalesce(jsonb_typeof(state -> 'reason'), 'string') <> 'string'
    OR coalesce(jsonb_typeof(state -> 'setBy'), 'string') <> 'string'
    OR coalesce(jsonb_typeof(state -> 'setAt'), 'string') <> 'string'
    OR coalesce(jsonb_typeof(state -> 'journalPath'), 'null') NOT IN ('string', 'null') THEN
    RAISE EXCEPTION 'halt state unreadable at submission' USING ERRCODE = 'SGH01';
  END IF;
  level := (state ->> 'level')::numeric;
  IF level <> trunc(level) OR level < 0 OR level > 4 THEN
    RAISE EXCEPTION 'halt state unreadable at submission' USING ERRCODE = 'SGH01';
  END IF;
  IF level >= 2 THEN
    RAISE EXCEPTION 'halt level % at submission', level USING ERRCODE = 'SGH02', DETAIL = level::text;
  END IF;
  RETURN true;
END
$$;
