'use client';

import type { ReactNode } from 'react';

/** One column: its heading and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/**
 * The table the admin pages share: headings, one line per row, and a line that says so
 * when there are none (nothing while the rows are still loading).
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  rowTestId,
  empty,
}: {
  /** The table's accessible name. */
  label: string;
  columns: Column<T>[];
  rows: readonly T[] | undefined;
  rowKey: (row: T) => string | number;
  rowTestId?: (row: T) => string;
  empty?: ReactNode;
}) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header}>{c.header}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows?.map((row) => (
          <tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
            {columns.map((c) => (
              <td key={c.header} className={c.className} data-label={c.header}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
        {rows?.length === 0 && empty !== undefined && (
          <tr>
            <td colSpan={columns.length} className="muted">
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
