// Reading ISO 20022 files: decoding, well-formedness, namespace detection and
// element access that reports the element path of every problem. Bank files
// are accepted or rejected whole, so every problem raises BankFileError.

import iconv from "iconv-lite";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ExtractError } from "../../src/extract.ts";
import { currencyExponent, isKnownCurrency, parseMinor } from "../../src/money.ts";

/** A bank file that cannot be used; nothing from it may be applied. */
export class BankFileError extends ExtractError {
  constructor(
    message: string,
    source: string,
    file: string,
    code: string,
    /** Element path such as Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, source, file, code, options);
    this.name = "BankFileError";
  }
}

/** Origin of a file, for error messages. */
export interface FileContext {
  /** File name as the operator knows it; appears in every error. */
  file: string;
  /** Source name of the bank connector; "bank" when not given. */
  source: string;
}

/** ISO 20022 namespaces end in the message identifier, e.g. camt.053.001.08. */
const ISO_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})$/;

type RawNode = string | { [name: string]: RawNode[] | string };

/** The root element of a parsed file and the message identifier of its namespace. */
export interface ParsedDocument {
  /** Message identifier from the namespace, e.g. "camt.053.001.02". */
  message: string;
  root: XmlElement;
}

/** Decodes file bytes using the BOM or the encoding of the XML declaration. */
export function decodeXml(content: string | Uint8Array): string {
  if (typeof content === "string") return content.replace(/^\uFEFF/, "");
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return bytes.subarray(3).toString("utf8");
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), "utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), "utf16be");
  const prolog = bytes.subarray(0, 200).toString("latin1");
  const declared = /^<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']/.exec(prolog)?.[1];
  if (declared && iconv.encodingExists(declared)) return iconv.decode(bytes, declared);
  return bytes.toString("utf8");
}

/**
 * Parses an ISO 20022 document: checks that it is well-formed XML whose root
 * is Document in an ISO 20022 namespace. Element names lose their prefixes,
 * and every value stays a string so that amounts and ids are never numbers.
 */
export function parseIsoDocument(
  content: string | Uint8Array,
  context: FileContext,
): ParsedDocument {
  const text = decodeXml(content);
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    throw fileError(
      context,
      "xml_not_well_formed",
      "",
      `is not well-formed XML at line ${line}, column ${col} (${msg}); ` +
        "ask the bank to send the file again",
    );
  }
  let rootName: string | undefined;
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    removeNSPrefix: false,
    transformTagName: (name) => {
      rootName ??= name;
      return name.replace(/^[^:]*:/, "");
    },
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
  });
  const tree = parser.parse(text) as Record<string, RawNode[]>;
  const documents = tree.Document;
  if (!documents || documents.length !== 1 || typeof documents[0] === "string") {
    const found = rootName ?? "nothing";
    throw fileError(
      context,
      "root_not_document",
      found,
      `has root element ${found} instead of an ISO 20022 Document; ` +
        "check that the right file was delivered",
    );
  }
  const root = new XmlElement(documents[0], "Document", context);
  const message = detectMessage(root, rootName ?? "Document", context);
  return { message, root };
}

function detectMessage(root: XmlElement, rootName: string, context: FileContext): string {
  const prefix = rootName.includes(":") ? rootName.slice(0, rootName.indexOf(":")) : "";
  const attribute = prefix ? `xmlns:${prefix}` : "xmlns";
  const namespace = root.attribute(attribute);
  const match = namespace === undefined ? null : ISO_NAMESPACE.exec(namespace);
  if (!match) {
    throw fileError(
      context,
      "namespace_not_supported",
      "Document",
      `has namespace ${JSON.stringify(namespace ?? "")}, which is not an ISO 20022 ` +
        "message namespace; check that the right file was delivered",
    );
  }
  return match[1];
}

/** Builds the error for a problem at an element path of a file. */
export function fileError(
  context: FileContext,
  code: string,
  path: string,
  problem: string,
): BankFileError {
  const where = path ? `${context.file}: ${path} ` : `${context.file} `;
  return new BankFileError(
    `${where}${problem}; nothing from this file was used`,
    context.source,
    context.file,
    code,
    path,
  );
}

/** One element of a parsed file with its path, for reading and for errors. */
export class XmlElement {
  constructor(
    private readonly node: RawNode,
    readonly path: string,
    readonly context: FileContext,
  ) {}

  /** Returns the first child of that name, or undefined. */
  child(name: string): XmlElement | undefined {
    const nodes = this.rawChildren(name);
    return nodes.length > 0 ? new XmlElement(nodes[0], `${this.path}/${name}`, this.context) : undefined;
  }

  /** Returns every child of that name, with 1-based positions in their paths. */
  children(name: string): XmlElement[] {
    return this.rawChildren(name).map(
      (node, index) => new XmlElement(node, `${this.path}/${name}[${index + 1}]`, this.context),
    );
  }

  /** Returns the first child of that name or raises missing_element. */
  required(name: string): XmlElement {
    const element = this.child(name);
    if (!element) throw this.missing(name);
    return element;
  }

  /** Returns the element at a slash-separated relative path, or undefined. */
  find(relativePath: string): XmlElement | undefined {
    let current: XmlElement | undefined = this;
    for (const name of relativePath.split("/")) {
      current = current.child(name);
      if (!current) return undefined;
    }
    return current;
  }

  /** Returns the text of the element at a relative path; null when absent or empty. */
  text(relativePath?: string): string | null {
    const element = relativePath ? this.find(relativePath) : this;
    if (!element) return null;
    const value = element.ownText();
    return value === "" ? null : value;
  }

  /** Returns the text at a relative path, or raises missing_element when absent or empty. */
  requiredText(relativePath: string): string {
    const value = this.text(relativePath);
    if (value === null) throw this.missing(relativePath);
    return value;
  }

  /** Returns an attribute value, or undefined. */
  attribute(name: string): string | undefined {
    if (typeof this.node === "string") return undefined;
    const value = this.node[`@${name}`];
    return typeof value === "string" ? value : undefined;
  }

  /** Builds an error about this element. */
  error(code: string, problem: string): BankFileError {
    return fileError(this.context, code, this.path, problem);
  }

  private missing(relativePath: string): BankFileError {
    return fileError(
      this.context,
      "missing_element",
      `${this.path}/${relativePath}`,
      "is missing or empty, but the message requires it; ask the bank for a corrected file",
    );
  }

  private ownText(): string {
    if (typeof this.node === "string") return this.node;
    const value = this.node["#text"];
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.join("");
    const hasChildren = Object.keys(this.node).some((key) => !key.startsWith("@"));
    if (hasChildren) {
      throw this.error("text_expected", "contains elements where a text value is expected");
    }
    return "";
  }

  private rawChildren(name: string): RawNode[] {
    if (typeof this.node === "string") return [];
    const value = this.node[name];
    return Array.isArray(value) ? value : [];
  }
}

/** An amount read from an element with a Ccy attribute. */
export interface ElementAmount {
  minor: number;
  currency: string;
  /** The decimal text as the bank wrote it. */
  text: string;
}

const ISO_AMOUNT = /^\d+(\.\d+)?$/;

/**
 * Reads an ISO 20022 amount element (`<Amt Ccy="EUR">8.85</Amt>`) into minor
 * units of its currency, through the decimal text and never a float.
 */
export function readAmount(element: XmlElement): ElementAmount {
  const text = element.text();
  if (text === null) throw element.error("missing_element", "has no amount");
  const currency = element.attribute("Ccy");
  if (!currency) {
    throw element.error("missing_currency", "has no Ccy attribute; ask the bank for a corrected file");
  }
  if (!isKnownCurrency(currency)) {
    throw element.error(
      "currency_not_supported",
      `has currency ${JSON.stringify(currency)}, which is not a supported ISO 4217 code`,
    );
  }
  const minor = ISO_AMOUNT.test(text) ? parseMinor(text, currencyExponent(currency)) : undefined;
  if (minor === undefined) {
    throw element.error(
      "invalid_decimal",
      `has amount ${JSON.stringify(text)}, which is not an unsigned decimal with at most ` +
        `${currencyExponent(currency)} decimals for ${currency}; ask the bank for a corrected file`,
    );
  }
  return { minor, currency, text };
}
