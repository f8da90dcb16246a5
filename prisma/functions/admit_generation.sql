-- The locked step of admitting a generation (core/generation/admit-generation.ts), so the hot path
-- of the service takes one round trip. Under the account's row lock, reads what admission checks
-- (an earlier admission of the same event, the user's open jobs, the last admission, the spendable
-- balance) and, only when every check passes, writes the generation, its allowed moderation event
-- and its reservation. A refusal writes nothing and names its reason in `refusal`, one of
--   already_admitted      this event was admitted before: earlier_id is its generation
--   too_many_jobs         open_jobs >= p_max_open_jobs
--   too_soon              the last admission (last_admitted_at) is within p_min_spacing_ms
--   invalid_cost          p_cost is not positive
--   insufficient_credits  balance < p_cost
-- (the TypeScript union AdmissionRefusal in core/generation/admission-refusal.ts), checked in that
-- order; the other columns carry what the caller needs to word it. `refusal` is null when admitted.
-- The open statuses come from the caller (OPEN_STATUSES in core/generation/open-statuses.ts).
-- Each statement of a plpgsql function takes a new snapshot in READ COMMITTED, so the reads after
-- the lock see everything a concurrent admission of the same user committed before letting go.
CREATE OR REPLACE FUNCTION admit_generation(
  p_user_id uuid,
  p_admission_key text,
  p_now timestamp(3),
  p_max_open_jobs int,
  p_min_spacing_ms int,
  p_open_statuses "GenerationStatus"[],
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
) RETURNS TABLE (refusal text, earlier_id uuid, open_jobs int, last_admitted_at timestamp(3), balance int)
LANGUAGE plpgsql
AS $$
BEGIN
  -- As withAccountLock's transaction timeout: a lock held elsewhere for long fails this admission.
  PERFORM set_config('lock_timeout', '10s', true);
  PERFORM 1 FROM users WHERE id = p_user_id FOR UPDATE;

  SELECT entry."generationId" INTO earlier_id FROM credit_ledger AS entry WHERE entry."idempotencyKey" = p_admission_key;
  SELECT count(*)::int INTO open_jobs FROM generations AS g WHERE g."userId" = p_user_id AND g.status = ANY (p_open_statuses);
  SELECT g."createdAt" INTO last_admitted_at FROM generations AS g WHERE g."userId" = p_user_id ORDER BY g."createdAt" DESC LIMIT 1;
  SELECT coalesce(sum(s.remaining), 0)::int INTO balance FROM spendable_lots(p_user_id, p_now) AS s;

  refusal := CASE
    WHEN earlier_id IS NOT NULL THEN 'already_admitted'
    WHEN open_jobs >= p_max_open_jobs THEN 'too_many_jobs'
    WHEN p_min_spacing_ms > 0 AND last_admitted_at > p_now - make_interval(secs => p_min_spacing_ms / 1000.0) THEN 'too_soon'
    WHEN p_cost <= 0 THEN 'invalid_cost'
    WHEN balance < p_cost THEN 'insufficient_credits'
  END;
  IF refusal IS NOT NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO generations (id, "userId", kind, prompt, "templateId", options, provider, model, cost, delivery, "parentId", "inputMediaId", "deadlineAt", "createdAt")
  VALUES (p_generation_id, p_user_id, p_kind, p_prompt, p_template_id, p_options, p_provider, p_model, p_cost, p_delivery, p_parent_id, p_input_media_id, p_deadline_at, p_now);
  INSERT INTO moderation_events (id, "userId", "generationId", stage, verdict, categories, "createdAt")
  VALUES (p_moderation_id, p_user_id, p_generation_id, p_moderation_stage, 'allowed', '{}', p_written_at);
  PERFORM reserve_credits_locked(p_user_id, p_cost, p_admission_key, p_reservation_id, p_generation_id, p_reservation_expires_at, p_now, p_written_at);

  RETURN NEXT;
END
$$;
