-- Which credits a user can spend, and in which order, written once. reserve_credits_locked and
-- admit_generation read lots through it, as do the balance, claw-backs and account merges in
-- core/credits (so /balance shows what admission will let the user spend).
--
-- The lots of a user that can be spent at p_now (credits left, not expired), each with its rank
-- in the spending order: soonest-expiring first, lots that never expire last, then oldest first.
-- Callers order by spend_rank; the order of rows from a function is not otherwise guaranteed.
CREATE OR REPLACE FUNCTION spendable_lots(p_user_id uuid, p_now timestamp(3))
RETURNS TABLE (id uuid, remaining int, expires_at timestamp(3), spend_rank bigint)
LANGUAGE sql STABLE
AS $$
  SELECT c.id, c.remaining, c."expiresAt",
         row_number() OVER (ORDER BY c."expiresAt" ASC NULLS LAST, c."createdAt" ASC, c.id ASC)
  FROM credit_lots AS c
  WHERE c."userId" = p_user_id AND c.remaining > 0 AND (c."expiresAt" IS NULL OR c."expiresAt" > p_now)
$$;
