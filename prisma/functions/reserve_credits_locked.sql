-- Holds p_amount credits of a user for a job: takes them from the spendable lots in their spending
-- order (spendable_lots), and writes the reservation, its allocations, the lots' decrements and the
-- `reserve` ledger entry. The caller holds the account lock and has checked the balance and the
-- idempotency key; lots that hold too little raise an error, which undoes everything.
CREATE OR REPLACE FUNCTION reserve_credits_locked(
  p_user_id uuid,
  p_amount int,
  p_idempotency_key text,
  p_reservation_id uuid,
  p_generation_id uuid,
  p_expires_at timestamp(3),
  p_now timestamp(3),
  p_written_at timestamp(3)
) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  lot record;
  still_needed int := p_amount;
  take int;
BEGIN
  INSERT INTO credit_reservations (id, "userId", "generationId", amount, "expiresAt", "createdAt")
  VALUES (p_reservation_id, p_user_id, p_generation_id, p_amount, p_expires_at, p_written_at);
  FOR lot IN
    SELECT s.id, s.remaining FROM spendable_lots(p_user_id, p_now) AS s ORDER BY s.spend_rank
  LOOP
    EXIT WHEN still_needed = 0;
    take := least(lot.remaining, still_needed);
    UPDATE credit_lots SET remaining = remaining - take WHERE id = lot.id;
    INSERT INTO reservation_allocations ("reservationId", "lotId", amount) VALUES (p_reservation_id, lot.id, take);
    still_needed := still_needed - take;
  END LOOP;
  IF still_needed > 0 THEN
    RAISE EXCEPTION 'the spendable lots of user % hold less than %', p_user_id, p_amount;
  END IF;
  INSERT INTO credit_ledger ("userId", kind, delta, "idempotencyKey", reason, "reservationId", "generationId", "createdAt")
  VALUES (p_user_id, 'reserve', -p_amount, p_idempotency_key, 'generation', p_reservation_id, p_generation_id, p_written_at);
END
$$;
