// Letter templates: one handlebars file per stage and language, named
// <stage>.<language>.hbs (reminder.de.hbs), producing the markup of
// markup.ts. A letter in a language without a template uses the English one.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import Handlebars from "handlebars";

import { RequestError } from "../../errors.ts";
import { formatLetterAmount, formatLetterDate } from "./format.ts";
import type { LetterAddressee, LetterData } from "./letter-data.ts";
import { escapeMarkup } from "./markup.ts";

/** Folder of the templates that ship with dcms. */
export const BUNDLED_TEMPLATE_FOLDER = fileURLToPath(new URL("./templates/", import.meta.url));

export const FALLBACK_LANGUAGE = "en";

/** A compiled template for one stage in one language. */
export interface LetterTemplate {
  stage: string;
  /** Language of the template's text; amounts and dates follow its conventions. */
  language: string;
  file: string;
  fill: (context: LetterContext) => string;
}

/** Template file found for a stage and a requested language. */
export interface TemplateLocation {
  stage: string;
  language: string;
  file: string;
}

const NAME_PART = /^[a-z0-9_]+(-[a-z0-9]+)*$/;

/**
 * Finds the template file for a stage in the letter's language, trying the
 * full tag ("de-at"), then its primary language ("de"), then English.
 * Throws RequestError when none of them exists.
 */
export function findLetterTemplate(
  stage: string,
  language: string,
  folder: string = BUNDLED_TEMPLATE_FOLDER,
): TemplateLocation {
  const tag = language.toLowerCase();
  if (!NAME_PART.test(stage) || !NAME_PART.test(tag)) {
    throw new RequestError(
      `letter stage ${JSON.stringify(stage)} or language ${JSON.stringify(language)} ` +
        `cannot name a template file; use lowercase letters, digits, "_" and "-"`,
    );
  }
  const candidates = [...new Set([tag, tag.split("-")[0], FALLBACK_LANGUAGE])];
  for (const candidate of candidates) {
    const file = join(folder, `${stage}.${candidate}.hbs`);
    if (existsSync(file)) return { stage, language: candidate, file };
  }
  throw new RequestError(
    `no letter template for stage ${JSON.stringify(stage)} in language ` +
      `${JSON.stringify(language)}: add ${stage}.${candidates[0]}.hbs or ` +
      `${stage}.${FALLBACK_LANGUAGE}.hbs to ${folder}`,
  );
}

// An own environment, so that nothing registered elsewhere leaks in.
const handlebars = Handlebars.create();
const compiled = new Map<string, LetterTemplate>();

/** Finds, reads and compiles a template. Compiled templates are cached per file. */
export function loadLetterTemplate(
  stage: string,
  language: string,
  folder: string = BUNDLED_TEMPLATE_FOLDER,
): LetterTemplate {
  return compileTemplateFile(findLetterTemplate(stage, language, folder));
}

/** Reads and compiles a template file that findLetterTemplate located. */
export function compileTemplateFile(location: TemplateLocation): LetterTemplate {
  const cached = compiled.get(location.file);
  if (cached) return cached;
  const template = compileLetterTemplate(readFileSync(location.file, "utf8"), location);
  compiled.set(location.file, template);
  return template;
}

/**
 * Compiles template text. Values reach it already escaped for the markup,
 * so handlebars' HTML escaping is off. Strict mode turns a misspelt
 * variable into an error instead of an empty gap in the letter.
 */
export function compileLetterTemplate(source: string, location: TemplateLocation): LetterTemplate {
  const render = handlebars.compile<LetterContext>(source, {
    noEscape: true,
    strict: true,
    knownHelpersOnly: true,
  });
  const fill = (context: LetterContext): string => {
    try {
      return render(context);
    } catch (error) {
      throw new RequestError(
        `letter template ${location.file} failed: ${(error as Error).message}`,
      );
    }
  };
  return { ...location, fill };
}

/** Variables of a template, each string escaped for the markup. */
export interface LetterContext {
  letterId: string;
  customerRef: string;
  language: string;
  stage: string;
  businessDate: string;
  deadline: string;
  addressee: Record<keyof LetterAddressee, string>;
  addressLines: string[];
  items: {
    source: string;
    accountId: string;
    reference: string;
    documentDate: string;
    dueDate: string;
    currency: string;
    openAmount: string;
    daysPastDue: string;
  }[];
  totals: { currency: string; overdueAmount: string }[];
  waysToPay: string[];
}

/** Builds the template variables, formatted in the template's language. */
export function buildLetterContext(letter: LetterData, templateLanguage: string): LetterContext {
  const text = (value: string | null): string => escapeMarkup(value ?? "");
  const date = (value: string): string => text(formatLetterDate(value, templateLanguage));
  const amount = (minor: number, currency: string): string =>
    text(formatLetterAmount(minor, currency, templateLanguage));
  const addressee = letter.addressee;

  return {
    letterId: text(letter.letterId),
    customerRef: text(letter.customerRef),
    language: text(letter.language),
    stage: text(letter.stage),
    businessDate: date(letter.businessDate),
    deadline: date(letter.deadline),
    addressee: {
      name: text(addressee.name),
      addressLine1: text(addressee.addressLine1),
      addressLine2: text(addressee.addressLine2),
      postalCode: text(addressee.postalCode),
      city: text(addressee.city),
      region: text(addressee.region),
      country: text(addressee.country),
    },
    addressLines: composeAddressLines(addressee).map(text),
    items: letter.items.map((item) => ({
      source: text(item.source),
      accountId: text(item.accountId),
      reference: text(item.reference),
      documentDate: date(item.documentDate),
      dueDate: date(item.dueDate),
      currency: text(item.currency),
      openAmount: amount(item.openMinor, item.currency),
      daysPastDue: text(String(item.daysPastDue)),
    })),
    totals: letter.totals.map((total) => ({
      currency: text(total.currency),
      overdueAmount: amount(total.overdueMinor, total.currency),
    })),
    waysToPay: letter.waysToPay.map(text),
  };
}

/**
 * Returns the address block's lines, skipping empty fields: name, street
 * lines, "postal code city", region, country.
 */
export function composeAddressLines(addressee: LetterAddressee): string[] {
  // NOTE: the postal code precedes the city, as in most of continental
  // Europe. Countries that write it after the city (GB, US) need another
  // order, which a template can build from the separate addressee fields.
  const place = [addressee.postalCode, addressee.city]
    .map((part) => part?.trim() ?? "")
    .filter(Boolean)
    .join(" ");
  return [
    addressee.name,
    addressee.addressLine1,
    addressee.addressLine2,
    place,
    addressee.region,
    addressee.country,
  ]
    .map((line) => line?.trim() ?? "")
    .filter((line) => line !== "");
}
