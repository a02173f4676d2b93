/** 93784 -> "1d 2h 3m"; under a minute -> "42s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d && `${d}d`, h && `${h}h`, `${m}m`].filter(Boolean).join(' ');
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "3m ago"; null -> "never". */
export function formatAgo(date: Date | null, now = new Date()): string {
  if (!date) return 'never';
  return `${formatDuration((now.getTime() - date.getTime()) / 1000)} ago`;
}

/** A Date as the value of a datetime-local input (local time, minutes). */
export function toLocalInput(date: Date | null | undefined): string {
  if (!date) return '';
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** 1 -> "1 peer", 3 -> "3 peers"; `many` for irregular plurals ("entry", "entries"). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
