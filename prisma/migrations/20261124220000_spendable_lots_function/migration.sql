-- Which credits a user can spend, and in which order, written once: spendable_lots. The
-- reservation and admission functions read lots through it, as do the balance, claw-backs and
-- account merges in core/credits (so /balance shows what admission will let the user spend).

-- The lots of a user that can be spent at p_now (credits left, not expired), each with its rank
-- in the spending order: soonest-expiring first, lots that never expire last, then oldest first.
-- Callers order by spend_rank; the order of rows from a function is not otherwise guaranteed.
CREATE FUNCTION spendable_lots(p_user_id uuid, p_now timestamp(3))
RETURNS TABLE (id uuid, remaining int, expires_at timestamp(3), spend_rank bigint)
LANGUAGE sql STABLE
AS $$
  SELECT c.id, c.remaining, c."expiresAt",
         row_number() OVER (ORDER BY c."expiresAt" ASC NULLS LAST, c."createdAt" ASC, c.id ASC)
  FROM credit_lots AS c
  WHERE c."userId" = p_user_id AND c.remaining > 0 AND (c."expiresAt" IS NULL OR c."expiresAt" > p_now)
$$;

-- As in 20261124181000_admit_generation_function, with the lots read through spendable_lots.
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

-- As in 20261124181000_admit_generation_function, with the balance read through spendable_lots.
CREATE OR REPLACE FUNCTION admit_generation(
  p_user_id uuid,
  p_admission_key text,
  p_now timestamp(3),
  p_max_open_jobs int,
  p_min_spacing_ms int,
  p_generation_id uuid,
  p_kind "GenerationKind",
  p_prompt text,
  p_template_id text,
  p_options jsonb,
  p_provider text,
  p_model text,
  p_cost int,
  p_delivery jsonb,
  p_parent_id uuid,
  p_input_media_id uuid,
  p_deadline_at timestamp(3),
  p_moderation_id uuid,
  p_moderation_stage text,
  p_reservation_id uuid,
  p_reservation_expires_at timestamp(3),
  p_written_at timestamp(3)
) RETURNS TABLE (admitted boolean, earlier_id uuid, open_jobs int, last_admitted_at timestamp(3), balance int)
LANGUAGE plpgsql
AS $$
BEGIN
  admitted := false;
  -- As withAccountLock's transaction timeout: a lock held elsewhere for long fails this admission.
  PERFORM set_config('lock_timeout', '10s', true);
  PERFORM 1 FROM users WHERE id = p_user_id FOR UPDATE;

  SELECT entry."generationId" INTO earlier_id FROM credit_ledger AS entry WHERE entry."idempotencyKey" = p_admission_key;
  SELECT count(*)::int INTO open_jobs FROM generations AS g WHERE g."userId" = p_user_id AND g.status IN ('queued', 'running', 'uploading');
  SELECT g."createdAt" INTO last_admitted_at FROM generations AS g WHERE g."userId" = p_user_id ORDER BY g."createdAt" DESC LIMIT 1;
  SELECT coalesce(sum(s.remaining), 0)::int INTO balance FROM spendable_lots(p_user_id, p_now) AS s;

  IF earlier_id IS NOT NULL
     OR open_jobs >= p_max_open_jobs
     OR (p_min_spacing_ms > 0 AND last_admitted_at > p_now - make_interval(secs => p_min_spacing_ms / 1000.0))
     OR p_cost <= 0
     OR balance < p_cost THEN
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO generations (id, "userId", kind, prompt, "templateId", options, provider, model, cost, delivery, "parentId", "inputMediaId", "deadlineAt", "createdAt")
  VALUES (p_generation_id, p_user_id, p_kind, p_prompt, p_template_id, p_options, p_provider, p_model, p_cost, p_delivery, p_parent_id, p_input_media_id, p_deadline_at, p_now);
  INSERT INTO moderation_events (id, "userId", "generationId", stage, verdict, categories, "createdAt")
  VALUES (p_moderation_id, p_user_id, p_generation_id, p_moderation_stage, 'allowed', '{}', p_written_at);
  PERFORM reserve_credits_locked(p_user_id, p_cost, p_admission_key, p_reservation_id, p_generation_id, p_reservation_expires_at, p_now, p_written_at);

  admitted := true;
  RETURN NEXT;
END
$$;
