/**
 * The one database interface the server uses: parameterised queries, multi-statement scripts
 * (for migrations) and transactions. Two implementations with the same SQL: PGlite (Postgres
 * compiled to WASM, a data folder, nothing to install) and a pg Pool for a PostgreSQL server.
 *
 * Values cross the boundary as Postgres returns them, which differs by driver (pg returns
 * int8 as a string, PGlite as a number); callers convert with `Number()`. JSON is passed as
 * text and cast in SQL (`$1::json`), because pg would turn a JS array into a Postgres array.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { parseTimestamptz, TIMESTAMPTZ_OID } from './timestamps.js';

export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements, without parameters. */
  exec(sql: string): Promise<void>;
}

export type Transaction = Queryable;

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** An error raised by Postgres, with its SQLSTATE code where the driver gives one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite';

  constructor(private readonly db: PGlite) {}

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.db.query<T>(sql, [...params]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R = Row>(sql: string, params: readonly unknown[] = []) => {
          const result = await tx.query<R>(sql, [...params]);
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres';

  constructor(private readonly pool: pg.Pool) {
    // An idle client losing its connection must not crash the server; the next query reconnects.
    pool.on('error', () => {});
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.pool.query(sql, [...params]);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies (a database restart) emits 'error'; unheard,
    // that would end the whole server. The failed query rejects anyway, and the broken client
    // is discarded below instead of going back to the pool.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const value = await fn({
        query: async <R = Row>(sql: string, params: readonly unknown[] = []) => {
          const result = await client.query(sql, [...params]);
          return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
        },
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** PGlite in a data folder, or in memory when no folder is given (tests). */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // PGlite's own reading of a timestamptz gets years below 100 wrong (timestamps.ts).
  const options = { parsers: { [TIMESTAMPTZ_OID]: parseTimestamptz } };
  const db = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options);
  return new PgliteDatabase(db);
}

export function openPostgres(url: string, options: { max?: number } = {}): Database {
  // JIT compilation and parallel workers pay off for long analytic scans; for the server's
  // short indexed queries they cost more to start (tens of milliseconds) than they save.
  return new PostgresDatabase(
    new pg.Pool({
      connectionString: url,
      max: options.max ?? 20,
      options: '-c jit=off -c max_parallel_workers_per_gather=0',
    }),
  );
}

export interface OpenOptions {
  /** A postgres:// URL; when set, the PostgreSQL server is used. */
  databaseUrl?: string;
  /** PGlite's data folder; in memory when neither this nor a URL is given. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, { max: options.poolSize });
  return openPglite(options.dataDir);
}
