// The part of fontkit 2 (the font parser inside pdfkit) that the letters use;
// the package ships no type declarations.

declare module "fontkit" {
  /** A parsed font; pdfkit lays out and subsets text with it. */
  export interface FontkitFont {
    postscriptName: string;
    layout(text: string): unknown;
  }

  export function create(buffer: Uint8Array, postscriptName?: string): FontkitFont;
}
