import { formatBytes } from '@/lib/format';

export interface Series {
  label: string;
  /** One value per point, oldest first. */
  values: number[];
  className: string;
}

const W = 600;
const H = 160;

function path(values: number[], max: number, w: number, h: number): string {
  const step = values.length > 1 ? w / (values.length - 1) : w;
  return values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(h - (v / max) * h).toFixed(1)}`)
    .join(' ');
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * A line chart of one or more series over the same intervals, drawn as SVG so it scales
 * with its card. Screen readers get the totals instead of the lines.
 */
export function LineChart({
  series,
  from,
  to,
  summary,
  format = formatBytes,
  totals = true,
}: {
  series: Series[];
  from: string;
  to: string;
  /** What the chart shows, in a sentence: the accessible name. */
  summary: string;
  format?: (n: number) => string;
  /** Whether adding the points up means something (bytes do; peers online do not). */
  totals?: boolean;
}) {
  const peak = Math.max(0, ...series.flatMap((s) => s.values));
  const max = Math.max(1, peak);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} className="chart-axis" />
        {series.map((s) => (
          <path key={s.label} d={path(s.values, max, W, H - 2)} className={`chart-line ${s.className}`} />
        ))}
      </svg>
      <figcaption className="chart-legend small">
        <span className="muted">{from}</span>
        {series.map((s) => (
          <span key={s.label}>
            <span className={`chart-key ${s.className}`} aria-hidden /> {s.label}
            {totals && `: ${format(sum(s.values))}`}
          </span>
        ))}
        <span className="muted">
          peak {format(peak)} · {to}
        </span>
      </figcaption>
    </figure>
  );
}

/** A tiny line of recent traffic for a table row; its label gives the total. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  return (
    <svg className="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label={label}>
      <path d={path(values, max, 100, 22)} className="chart-line chart-rx" transform="translate(0,1)" />
    </svg>
  );
}
