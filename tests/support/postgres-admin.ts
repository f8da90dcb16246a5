import pg from 'pg';

/** The PostgreSQL server tests use (this machine's, trust auth). */
export const POSTGRES_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Builds a URL to a database on the test server. */
export function postgresUrlFor(database: string): string {
  return `postgresql://postgres@127.0.0.1:5432/${database}`;
}

/** Runs statements on the admin database (CREATE/DROP DATABASE cannot run in a transaction). */
export async function runAdminSql(...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
