// The fields of the standard extract files, in the order of the contract,
// and which of them a row must have.

/** Standard fields of each extract file, in the order of the contract. */
export const STANDARD_FIELDS = {
  accounts: [
    "account_id",
    "customer_id",
    "name",
    "segment",
    "entity",
    "status",
    "currency",
    "country",
    "language",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "tax_id",
    "autopay",
    "iban",
    "mandate_id",
    "mandate_date",
    "credit_limit",
    "channel",
  ],
  items: [
    "item_id",
    "account_id",
    "type",
    "status",
    "document_date",
    "due_date",
    "currency",
    "amount",
    "applies_to",
    "disputed_amount",
    "exchange_rate",
    "tax_amount",
    "tax_code",
    "reference",
  ],
  allocations: ["item_id", "applies_to", "amount", "date", "currency"],
  holds: [
    "account_id",
    "kind",
    "start_date",
    "end_date",
    "reason",
    "promised_amount",
    "promised_date",
    "currency",
  ],
} as const;

export type ExtractFile = keyof typeof STANDARD_FIELDS;
export type StandardField<F extends ExtractFile> =
  (typeof STANDARD_FIELDS)[F][number];

/** Extract files in the order every connector reads them. */
export const EXTRACT_FILES: readonly ExtractFile[] = [
  "accounts",
  "items",
  "allocations",
  "holds",
];

/** Fields that a row of each file must have. */
export const REQUIRED_FIELDS: { [F in ExtractFile]: StandardField<F>[] } = {
  accounts: ["account_id", "currency"],
  items: ["item_id", "account_id", "type", "document_date", "currency", "amount"],
  allocations: ["item_id", "applies_to", "amount", "date"],
  holds: ["account_id", "kind", "start_date"],
};
