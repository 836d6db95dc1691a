/**
 * The doctor's TTL check against a DynamoDB control plane that answers as a stack just deployed:
 * no local environment needed, so this file never attaches to or starts one.
 */
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { closedPort } from "../localEnv";
import { runDoctor } from "./runDoctor";

describe("npm run doctor on a stack just deployed", () => {
  // DynamoDB's control plane as a new stack answers it: the table ACTIVE, its TTL still ENABLING.
  let ttlStatus = "ENABLING";
  const dynamodb = createServer((req, res) => {
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1];
    const body =
      operation === "DescribeTable"
        ? { Table: { TableName: "session-store", TableStatus: "ACTIVE", ItemCount: 0 } }
        : { TimeToLiveDescription: { TimeToLiveStatus: ttlStatus, AttributeName: "expires_at" } };
    req.resume();
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify(body));
  });
  let endpoint = "";
  before(async () => {
    await new Promise<void>((done) => dynamodb.listen(0, "127.0.0.1", done));
    endpoint = `http://127.0.0.1:${(dynamodb.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((done) => dynamodb.close(() => done())));

  const ttlLine = async () => {
    const { out } = await runDoctor({
      HSS_VALKEY_ENDPOINT: `127.0.0.1:${await closedPort()}`,
      HSS_DYNAMODB_ENDPOINT: endpoint,
      HSS_TABLE: "session-store",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    return out.split("\n").find((line) => /^(ok|FAIL) +dynamodb TTL/.test(line)) ?? out;
  };

  it("passes a TTL that is still ENABLING, which DynamoDB documents can take an hour", async () => {
    ttlStatus = "ENABLING";
    expect(await ttlLine()).to.match(
      /^ok {4}dynamodb TTL enabled on session-store\.expires_at: ENABLING on expires_at/,
    );
  });

  it("fails a TTL that is DISABLED, saying so", async () => {
    ttlStatus = "DISABLED";
    expect(await ttlLine()).to.equal(
      "FAIL  dynamodb TTL enabled on session-store.expires_at: TTL is DISABLED on expires_at; the store writes expires_at",
    );
  });
});
