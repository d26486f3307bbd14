/**
 * Snapshots of the shop's databases for the fuzz test: every table of the given databases,
 * every row (ordered), every column except those that change on a mere read, hashed per
 * table. Two equal snapshots mean the data is the same row for row, byte for byte.
 */
import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { MariaDb } from './mariadb.ts';

/**
 * Columns a read legitimately writes: user-service refreshes an API key's `last_used_at`
 * (at most once a minute) whenever the key authenticates a request, refused or not.
 */
const VOLATILE_COLUMNS = new Set(['api_keys.last_used_at']);

export interface TableState {
  rows: number;
  hash: string;
}

export type Snapshot = Map<string, TableState>;

export class DbSnapshots {
  private readonly connection: mysql.Connection;
  private readonly query: string;
  private readonly tables: string[];

  private constructor(connection: mysql.Connection, tables: string[], query: string) {
    this.connection = connection;
    this.tables = tables;
    this.query = query;
  }

  /** Lists the tables and columns of `databases` once; snapshots then take one round trip. */
  static async open(db: MariaDb, databases: string[]): Promise<DbSnapshots> {
    const connection = await db.admin();
    const [columns] = (await connection.query(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
        WHERE table_schema IN (?) ORDER BY table_schema, table_name, ordinal_position`,
      [databases],
    )) as unknown as [Array<{ table_schema: string; table_name: string; column_name: string }>];
    const byTable = new Map<string, string[]>();
    for (const { table_schema, table_name, column_name } of columns) {
      if (VOLATILE_COLUMNS.has(`${table_name}.${column_name}`)) continue;
      const key = `\`${table_schema}\`.\`${table_name}\``;
      byTable.set(key, [...(byTable.get(key) ?? []), `\`${column_name}\``]);
    }
    const tables = [...byTable.keys()];
    if (tables.length === 0) throw new Error(`no tables in ${databases.join(', ')}`);
    const query = tables
      .map((table) => {
        const cols = byTable.get(table) ?? [];
        // Every column, in a stable order; HEX() so binary and text compare byte for byte.
        return `SELECT ${cols.map((c) => `HEX(${c})`).join(', ')} FROM ${table} ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`;
      })
      .join(';\n');
    return new DbSnapshots(connection, tables, query);
  }

  get tableNames(): string[] {
    return [...this.tables];
  }

  async take(): Promise<Snapshot> {
    const [results] = (await this.connection.query({ sql: this.query, rowsAsArray: true })) as unknown as [
      unknown[][][],
    ];
    const sets = this.tables.length === 1 ? [results as unknown as unknown[][]] : results;
    const snapshot: Snapshot = new Map();
    this.tables.forEach((table, i) => {
      const rows = sets[i] ?? [];
      const hash = createHash('sha256');
      for (const row of rows) hash.update(`${JSON.stringify(row)}\n`);
      snapshot.set(table, { rows: rows.length, hash: hash.digest('hex').slice(0, 16) });
    });
    return snapshot;
  }

  /** The tables that differ, e.g. "`user_1`.`users`: 3 rows → 4 rows". */
  static differences(before: Snapshot, after: Snapshot): string[] {
    const out: string[] = [];
    for (const [table, was] of before) {
      const now = after.get(table);
      if (!now || now.hash !== was.hash) {
        out.push(`${table}: ${was.rows} rows (${was.hash}) → ${now?.rows ?? '?'} rows (${now?.hash ?? '?'})`);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.connection.end();
  }
}
