/**
 * A query drizzle builds once per database and afterwards only binds. Building a query
 * (its SQL text, its field map) costs more than SQLite running a small one: the few
 * statements every change runs (the audit trail, the tunnel's settings row, a peer by id)
 * are kept built. A database and its transactions share one session, so a transaction
 * runs the same prepared query inside itself.
 */
import type { Db, DbOrTx } from '.';

/** The connection a database handle runs on: a transaction shares its database's. */
export const sessionOf = (db: DbOrTx) => (db as unknown as { session: object }).session;

export function preparedQuery<Q>(build: (db: Db) => Q): (db: DbOrTx) => Q {
  const built = new WeakMap<object, Q>();
  return (db) => {
    const session = sessionOf(db);
    let query = built.get(session);
    if (query === undefined) {
      query = build(db as Db);
      built.set(session, query);
    }
    return query;
  };
}
