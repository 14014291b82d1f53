-- The office's shared outbox (issue 18, db/pg/outbox.ts): msgid slots from one sequence, so two
-- windows never build the same msgid. A value n is the slot (second, serial) =
-- (n / 10000, n % 10000): the msgid is fixmedins_code + that second in CST + the 4-digit serial
-- (national-interface.md 1.1, shared/agency/envelope.ts makeMsgid). Values only go up, so no
-- slot repeats: the serial starts at 0001 in each new second of the server's clock, the
-- 10,000th msgid of one second takes the next second, and a clock set back keeps counting on
-- from the last second used (as nextMsgidSlot does on the desk).
CREATE SEQUENCE msgid_slot AS bigint MINVALUE 0 START WITH 0;
--> statement-breakpoint
-- nextval runs under a shared advisory lock (180002) and the jump to a new second under the
-- exclusive one, so a setval never lands while another window draws a value: the sequence never
-- goes back. Session-level locks released at once, so a long business transaction holds nothing.
CREATE FUNCTION next_msgid_slot() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  second_start bigint := floor(extract(epoch FROM clock_timestamp()))::bigint * 10000;
  n bigint;
BEGIN
  PERFORM pg_advisory_lock_shared(180002);
  n := nextval('msgid_slot');
  PERFORM pg_advisory_unlock_shared(180002);
  IF n >= second_start THEN
    RETURN n;
  END IF;
  PERFORM pg_advisory_lock(180002);
  IF (SELECT last_value FROM msgid_slot) < second_start THEN
    PERFORM setval('msgid_slot', second_start);
  END IF;
  n := nextval('msgid_slot');
  PERFORM pg_advisory_unlock(180002);
  RETURN n;
END
$$;
