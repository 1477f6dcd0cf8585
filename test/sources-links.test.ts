// Customer linking across sources in one night. Source "a" is read first,
// because sources go in name order, and has accounts with global customer
// ids. Source "b" links by customer id, tax id, e-mail and name with postal
// code.

import { expect } from "chai";
import { decideLink, KeyIndex, matchKeys, normaliseNamePostalCode } from "../jobs/link-customers.ts";
import type { SourceSettings } from "../src/config/resolve.ts";
import type { StagedAccount } from "../src/extract.ts";
import { csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

function item(id: string, account: string): string[] {
  return [id, account, "invoice", "posted", "2026-03-01", "2026-03-25", "EUR", "10.00"];
}

describe("customer links across sources", function () {
  let operator: Operator;

  before(async function () {
    operator = Operator.create({
      a: { kind: "standard", path: "a", entity: "DE01", customer_ids: "global" },
      b: {
        kind: "standard",
        path: "b",
        entity: "DE01",
        customer_ids: "global",
        customer_match: ["email", "name_postal_code"],
        // Two bad rows of ten are expected here.
        reject_threshold: 0.5,
      },
    });
    // account_id, customer_id, name, email, postal_code, tax_id, currency
    operator.write(
      "a/accounts.csv",
      csvText(STANDARD_ACCOUNTS, [
        ["A1", "C-1", "Anna Schneider", "anna@example.org", "10439", "DE111", "EUR"],
        ["A2", "C-2", "Jonas Weber", "", "20259", "", "EUR"],
        ["A3", "", "", "shared@example.net", "", "", "EUR"],
        ["A4", "", "", "shared@example.net", "", "", "EUR"],
      ]),
    );
    operator.write("a/items.csv", csvText(STANDARD_ITEMS, [item("IA1", "A1")]));
    operator.write(
      "b/accounts.csv",
      csvText(STANDARD_ACCOUNTS, [
        ["B1", "", "", "", "", "de-111", "EUR"],
        ["B2", "C-2", "", "", "", "DE 111", "EUR"],
        ["B3", "", "", " ANNA@example.org", "", "", "EUR"],
        ["B4", "", "JONAS  WEBER", "shared@example.net", "20 259", "", "EUR"],
        ["B5", "", "", "", "", "", "EUR"],
        ["B6", "C-9", "", "", "", "", "EUR"],
        ["B7", "", "", "", "", "DE999", "EUR"],
        ["B8", "", "", "", "", "de 999", "EUR"],
      ]),
    );
    operator.write("b/items.csv", csvText(STANDARD_ITEMS, [item("IB1", "B1"), item("IB2", "B2")]));
    expect((await operator.night("2026-03-31")).exitStatus).to.equal(0);
  });

  after(() => operator.remove());

  it("reports every link with its rule", function () {
    const links = operator.csv("2026-03-31", "links.csv");
    expect(links.map((row) => Object.values(row).join(" "))).to.deep.equal([
      "a A1 C-1 customer_id  ",
      "a A2 C-2 customer_id  ",
      "a A3 a:account:A3 account  ",
      "a A4 a:account:A4 account  ",
      // The tax id DE111 of A1, written another way.
      "b B1 C-1 tax_id a A1",
      // The address shared by A3 and A4 is ambiguous, so name and postal code decide.
      "b B3 C-1 email a A1",
      "b B4 C-2 name_postal_code a A2",
      "b B5 b:account:B5 account  ",
      "b B6 C-9 customer_id  ",
      "b B7 tax:DE999 tax_id  ",
      // B7 is new in the same extract and still links B8.
      "b B8 tax:DE999 tax_id b B7",
    ]);
    expect(Object.keys(links[0])).to.deep.equal([
      "source",
      "account_id",
      "customer_id",
      "rule",
      "matched_source",
      "matched_account_id",
    ]);
  });

  it("rejects an account with conflicting links", function () {
    const rejects = operator.csv("2026-03-31", "rejects.csv");
    expect(rejects.map((row) => `${row.source}:${row.file}:${row.line}:${row.field}:${row.code}`)).to.deep.equal([
      "b:accounts.csv:3:customer_id:conflicting_customer_link",
      // B2's invoice has no account once B2 is rejected.
      "b:items.csv:3:account_id:account_not_found",
    ]);
    expect(rejects[0].message).to.equal(
      "account B2: its customer_id points to customer C-2 but its tax_id to customer C-1; " +
        "correct one of them in the billing system, or merge the two customers",
    );
  });

  it("ages linked accounts under one customer", function () {
    const aging = operator.csv("2026-03-31", "aging.csv");
    expect(aging.map((row) => `${row.source}/${row.account_id} ${row.customer_id} ${row.balance}`)).to.deep.equal([
      "a/A1 C-1 10.00",
      "b/B1 C-1 10.00",
    ]);
  });

  it("keeps a linked account's customer on the next night", async function () {
    // B1's tax id now points nowhere, but an account keeps its customer.
    operator.write(
      "b/accounts.csv",
      csvText(STANDARD_ACCOUNTS, [["B1", "", "", "", "", "DE777", "EUR"]]),
    );
    operator.write("b/items.csv", csvText(STANDARD_ITEMS, [item("IB1", "B1")]));
    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    expect(operator.csv("2026-04-01", "links.csv")).to.deep.equal([]);
    const aging = operator.csv("2026-04-01", "aging.csv");
    expect(aging.map((row) => `${row.source}/${row.account_id} ${row.customer_id}`)).to.deep.equal([
      "a/A1 C-1",
      "b/B1 C-1",
    ]);
  });
});

describe("decideLink", function () {
  const source = { name: "b", customerIdsGlobal: false } as SourceSettings;
  const account = (fields: Partial<StagedAccount>) => ({ accountId: "B1", customerId: null, taxId: null, email: null, name: null, postalCode: null, ...fields }) as StagedAccount;

  it("scopes local customer ids to their source", function () {
    expect(matchKeys(source, account({ customerId: "7" }))).to.deep.equal([{ kind: "customer_id", value: "b:7" }]);
  });

  it("joins the tax id's customer when the customer id is new", function () {
    const index = new KeyIndex();
    index.add("tax_id", "DE111", { target: { key: 4 }, matched: { source: "a", accountId: "A1" } });
    const keys = matchKeys(source, account({ customerId: "7", taxId: "DE111" }));
    expect(decideLink(keys, [], index, "b:7")).to.deep.equal({
      target: { key: 4 },
      rule: "tax_id",
      matched: { source: "a", accountId: "A1" },
    });
  });

  it("starts a customer of its own without any key", function () {
    expect(decideLink([], ["email"], new KeyIndex(), "b:account:B1")).to.deep.equal({
      target: { ref: "b:account:B1" },
      rule: "account",
      matched: null,
    });
  });

  it("normalises name and postal code", function () {
    expect(normaliseNamePostalCode("Müller-Lüdenscheidt,  Jörg ", "D 80 331")).to.equal("müller lüdenscheidt jörg|D80331");
    expect(normaliseNamePostalCode("Jörg", null)).to.equal(null);
  });
});
