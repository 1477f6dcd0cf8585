// Picks the connector for a source's kind. Each kind lives in its own folder
// and yields the same typed staging rows and rejects.

import type { SourceConfig } from "../src/config/sources.ts";
import type { Connector } from "../src/extract.ts";
import { BankConnector } from "./bank/source.ts";
import { CsvConnector } from "./csv/index.ts";
import { FixedWidthConnector } from "./fixed-width/index.ts";
import { SqlConnector } from "./sql/index.ts";
import { StandardConnector } from "./standard/index.ts";
import { XlsxConnector } from "./xlsx/index.ts";

export function createConnector(name: string, config: SourceConfig): Connector {
  switch (config.kind) {
    case "standard":
      return new StandardConnector(name, config);
    case "csv":
      return new CsvConnector(name, config);
    case "fixed_width":
      return new FixedWidthConnector(name, config);
    case "xlsx":
      return new XlsxConnector(name, config);
    case "sql":
      return new SqlConnector(name, config);
    case "bank":
      return new BankConnector(name, config);
  }
}
