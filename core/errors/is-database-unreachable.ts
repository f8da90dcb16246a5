/** Prisma's codes for a database it cannot reach or that dropped the connection (https://www.prisma.io/docs/orm/reference/error-reference). */
const UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/**
 * The same from the pg driver or the socket, when they surface unwrapped, and the server's own
 * words while it stops, crashes or recovers (SQLSTATE class 08 "connection exception" and 57P01-03
 * "admin shutdown", "crash shutdown", "cannot connect now": https://www.postgresql.org/docs/current/errcodes-appendix.html),
 * which Prisma passes on as "Database error. Code: `57P03`…".
 */
const UNREACHABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|Connection terminated|Server has closed the connection|terminating connection due to (administrator|immediate shutdown) command|terminating connection because of crash|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Code: `(08\w{3}|57P0[123])`/i;

/**
 * Whether a failure only means the database is away for now (restarting, unreachable), as
 * opposed to a fault in our code or data: the user can simply try again a little later.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && UNREACHABLE_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && UNREACHABLE_TEXT.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}
