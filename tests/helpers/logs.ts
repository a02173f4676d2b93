/** The cell's log lines as its files hold them: every service's current file in a logs folder. */
import fs from 'node:fs';
import path from 'node:path';

export function logLines(logsDir: string): string[] {
  if (!fs.existsSync(logsDir)) return [];
  return fs
    .readdirSync(logsDir)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => fs.readFileSync(path.join(logsDir, f), 'utf8').split('\n'))
    .filter(Boolean);
}
