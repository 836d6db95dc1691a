/**
 * The HTTP scenarios both adapters must pass: real apps on loopback, two instances sharing the
 * stores, driven with a cookie jar. Each adapter's test file runs them against its own app.
 */
import { expect } from "chai";
import { isValidSessionId } from "../../../store";
import { CookieJar, type ProxiedEnvironment, within } from "./fixtures";

export interface AppsUnderTest {
  env: ProxiedEnvironment;
  /** Two instances of the same app, each with its own HybridSessionStore on the same servers. */
  origins: [string, string];
  cookieName: string;
  /** The cookie value the app itself would send for `id` (signed with its secret). */
  signedCookie(id: string): string;
  maxAgeMs: number;
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** The session id inside a signed session cookie (`s:<id>.<mac>` or `<id>.<mac>`). */
export function idOf(jar: CookieJar, cookieName: string): string {
  const value = decodeURIComponent(jar.cookies.get(cookieName) ?? "");
  return value.replace(/^s:/, "").slice(0, value.replace(/^s:/, "").lastIndexOf("."));
}

/** The same browser, talking to the other instance. */
function sameBrowser(jar: CookieJar, origin: string): CookieJar {
  const other = new CookieJar(origin);
  for (const [k, v] of jar.cookies) other.cookies.set(k, v);
  return other;
}

async function logIn(apps: AppsUnderTest, user: string, instance = 0): Promise<CookieJar> {
  const jar = new CookieJar(apps.origins[instance === 0 ? 0 : 1]);
  const login = await jar.json("/login", post({ user }));
  expect(login, "log in").to.deep.equal({ status: 200, body: { user } });
  return jar;
}

/** Log in, read, change, read on the other instance, log out; both stores agree at every step. */
export async function fullJourney(apps: AppsUnderTest): Promise<void> {
  const jar = await logIn(apps, "ada");
  const id = idOf(jar, apps.cookieName);
  expect(id, "the framework's own id").to.have.length(32);
  expect(isValidSessionId(id)).to.equal(true);
  expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "ada", cart: [] } });

  const other = sameBrowser(jar, apps.origins[1]);
  expect(await other.json("/cart", post({ item: 42 }))).to.deep.equal({
    status: 200,
    body: { cart: [42] },
  });
  expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "ada", cart: [42] } });
  await expectExpiryOfCookie(apps, id);

  expect((await jar.json("/logout", post({}))).status).to.equal(200);
  expect((await jar.json("/me")).status, "logged out").to.equal(401);
  expect((await other.json("/me")).status, "logged out on the other instance").to.equal(401);
  expect(await apps.env.expiries(id)).to.deep.equal({ cache: null, dynamodb: null });
}

/**
 * Both stores expire the session at the second its cookie expires, rounded up (one second later
 * when the write straddled a second boundary).
 */
export async function expectExpiryOfCookie(apps: AppsUnderTest, id: string): Promise<number> {
  const item = await apps.env.durable.entry(id);
  const data = item?.session.data as { cookie?: { expires?: string } } | undefined;
  const cookieSecond = Math.ceil(Date.parse(data?.cookie?.expires ?? "") / 1000);
  const { cache, dynamodb } = await apps.env.expiries(id);
  expect(cache, "the cache's expiry").to.equal(dynamodb);
  expect((dynamodb ?? 0) - cookieSecond, "store expiry minus the cookie's second").to.be.oneOf([
    0, 1,
  ]);
  return dynamodb ?? 0;
}

/** Every request moves the expiry to maxAge from then, in both stores. */
export async function rollingExpiry(apps: AppsUnderTest): Promise<void> {
  const jar = await logIn(apps, "ada");
  const id = idOf(jar, apps.cookieName);
  const first = await apps.env.expiries(id);
  await within("a later request to move the expiry", async () => {
    const before = Date.now();
    expect((await jar.json("/me")).status).to.equal(200);
    const after = Date.now();
    const { cache, dynamodb } = await apps.env.expiries(id);
    expect(cache).to.equal(dynamodb);
    expect(dynamodb).to.be.greaterThan(first.dynamodb ?? Number.POSITIVE_INFINITY);
    expect(dynamodb).to.be.within(
      Math.ceil((before + apps.maxAgeMs) / 1000),
      Math.ceil((after + apps.maxAgeMs) / 1000) + 1,
    );
  });
}

/** A second login gets a new id; the old one is gone from both stores. */
export async function regenerate(apps: AppsUnderTest): Promise<void> {
  const jar = await logIn(apps, "ada");
  const first = idOf(jar, apps.cookieName);
  expect(await jar.json("/login", post({ user: "bob" }))).to.deep.equal({
    status: 200,
    body: { user: "bob" },
  });
  const second = idOf(jar, apps.cookieName);
  expect(second).to.not.equal(first);
  expect(await apps.env.expiries(first), "the old session").to.deep.equal({
    cache: null,
    dynamodb: null,
  });
  expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "bob", cart: [] } });
}

/** A forged cookie, signed or not, of any form, is no session; nothing is stored for it. */
export async function forgedCookies(apps: AppsUnderTest): Promise<void> {
  const unknownId = "A".repeat(32);
  for (const [what, value] of [
    ["garbage", "garbage"],
    ["an unsigned id", unknownId],
    ["a bad signature", `${apps.signedCookie(unknownId).slice(0, -4)}AAAA`],
    ["a signed malformed id", apps.signedCookie("../../etc/passwd")],
    ["a signed id too short", apps.signedCookie("short")],
    ["a signed unknown id", apps.signedCookie(unknownId)],
  ]) {
    const jar = new CookieJar(apps.origins[0]);
    jar.cookies.set(apps.cookieName, value ?? "");
    expect(await jar.json("/me"), what).to.deep.equal({
      status: 401,
      body: { error: "not logged in" },
    });
  }
  expect(await apps.env.expiries(unknownId)).to.deep.equal({ cache: null, dynamodb: null });
}

/**
 * Log in, read, change and log out while a store is down: the other one serves. `logInFirst`: the
 * user logs in before the outage.
 */
export async function journeyWhileDown(
  apps: AppsUnderTest,
  outage: () => Promise<void>,
  { logInFirst = false } = {},
): Promise<void> {
  if (!logInFirst) await outage();
  const jar = await logIn(apps, "ada");
  if (logInFirst) await outage();
  expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "ada", cart: [] } });
  const other = sameBrowser(jar, apps.origins[1]);
  expect((await other.json("/cart", post({ item: 7 }))).status).to.equal(200);
  expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "ada", cart: [7] } });
  expect((await jar.json("/logout", post({}))).status).to.equal(200);
  expect((await jar.json("/me")).status).to.equal(401);
}

/** With both stores down, the store's error reaches the app's error handler; then it recovers. */
export async function bothDown(apps: AppsUnderTest): Promise<void> {
  const jar = await logIn(apps, "ada");
  await apps.env.cacheDown();
  await apps.env.dynamoDbDown();
  try {
    expect(await jar.json("/me")).to.deep.equal({
      status: 500,
      body: { error: "STORE_UNAVAILABLE" },
    });
  } finally {
    await apps.env.heal();
  }
  await within("the app to serve the session again", async () => {
    expect(await jar.json("/me")).to.deep.equal({ status: 200, body: { user: "ada", cart: [] } });
  });
}
