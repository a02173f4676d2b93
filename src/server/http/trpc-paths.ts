/** At most this many procedures in one batched request. */
export const MAX_BATCH = 20;

export type ProcedureNames =
  { ok: true; list: string[]; audit: string } | { ok: false; problem: string; audit: string };

const NAME = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

/** One audit name for a whole request: the procedure, or the batch with its size and first names. */
function auditName(list: string[]): string {
  if (list.length === 1) return list[0]!.slice(0, 100);
  return `batch(${list.length}): ${list.slice(0, 3).join(',').slice(0, 100)}${list.length > 3 ? ',…' : ''}`;
}

/**
 * The procedure names of a tRPC request, decoded exactly as tRPC decodes them (the whole
 * path, then split on commas), so a gate decided on them sees what will run.
 */
export function procedureNames(pathname: string): ProcedureNames {
  const rawPath = pathname.replace(/^\/api\/trpc\/?/, '').replace(/\/$/, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, problem: 'The procedure path is not valid percent-encoding', audit: 'trpc.invalid' };
  }
  const list = decoded.split(',');
  if (list.length > MAX_BATCH)
    return {
      ok: false,
      problem: `A batch may hold at most ${MAX_BATCH} calls; this one has ${list.length}`,
      audit: auditName(list),
    };
  if (!list.every((n) => NAME.test(n))) return { ok: false, problem: 'Not a procedure name', audit: auditName(list) };
  return { ok: true, list, audit: auditName(list) };
}
