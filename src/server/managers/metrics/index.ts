/** Metrics for Prometheus: `/api/metrics`, behind a bearer token made in Settings. */
import type { Db } from '../../db';
import { collectMetrics } from './collect';
import { renderMetrics } from './render';

export { createMetricsToken, metricsAuthProblem, metricsStatus, revokeMetricsToken } from './token';
export { renderMetrics, type Family } from './render';

export async function metricsText(db: Db): Promise<string> {
  return renderMetrics(await collectMetrics(db));
}
