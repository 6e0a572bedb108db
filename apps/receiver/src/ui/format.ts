/** An ISO instant shown in UTC to the second, e.g. `2026-03-01 09:00:06`. */
export function when(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
        .replace('Z', '');
}

/** A short id for dense tables; the full value stays in the title. */
export const short = (id: string): string => (id.length > 13 ? `${id.slice(0, 8)}…` : id);
