// Ordering of report rows: by code point, the same on every machine and
// locale, so that the files are the same bytes on every render.

export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
