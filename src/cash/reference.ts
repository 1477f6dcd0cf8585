// References in remittance information: the words of a bank payment's
// remittance text that may name an invoice, a reference or an account.

/** Shortest normalised token compared with references; shorter ones match too much. */
export const MIN_REFERENCE_LENGTH = 3;

/**
 * Normalises a reference for comparison: capital letters and digits only,
 * so that "INV-2026/0311", "inv 2026 0311" and "INV20260311" agree.
 */
export function normaliseReference(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/**
 * Returns the normalised tokens of remittance text: each line whole (a
 * structured reference such as "RF18 5390 0754 7034" is one line) and each
 * word of a line separated by spaces, commas or semicolons.
 */
export function referenceTokens(text: string | null | undefined): Set<string> {
  const tokens = new Set<string>();
  if (!text) return tokens;
  const add = (part: string) => {
    const token = normaliseReference(part);
    if (token.length >= MIN_REFERENCE_LENGTH) tokens.add(token);
  };
  for (const line of text.split("\n")) {
    add(line);
    for (const word of line.split(/[\s,;]+/)) add(word);
  }
  return tokens;
}

/** Whether a reference or id occurs among the tokens. */
export function mentions(tokens: ReadonlySet<string>, reference: string | null | undefined): boolean {
  if (!reference) return false;
  const normalised = normaliseReference(reference);
  return normalised.length >= MIN_REFERENCE_LENGTH && tokens.has(normalised);
}
